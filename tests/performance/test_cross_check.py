"""Parser and LLM on the same table (Settings.llm_cross_check): seed 004's project target table
goes to the scripted OpenAI-compatible server too; its answer is compared with the parser's
reading, kept as the section's agreement, and a disagreement is a finding. The answers are the
hand golden of that table (tests/data/llm/004__project_targets-2.json), which the parser reads
exactly, once as is and once with two printed values swapped between rows."""

from __future__ import annotations

import json
from typing import Any

from rq import Queue

from schemas.performance import Source
from tests.support.openai_stub import OpenAIStub, Step, tool
from tests.support.samples import REPO, SAMPLES
from worker.pipeline import Options, process
from worker.runtime.pool import work
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store

SAMPLE = next(SAMPLES.glob("004_*.docx"))
GOLDEN = json.loads((REPO / "tests/data/llm/004__project_targets-2.json").read_text("utf-8"))


class ByTool(OpenAIStub):
    """Answers by the schema asked for: the sections' jobs run in any order."""

    def __init__(self, answers: dict[str, Step]) -> None:
        super().__init__([])
        self.answers = answers

    def next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(body)
        name = body["tools"][0]["function"]["name"]
        return self.answers.get(name, tool({"overall_goal": None, "items": []}))


def _run(settings: Settings, store: Store, queue: Queue, table: dict) -> Any:
    with ByTool({"ProjectTargets": tool(table)}) as stub:
        live = settings.model_copy(update={"llm_base_url": stub.base_url, "llm_model": "stub",
                                           "llm_cross_check": True})
        (doc_id,) = submit([str(SAMPLE)], store, queue, live).doc_ids
        work(live, burst=True)
        names = [r["tools"][0]["function"]["name"] for r in stub.requests]
    assert "ProjectTargets" in names, names
    doc, findings = store.load_result(doc_id)
    (parsed,) = [s for s in doc.sections if s.source == Source.parser]
    assert all(s.kind != "project_targets" for s in doc.sections if s.source == Source.llm)
    return parsed, [f for f in findings if f.rule_id == "performance.agreement"]


def test_without_cross_check_a_mapped_table_never_goes_to_the_llm() -> None:
    off = process(SAMPLE.read_bytes(), "docx", "d", SAMPLE.name, Options.defaults())
    on = process(SAMPLE.read_bytes(), "docx", "d", SAMPLE.name,
                 Options.defaults(llm_cross_check=True))
    assert [s.kind for s in off.sections] == ["narrative_targets"]
    assert [s.kind for s in on.sections] == ["narrative_targets", "project_targets"]
    assert "second reading" in on.sections[1].reason


def test_agreeing_readings_are_recorded_and_raise_nothing(
        settings: Settings, store: Store, queue: Queue) -> None:
    parsed, found = _run(settings, store, queue, GOLDEN["expected"])
    assert parsed.agreement is not None and parsed.agreement.differences == []
    assert parsed.agreement.compared == parsed.agreement.agreed > 40
    assert found == []


def test_a_disagreement_is_a_finding_and_the_parser_reading_stays(
        settings: Settings, store: Store, queue: Queue) -> None:
    table = json.loads(json.dumps(GOLDEN["expected"]))
    rows = table["projects"][0]["indicators"]
    rows[0]["value"], rows[1]["value"] = rows[1]["value"], rows[0]["value"]  # both printed
    parsed, found = _run(settings, store, queue, table)
    assert parsed.agreement is not None
    assert len(parsed.agreement.differences) == 2
    assert parsed.agreement.agreed == parsed.agreement.compared - 2
    assert parsed.data["projects"][0]["indicators"][0]["value"] == "≥95%"  # the parser's
    assert len(found) == 1 and "≥95%" in found[0].message
