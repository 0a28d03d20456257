"""Documents through a real Redis queue and real RQ workers into a real SQLite file."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
from rq import Queue
from rq.registry import StartedJobRegistry

from schemas import DocStatus
from tests.support.fresh import env_without_settings
from tests.support.pdfs import encrypted_pdf, text_pdf, truncated_pdf
from tests.support.wait import wait_for
from worker.runtime.pool import make_worker, work
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store

GOOD_TEXT = "2024年度中共测试市委网络安全和信息化委员会办公室部门预算公开说明\n单位：万元\n"


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_bad_input_fails_its_own_job_and_the_batch_finishes(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"max_pages": 400, "max_file_mb": 1})
    folder = _write(tmp_path / "in", {
        "a_good.pdf": text_pdf(2),
        "b_not_a_pdf.pdf": b"PK\x03\x04 this is really a zip file",
        "c_truncated.pdf": truncated_pdf(),
        "d_encrypted.pdf": encrypted_pdf(),
        "e_500_pages.pdf": text_pdf(500),
        "f_broken.docx": b"PK\x03\x04 garbage",
        "g_empty.pdf": b"",
        "h_too_big.txt": b"x" * (2 * 2**20),
        "i_binary.txt": b"\x00\x01\x02binary",
        "z_good.txt": GOOD_TEXT.encode(),
    })
    report = submit([str(folder)], store, queue, settings)
    rejected = {Path(p).name: r for p, r in report.rejected}
    assert rejected == {"g_empty.pdf": "empty file (0 bytes)",
                        "h_too_big.txt": "2.0 MB exceeds the 1 MB limit (BUDGETLENS_MAX_FILE_MB)"}

    work(settings, burst=True)  # one worker goes through every job

    by_name = {Path(r.source_file).name: r for r in store.list()}
    reasons = {n: r.error for n, r in by_name.items() if r.status == DocStatus.failed}
    assert reasons.keys() == {"b_not_a_pdf.pdf", "c_truncated.pdf", "d_encrypted.pdf",
                              "e_500_pages.pdf", "f_broken.docx", "i_binary.txt"}
    assert reasons["b_not_a_pdf.pdf"].startswith("not a PDF")
    assert reasons["c_truncated.pdf"].startswith("corrupt PDF")
    assert reasons["d_encrypted.pdf"] == "encrypted PDF: it needs a password to open"
    assert reasons["e_500_pages.pdf"] == "500 pages exceeds the limit of 400 (BUDGETLENS_MAX_PAGES)"
    assert "DOCX" in reasons["f_broken.docx"]
    assert "NUL" in reasons["i_binary.txt"]
    # the good documents before and after the bad ones were extracted
    for name in ("a_good.pdf", "z_good.txt"):
        assert by_name[name].status in (DocStatus.extracted, DocStatus.needs_review), name
        assert by_name[name].fiscal_year == 2024


def test_resubmitting_is_a_noop(settings: Settings, store: Store, queue: Queue,
                                tmp_path: Path) -> None:
    folder = _write(tmp_path / "in", {"a.pdf": text_pdf(1)})
    first = submit([str(folder)], store, queue, settings)
    second = submit([str(folder / "*.pdf")], store, queue, settings)
    assert len(first.queued) == 1 and not first.duplicates
    assert not second.queued and second.duplicates[0][1] == first.queued[0][1]
    assert queue.count == 1


def _env(settings: Settings) -> dict[str, str]:
    env = env_without_settings()
    env.update({
        "BUDGETLENS_DATA_DIR": str(settings.data_dir),
        "BUDGETLENS_REDIS_URL": str(settings.redis_url),
        "BUDGETLENS_HEARTBEAT_S": str(settings.heartbeat_s),
        "BUDGETLENS_HEARTBEAT_GRACE_S": str(settings.heartbeat_grace_s),
        "BUDGETLENS_RETRY_BACKOFF_S": "[0]",
        "BUDGETLENS_MAX_PAGES": "5000",
    })
    return env


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "worker", "--workers", "1", "--burst"],
        env=_env(settings),
    )


@pytest.mark.slow
def test_sigkilled_worker_loses_no_document(settings: Settings, store: Store, queue: Queue,
                                            tmp_path: Path) -> None:
    folder = _write(tmp_path / "in", {"long.pdf": text_pdf(1500)})
    (doc_id,) = submit([str(folder)], store, queue, settings).doc_ids

    victim = _worker(settings)
    wait_for(lambda: store.get(doc_id).status == DocStatus.running, 600, "the job to start",
             every=0.02)
    # the worker and its work horse (RQ puts the horse in a session of its own), mid-job
    for proc in [*psutil.Process(victim.pid).children(recursive=True), psutil.Process(victim.pid)]:
        proc.send_signal(signal.SIGKILL)
    victim.wait()
    assert store.get(doc_id).status == DocStatus.running  # nobody finished it

    registry = StartedJobRegistry(queue=queue)  # the dead worker's heartbeat expires (wall time)
    wait_for(lambda: registry.get_expired_job_ids(), 600, "the job to be seen abandoned",
             every=0.02)
    rescuer = _worker(settings)
    try:
        wait_for(lambda: store.get(doc_id).status in (DocStatus.extracted, DocStatus.needs_review),
                 600, "the retried job to finish", every=0.02)
    finally:
        rescuer.wait(timeout=600)  # a burst worker exits once the queue is empty; slow at load
    record = store.get(doc_id)
    assert record.attempts == 2 and record.pages == 1500
    assert any(a.action == "requeue" and "Abandoned" in (a.detail.get("reason") or "")
               for a in store.audit(doc_id))


def test_submit_stopped_by_a_write_failure_reports_what_it_queued(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    first, second = GOOD_TEXT.encode(), GOOD_TEXT.encode() + b"2"
    prefix = hashlib.sha256(second).hexdigest()[:2]
    assert prefix != hashlib.sha256(first).hexdigest()[:2]
    settings.blob_dir.mkdir(parents=True)
    (settings.blob_dir / prefix).write_text("in the way")  # the blob cannot be written there
    folder = _write(tmp_path / "in", {"a.txt": first, "b.txt": second, "c.txt": b"3" + first})
    report = submit([str(folder)], store, queue, settings)
    assert [Path(p).name for p, _ in report.queued] == ["a.txt"]
    assert report.stopped is not None and report.stopped.startswith(str(folder / "b.txt"))
    assert queue.count == 1 and len(store.list()) == 1  # nothing half-submitted


def test_a_worker_stops_listening_at_once_when_its_listener_heard_the_unsubscribe_first(
    settings: Settings,
) -> None:
    """A worker's teardown unsubscribes from its command channel, then ends the thread that
    listens on it. When that thread reads the unsubscribe's answer before it is told to stop, it
    waits for a new subscription for RQ's 60 s, and stock RQ 3 on redis-py 8 waits for the
    thread: `budgetlens worker` took a minute to stop, every other time (a supervisor test's
    SIGTERM: 2.1 s or 62 s). The race forced here; the deadline is half of that minute."""
    worker = make_worker(settings)
    try:
        worker.subscribe()
        assert worker.pubsub is not None
        wait_for(lambda: worker.pubsub.subscribed, 60, "the subscription")
        worker.pubsub.unsubscribe()
        wait_for(lambda: not worker.pubsub.subscribed, 60, "the listener to hear the unsubscribe")
        done = threading.Event()
        threading.Thread(target=lambda: (worker.unsubscribe(), done.set()), daemon=True).start()
        assert done.wait(30), "the worker waited for its listener's minute"
    finally:
        worker.connection.close()
