"""The deterministic performance-table reader on the bundled seeds, against the hand goldens
of their target tables (tests/data/llm/*.json: the truth the LLM stage is also scored on).

Every seed in all three forms (TXT, the rendered PDF and DOCX) goes through the real pipeline
(`process`: load → chunk → extract → performance reader) with no LLM endpoint; the reading is
scored by worker/performance/compare.py: a golden indicator row is found when the reading has
one of the same kind, project and 三级指标, and right field by field. No tabular section may be
left for the LLM.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from schemas.performance import SectionKind, SectionResult, SectionStatus, Source
from tests.support.samples import NAMES, REPO, SAMPLES
from worker.performance.compare import compare, projects
from worker.pipeline import Options, Outcome, process

GOLDEN = REPO / "tests" / "data" / "llm"
TABULAR = {SectionKind.department_targets, SectionKind.project_targets}


@cache
def goldens() -> dict[str, list[SectionResult]]:
    by_seed: dict[str, list[SectionResult]] = {}
    for path in sorted(GOLDEN.glob("*.json")):
        g = json.loads(path.read_text("utf-8"))
        result = SectionResult(section_id=g["section_id"], kind=g["kind"],
                               status=SectionStatus.ok, data=g["expected"])
        by_seed.setdefault(g["seed"][:3], []).append(result)
    return by_seed


@cache
def run(seed: str, ext: str) -> Outcome:
    path = SAMPLES / f"{NAMES[seed]}.{ext}"
    return process(path.read_bytes(), ext, path.stem, path.name, Options.defaults(max_pages=200))


CASES = [(seed, ext) for seed in ("000", "001", "002", "004") for ext in ("txt", "pdf", "docx")]


@pytest.mark.parametrize(("seed", "ext"), CASES, ids=[f"{s}.{e}" for s, e in CASES])
def test_reader_finds_the_golden_rows_and_reads_them_right(seed: str, ext: str) -> None:
    outcome = run(seed, ext)
    score = compare(projects(goldens()[seed]), projects(outcome.document.sections))
    assert score.rows > 0
    assert score.recall >= 0.98, score.misses
    assert score.accuracy >= 0.98, score.misses


@pytest.mark.parametrize(("seed", "ext"), CASES, ids=[f"{s}.{e}" for s, e in CASES])
def test_no_tabular_section_is_left_for_the_llm(seed: str, ext: str) -> None:
    outcome = run(seed, ext)
    assert not [s.section_id for s in outcome.sections if s.kind in TABULAR]
    read = outcome.document.sections
    assert read and all(s.source == Source.parser for s in read)
    # every value the reading holds is located on its page
    for s in read:
        assert s.where, s.section_id
        if ext == "pdf":
            assert all(w.page and w.bbox for w in s.where.values()), s.section_id


@pytest.mark.parametrize("ext", ["txt", "pdf", "docx"])
def test_the_department_form_reads_its_tasks_and_budget_apart(ext: str) -> None:
    """000's 本级部门(单位)整体绩效目标表: the 年度主要任务 rows (任务名称 | 主要内容) are tasks,
    not figures; '(3) 单位资金' printed without a value does not swallow the label/value row
    below it ('2、资金结构: (1) 基本支出 | 500.75')."""
    (dept,) = [s.data for s in run("000", ext).document.sections
               if s.kind == SectionKind.department_targets]
    assert dept is not None
    assert (dept["budget_total"], dept["budget_basic"], dept["budget_project"]) == (
        "691.05", "500.75", "190.3")
    assert [t["name"] for t in dept["tasks"]] == [
        "7*24小时网络应急值班", "对属地网络安全情况进行全面检测检查", "宣传", "开展网信执法人员培训",
        "开展网络公益活动"]
    assert dept["tasks"][3]["content"] == "组织人员进行培训"
