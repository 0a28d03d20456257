"""Where an event silently becomes data, the log says so: a rejected document, LLM sections
left pending, pages read by OCR; the pipeline's stage timings at DEBUG."""

from __future__ import annotations

import logging

import pytest

from tests.support.samples import SAMPLES
from worker.pipeline import Options, process
from worker.runtime import jobs
from worker.settings import Settings
from worker.store import Store

DOCX = next(SAMPLES.glob("002_*.docx"))  # its narrative targets are prose: LLM sections


def test_a_rejected_document_is_logged(
    settings: Settings, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    jobs.configure(settings)
    doc_id, _ = store.add_document(b"%PDF-1.7 nothing else", "broken.pdf", "pdf")
    with caplog.at_level(logging.WARNING, logger="worker"):
        assert jobs.process_document(doc_id) == "failed"
    (record,) = [r for r in caplog.records if r.name == "worker.runtime.jobs"]
    assert record.levelno == logging.WARNING
    assert doc_id[:12] in record.message and "broken.pdf" in record.message
    assert store.get(doc_id).error in record.message


def test_sections_left_pending_without_an_endpoint_are_logged(
    settings: Settings, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    jobs.configure(settings)
    doc_id, _ = store.add_document(DOCX.read_bytes(), DOCX.name, "docx")
    with caplog.at_level(logging.WARNING, logger="worker"):
        jobs.process_document(doc_id)
    pending = store.pending_sections().get(doc_id, [])
    assert pending
    assert any(f"{len(pending)} LLM section(s) pending" in r.message for r in caplog.records)


def test_stage_timings_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="worker.pipeline"):
        process(DOCX.read_bytes(), "docx", "d" * 64, DOCX.name, Options.defaults())
    (record,) = [r for r in caplog.records if r.name == "worker.pipeline"]
    assert record.message.startswith("d" * 12)
    assert [w for w in record.message.split() if not w.endswith("s")] == [
        "d" * 12, "load", "chunk", "extract", "performance", "check"]


def test_configure_logging_sets_the_worker_loggers_level() -> None:
    Settings.model_construct(log_level="INFO").configure_logging()
    Settings.model_construct(log_level="DEBUG").configure_logging()
    logger = logging.getLogger("worker")
    assert logger.level == logging.DEBUG
    assert sum(getattr(h, "_budgetlens", False) for h in logger.handlers) == 1  # not doubled
    Settings.model_construct().configure_logging()  # back to the default, WARNING
    assert logger.level == logging.WARNING
