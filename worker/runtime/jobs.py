"""RQ job functions: thin wrappers that read from the store, run a stage, write back.

    process_document(doc_id)        load → chunk → extract → check; then fan out the sections
    process_section(doc_id, sid)    one irregular section through the LLM (worker/llm/extract.py)
    finalize_document(doc_id)       once every section is back: merge, re-check, final status

The worker process calls `configure(settings)` before it starts working; RQ's forked work
horses inherit it, and the store opened in the worker. After a fork the engine's pooled
connections belong to the parent, so the horse drops them (without closing) and opens its own.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from rq import get_current_job
from rq.timeouts import JobTimeoutException

from schemas import DocStatus, Document, Finding
from schemas.performance import SectionResult, Source
from schemas.records import AuditEntry
from worker.errors import LLMUnavailable
from worker.llm import NO_ENDPOINT, LLMConfig, extract_section, make_client, pending
from worker.performance.agree import fold
from worker.pipeline import Options, process, status_of
from worker.pipeline.checks import run_checks
from worker.runtime.activity import job_listener
from worker.runtime.carry import (
    Carried,
    audit_entry,
    carried_status,
    carry_review,
    edited,
    replay_edits,
    reviewed,
    was_confirmed,
)
from worker.runtime.failures import content_failure, disk_full, horse_crash, memory_cap
from worker.runtime.queue import enqueue_sections
from worker.runtime.reread import reread_in_job
from worker.settings import Settings
from worker.store import Store
from worker.store.llm_cache import LLMCache

log = logging.getLogger(__name__)
_settings: Settings | None = None
_store: tuple[int, Store] | None = None


def configure(settings: Settings) -> None:
    """Called in each worker process before it works: opens the store once, not per job."""
    global _settings, _store
    _settings, _store = settings, None
    _context()


def _context() -> tuple[Settings, Store]:
    global _settings, _store
    if _settings is None:
        _settings = Settings()
    if _store is None:
        _store = (os.getpid(), Store.from_settings(_settings))
    elif _store[0] != os.getpid():
        _store[1].engine.dispose(close=False)
        _store = (os.getpid(), _store[1])
    return _settings, _store[1]


def process_document(doc_id: str) -> str:
    settings, store = _context()
    record = store.get(doc_id)
    if record is None:
        return "unknown document"  # deleted since it was queued: nothing to do
    previous, confirmed, audit = _previous(store, doc_id)  # a re-run: its review is carried
    store.mark_running(doc_id)
    started = time.perf_counter()
    data = store.read_bytes(doc_id)
    try:
        with memory_cap(settings.job_memory_mb):
            outcome = process(data, record.kind, doc_id, record.source_file,
                              Options.from_settings(settings), job_listener())
    except Exception as exc:  # the document's fault fails it once; anything else is retried
        reason = content_failure(exc, settings)
        if reason is None:
            raise
        log.warning("%s rejected (%s): %s", doc_id[:12], record.source_file, reason)
        _fail(store, doc_id, reason, time.perf_counter() - started, (previous, confirmed, audit))
        return "failed"
    if outcome.rereads:  # tables in doubt, and an endpoint to re-read them (worker/runtime/reread.py)
        reread_in_job(outcome, settings, LLMCache(store.engine))
    seconds = time.perf_counter() - started
    at_llm = {s.section_id for s in outcome.sections}  # their edits wait for finalize
    carried = carry_review(previous, outcome.document, confirmed, audit, at_llm)
    if carried.kept or carried.edits:  # the reviewer's document now: check that
        outcome.findings = run_checks(outcome.document, sections=outcome.document.sections)
    status = carried_status(carried, outcome.status)
    was = DocStatus.confirmed if confirmed else record.status
    entry = (audit_entry(carried, was, status, outcome.findings, store.dismissals(doc_id))
             if previous is not None else None)
    if not outcome.sections:
        store.save_result(outcome.document, outcome.findings, status, seconds, entry)
        return status.value
    context = {"project_names": outcome.project_names}
    if make_client(LLMConfig.from_settings(settings)) is None:
        # no endpoint: the sections stored pending (said loudly) and the document final now, in
        # two writes; nothing is read back
        log.warning("%s: %d LLM section(s) pending: %s", doc_id[:12], len(outcome.sections),
                    NO_ENDPOINT)
        results = [pending(section) for section in outcome.sections]
        store.save_sections(doc_id, outcome.sections, context, results)
        findings, status = _finalized(outcome.document, results, audit)
        store.save_result(outcome.document, findings, status, seconds, entry)
        return status.value
    # the tables are stored now; the document is final once its sections are back
    store.save_result(outcome.document, outcome.findings, DocStatus.running, seconds, entry)
    store.save_sections(doc_id, outcome.sections, context)
    job = get_current_job()
    assert job is not None, "fan-out runs inside an RQ job"
    enqueue_sections(settings, job.connection, doc_id, [s.section_id for s in outcome.sections])
    return "sections queued"


def _previous(store: Store, doc_id: str) -> tuple[Document | None, bool, list[AuditEntry]]:
    """The stored result of an earlier run, whether the reviewer confirmed it, and the audit
    log (empty for a first run: nothing to carry)."""
    previous, _ = store.load_result(doc_id)
    if previous is None:
        return None, False, []
    audit = store.audit(doc_id)
    return previous, was_confirmed(audit), audit


def _fail(store: Store, doc_id: str, reason: str, seconds: float | None = None,
          known: tuple[Document | None, bool, list[AuditEntry]] | None = None) -> None:
    """A document that fails for good is `failed` — unless a reviewer worked on its previous
    result: that result stays, with its status, and the failed re-run is audited. `known`: the
    previous result when the caller has already loaded it."""
    previous, confirmed, audit = known or _previous(store, doc_id)
    if previous is None or not (confirmed or reviewed(previous) or edited(audit)):
        store.mark_failed(doc_id, reason, seconds)
        return
    status = DocStatus.confirmed if confirmed else DocStatus.needs_review
    store.set_status(doc_id, status, {"action": "rerun", "new": status.value,
                                      "detail": {"failed": reason, "kept": "previous result"}})


def process_section(doc_id: str, section_id: str) -> str:
    settings, store = _context()
    section, context = store.section(doc_id, section_id)
    document, _ = store.load_result(doc_id)
    text = "\n".join(document.page_texts) if document else ""
    try:
        result = extract_section(
            section, make_client(LLMConfig.from_settings(settings)), LLMCache(store.engine),
            doc_id=doc_id, document_text=text, project_names=context.get("project_names", []))
    except LLMUnavailable as exc:  # the deterministic results stand; `requeue --pending` later
        log.warning("%s: LLM section %s pending, endpoint unavailable: %s", doc_id[:12],
                    section_id, exc)
        result = pending(section, reason=f"LLM endpoint unavailable: {exc}")
    store.save_section_result(doc_id, result)
    return result.status.value


def finalize_document(doc_id: str) -> str:
    """Merge the section results into the document, re-run every check, set the final status."""
    _, store = _context()
    document, _ = store.load_result(doc_id)
    if document is None:
        return "no result"
    # the reader's results came with the document; the LLM's are in the sections table
    findings, status = _finalized(document, store.section_results(doc_id), store.audit(doc_id))
    store.save_result(document, findings, status, store.get(doc_id).seconds)  # type: ignore[union-attr]
    return status.value


def _finalized(document: Document, results: list[SectionResult], audit: list[AuditEntry]
               ) -> tuple[list[Finding], DocStatus]:
    """The section results folded into the document (in place), the reviewer's edits of them
    replayed, every check re-run: the findings and the final status."""
    parsed = [s for s in document.sections if s.source == Source.parser]
    document.sections = fold(parsed, results)
    carried = Carried(confirmed=was_confirmed(audit),
                      conflicts=[p.message for p in document.problems if p.stage == "review"])
    llm = {s.section_id for s in document.sections if s.source == Source.llm}
    replay_edits(document, audit, carried, sections=llm)  # the reviewer's values of them
    findings = run_checks(document, sections=document.sections)
    return findings, carried_status(carried, status_of(document, findings))


def on_job_failure(job: Any, connection: Any, exc_type: type, exc: BaseException, tb: Any) -> None:
    """Infrastructure failure (or a bug, a timeout outside the reading). RQ retries while it can;
    the store shows the reason either way. A full disk fails the document now: a retry cannot
    succeed before someone frees space (the callback runs before RQ decides on the retry)."""
    _, store = _context()
    full = disk_full(exc)
    if full is not None:
        job.retries_left = 0
    _settle(store, job, full or f"{exc_type.__name__}: {exc}".rstrip(": "))


def on_horse_killed(job: Any, retpid: int, ret_val: int, rusage: Any) -> None:
    """The work horse died without a word (RQ calls no failure callback then; this runs in the
    worker, before RQ decides on the retry). A reader that crashed on the document, or a job
    killed for outliving its timeout (stuck in a library), fails the document once; a horse
    killed from outside (kill -9, the OOM killer) is retried."""
    if job.func_name != "worker.jobs.process_document":
        return  # a section stays pending, a final check is retried
    settings, store = _context()
    timeout = job.timeout or settings.job_timeout_s
    started = job.started_at.timestamp() if job.started_at else time.time()
    reason = horse_crash(ret_val)
    if reason is None and time.time() - started >= timeout:
        reason = content_failure(JobTimeoutException(), settings)
    if reason is not None:
        job.retries_left = 0
    _settle(store, job, reason or f"the work horse died (exit status {ret_val})")


def _settle(store: Store, job: Any, reason: str) -> None:
    """The store's side of a failed document job: queued again while RQ retries, else failed."""
    if job.retries_left:
        store.mark_queued(job.args[0], reason=f"retrying after {reason}")
    else:
        _fail(store, job.args[0], reason)


def on_section_failure(job: Any, connection: Any, exc_type: type, exc: BaseException,
                       tb: Any) -> None:
    """A section job that crashed for good leaves its section pending (requeue retries it)."""
    if job.retries_left:
        return
    _, store = _context()
    doc_id, section_id = job.args
    log.warning("%s: LLM section %s pending after %s: %s", doc_id[:12], section_id,
                exc_type.__name__, exc)
    section, _ = store.section(doc_id, section_id)
    store.save_section_result(doc_id, pending(section, reason=f"{exc_type.__name__}: {exc}"))
