"""RQ job functions: thin wrappers that read from the store, run the pipeline, write back.

The worker process calls `configure(settings)` before it starts working; RQ's forked work
horses inherit it, and the store opened in the worker. After a fork the engine's pooled
connections belong to the parent, so the horse drops them (without closing) and opens its own.
"""

from __future__ import annotations

import os
import time
from typing import Any

from worker.errors import DocumentRejected
from worker.pipeline import process
from worker.settings import Settings
from worker.store import Store

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
    store.mark_running(doc_id)
    started = time.perf_counter()
    try:
        outcome = process(store.read_bytes(doc_id), record.kind, doc_id, record.source_file,
                          settings.max_pages)
    except DocumentRejected as exc:
        store.mark_failed(doc_id, exc.reason, time.perf_counter() - started)
        return "failed"
    store.save_result(outcome.document, outcome.findings, outcome.status,
                      time.perf_counter() - started)
    return outcome.status.value


def on_job_failure(job: Any, connection: Any, exc_type: type, exc: BaseException, tb: Any) -> None:
    """Infrastructure failure (or crash, timeout, killed worker). RQ retries while it can; the
    store shows the reason either way."""
    _, store = _context()
    doc_id = job.args[0]
    reason = f"{exc_type.__name__}: {exc}".rstrip(": ")
    if job.retries_left:
        store.mark_queued(doc_id, reason=f"retrying after {reason}")
    else:
        store.mark_failed(doc_id, reason)
