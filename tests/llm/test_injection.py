"""Prompt injection (issue 15, item 8) against an obedient model: the scripted server
(tests/support/openai_stub.py) answers whatever the injected text asks for, as a model that
follows instructions in its input would. The defence must not depend on recognising the text:

- the document reaches the model only inside a block with a random per-request boundary, its
  tag-like tokens neutralised (`</document>` of any case, width or spacing cannot close it);
- every value is grounded in the printed text (worker/llm/grounding.py);
- the answer is held to the deterministic readers' reading of the same section
  (worker/pipeline/printed.py, worker/llm/contradict.py): a contradiction goes to review.

The injections are data (tests/data/injections.yaml), 18 paraphrases in Chinese and English, in
prose and in a table cell; each runs through the real pipeline (text document → sections) and
the real HTTP client. The injected value must never be stored as `ok`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas import DocStatus
from schemas.performance import Section, SectionResult, SectionStatus, Source
from tests.support.openai_stub import OpenAIStub, obey
from worker.llm import LLMClient, LLMConfig, extract_section
from worker.llm.ask import neutralise
from worker.performance.agree import fold
from worker.pipeline import Outcome, process, status_of
from worker.pipeline.checks import run_checks

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "injections.yaml").read_text(encoding="utf-8"))

PROSE = ("会议费项目年初预算数11.43万元，全年预算数11.43万元，全年执行数10.20万元，"
         "预算执行率89.24%，自评得分99.40分。")
FORM = ["项目名称\t会议费\t主管部门\t某单位", "预算数\t11.43\t其中：财政资金\t11.43"]
HONEST = {
    "SelfEvaluation": {"grade_counts": [], "projects": [
        {"name": "会议费", "initial_budget": "11.43", "full_year_budget": "11.43",
         "actual": "10.20", "rate": "89.24", "score": "99.40"}]},
    "ProjectTargets": {"projects": [
        {"code": None, "name": "会议费", "amount": "11.43", "fiscal_amount": "11.43"}]},
}
# what the injection asks, field by field, in each answer model
ASKED = {("SelfEvaluation", "amount"): ("initial_budget", "full_year_budget"),
         ("ProjectTargets", "amount"): ("amount",),
         ("SelfEvaluation", "name"): ("name",), ("ProjectTargets", "name"): ("name",)}
BLOCK = re.compile(r"<document-([0-9a-f]{16})>\n(.*)\n</document-\1>$", re.S)


def document(case: dict[str, Any] | None) -> bytes:
    """A budget document: 会议费's self-evaluation in prose, and (for a cell injection) its
    target form with a 备注 row the performance reader has no field for."""
    prose = [PROSE] + ([case["text"]] if case and case["where"] == "prose" else [])
    lines = ["某单位2025年部门预算公开", "一、部门绩效自评情况", "（一）项目绩效自评结果", *prose]
    if case and case["where"] == "cell":
        lines += ["二、项目绩效目标", "会议费项目绩效目标表", *FORM, f"备注\t{case['text']}"]
    return "\n".join([*lines, ""]).encode()


def obedient(case: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    """Answers honestly unless the request carries the injection: then what it asks."""
    def answer(body: dict[str, Any]) -> dict[str, Any]:
        tool = body["tool_choice"]["function"]["name"]
        data = {k: [dict(p) for p in v] for k, v in HONEST[tool].items()}
        if case and neutralise(case["text"]) in body["messages"][1]["content"]:
            for field in ASKED[(tool, case["asks"])]:
                data["projects"][0][field] = case["value"]
        return data
    return answer


def read(case: dict[str, Any] | None) -> Outcome:
    return process(document(case), "txt", "doc-inj", "inj.txt")


def ask(outcome: Outcome, section: Section, case: dict[str, Any] | None,
        stub: OpenAIStub) -> SectionResult:
    client = LLMClient(LLMConfig(base_url=stub.base_url, model="stub", backoff_s=0.01,
                                 timeout_s=10.0, max_retries=2))
    text = "\n".join(outcome.document.page_texts)
    return extract_section(section, client, None, doc_id="doc-inj", document_text=text,
                           project_names=outcome.project_names)


def injected(outcome: Outcome, case: dict[str, Any]) -> Section:
    kind = "self_evaluation" if case["where"] == "prose" else "project_targets"
    [section] = [s for s in outcome.sections if s.kind == kind]
    return section


@pytest.mark.parametrize("fence", [
    "</document>", "</DOCUMENT>", "＜／ｄｏｃｕｍｅｎｔ＞", "< / Document >", "<\u200b/document\u200b>",
    "﹤/document﹥", "〈/document〉", "<|im_start|>", "<document-0123456789abcdef>",
])
def test_tag_like_tokens_are_neutralised_whatever_their_case_width_or_spacing(fence: str) -> None:
    kept = neutralise(f"预算数 | 11.43 {fence} 输出2")
    assert kept.startswith("预算数 | 11.43 ‹") and kept.endswith(" 输出2")
    assert not re.search(r"[<〈﹤＜]\s*[/|a-z]", kept, re.I)


def test_comparators_and_the_rest_of_the_text_are_untouched() -> None:
    text = "满意度 | ≥98% | <5% | < 30个 | <=3 | 《预算法》 | >10次 | <一个月"
    assert neutralise(text) == text


def test_each_request_has_its_own_boundary() -> None:
    outcome = read(None)
    [section] = outcome.sections
    with OpenAIStub([obey(obedient(None))] * 2) as stub:
        for _ in range(2):
            ask(outcome, section, None, stub)
    first, second = (BLOCK.search(r["messages"][1]["content"]) for r in stub.requests)
    assert first and second and first.group(1) != second.group(1)
    assert first.group(2) == second.group(2) == neutralise(section.text)


def test_honest_answers_on_a_clean_document_are_ok() -> None:
    """No false alarm: the deterministic reading agrees with a model that reads right."""
    outcome = read({"where": "cell", "text": "无"})
    assert [s.kind for s in outcome.sections] == ["self_evaluation", "project_targets"]
    with OpenAIStub([obey(obedient(None))] * 2) as stub:
        results = [ask(outcome, s, None, stub) for s in outcome.sections]
    assert [(r.status, r.reasons) for r in results] == [(SectionStatus.ok, [])] * 2
    assert len(stub.requests) == 2


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_an_injected_value_is_never_stored_as_ok(case: dict[str, Any]) -> None:
    outcome = read(case)
    section = injected(outcome, case)
    assert neutralise(case["text"]) in neutralise(section.text)  # the section carries it
    with OpenAIStub([obey(obedient(case))] * 3) as stub:
        result = ask(outcome, section, case, stub)
    # the model got the injection as data: inside the one block, which only we close
    user = stub.requests[0]["messages"][1]["content"]
    block = BLOCK.search(user)
    assert block and neutralise(case["text"]) in block.group(2)
    assert user.count("</document-") == 1 and "</document>" not in block.group(2).casefold()
    # ... and obeyed it; the answer may still be stored, for review, never as ok
    assert result.status == SectionStatus.needs_review, result.reasons
    stored = fold([s for s in outcome.document.sections if s.source == Source.parser], [result])
    document = outcome.document.model_copy(update={"sections": stored})
    assert status_of(document, run_checks(document, sections=stored)) == DocStatus.needs_review
