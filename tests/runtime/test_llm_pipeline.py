"""The LLM stage in the queue: sections fan out to their own jobs, a dependent job re-checks the
document; no endpoint or a dead one leaves the tables intact and the sections pending. The
project-targets table is read by the deterministic reader and never waits for an endpoint."""

from __future__ import annotations

from rq import Queue

from schemas import DocStatus
from schemas.performance import SectionStatus, Source
from tests.support.openai_stub import OpenAIStub, tool
from tests.support.samples import SAMPLES
from worker.llm import NO_ENDPOINT
from worker.runtime.pool import work
from worker.runtime.queue import enqueue_document, enqueue_sections
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store
from worker.store.llm_cache import LLMCache

SAMPLE = next(SAMPLES.glob("004_*.docx"))  # a narrative-targets and a project-targets section


def _llm(doc) -> list:  # type: ignore[no-untyped-def]
    return [s for s in doc.sections if s.source == Source.llm]


def _run(settings: Settings, store: Store, queue: Queue) -> str:
    (doc_id,) = submit([str(SAMPLE)], store, queue, settings).doc_ids
    work(settings, burst=True)
    return doc_id


def test_no_endpoint_leaves_sections_pending_with_instructions(
        settings: Settings, store: Store, queue: Queue) -> None:
    doc_id = _run(settings, store, queue)
    doc, _ = store.load_result(doc_id)
    assert store.get(doc_id).status == DocStatus.needs_review
    assert doc.tables or doc.narrative  # the deterministic results stand
    parsed = [(s.kind, s.status) for s in doc.sections if s.source == Source.parser]
    assert parsed == [("project_targets", SectionStatus.ok)]  # the table: read, not pending
    assert [(s.kind, s.status) for s in _llm(doc)] == [("narrative_targets", SectionStatus.pending)]
    assert all(s.reasons == [NO_ENDPOINT] for s in _llm(doc))
    assert set(store.pending_sections()[doc_id]) == {s.section_id for s in _llm(doc)}


def test_dead_endpoint_marks_sections_pending_and_requeue_retries_them(
        settings: Settings, store: Store, queue: Queue) -> None:
    dead = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1",
                                       "llm_timeout_s": 2, "job_retries": 0})
    doc_id = _run(dead, store, queue)
    doc, _ = store.load_result(doc_id)
    assert store.get(doc_id).status == DocStatus.needs_review
    assert _llm(doc) and all(s.status == SectionStatus.pending and "unavailable" in s.reasons[0]
                             for s in _llm(doc))

    answer = tool({"overall_goal": None, "items": []})
    with OpenAIStub([answer] * 20) as stub:
        live = settings.model_copy(update={"llm_base_url": stub.base_url, "llm_model": "stub"})
        pending = store.pending_sections()[doc_id]
        enqueue_sections(live, queue.connection, doc_id, pending)  # what `requeue --pending` does
        work(live, burst=True)
        assert stub.requests, "the section jobs called the endpoint"
    doc, _ = store.load_result(doc_id)
    assert all(s.status != SectionStatus.pending for s in doc.sections)
    assert doc_id not in store.pending_sections()
    usage = LLMCache(store.engine).doc_usage(doc_id)  # the ledger also holds the failed attempts
    assert usage.calls > len(stub.requests) and usage.tokens_in > 0


def test_rerun_is_served_from_the_cache(settings: Settings, store: Store, queue: Queue) -> None:
    answer = tool({"overall_goal": None, "items": []})
    with OpenAIStub([answer] * 20) as stub:
        live = settings.model_copy(update={"llm_base_url": stub.base_url, "llm_model": "stub"})
        doc_id = _run(live, store, queue)
        first = len(stub.requests)
        assert first >= 1 and store.get(doc_id).status in (DocStatus.extracted,
                                                           DocStatus.needs_review)
        store.mark_queued(doc_id)
        enqueue_document(queue, live, doc_id)
        work(live, burst=True)
        assert len(stub.requests) == first  # zero calls the second time
    doc, _ = store.load_result(doc_id)
    assert _llm(doc) and all(s.usage.cached for s in _llm(doc)
                             if s.status != SectionStatus.pending)
