"""A document's own errors fail it once, with a reason; only infrastructure is retried. Through
a real Redis queue, real RQ workers and their forked work horses, into a real SQLite file."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import psutil
import pytest
from rq import Queue

from schemas import DocStatus
from tests.support.fresh import env_without_settings
from tests.support.hostile import docx_bomb, grid_span_docx, many_entries_docx, run_on_text
from tests.support.pdfs import long_pdf, text_pdf, truncated_pdf
from tests.support.samples import SAMPLES
from tests.support.wait import wait_for
from tests.support.workbooks import encrypted_ooxml, seed_workbook, xlsx_bomb
from worker.runtime.pool import work
from worker.runtime.queue import get_queue
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store

DOCX = SAMPLES / "000_954316b1df943981.docx"


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _docx_with(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(DOCX) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, document_xml if name == "word/document.xml" else src.read(name))
    return out.getvalue()


def _broken_xml_docx() -> bytes:
    with zipfile.ZipFile(DOCX) as z:
        xml = z.read("word/document.xml")
    return _docx_with(xml[: len(xml) // 2])


def _failed(store: Store) -> dict[str, tuple[str, int]]:
    return {Path(r.source_file).name: (r.error or "", r.attempts)
            for r in store.list() if r.status == DocStatus.failed}


def _nothing_left(queue: Queue) -> bool:
    return not (queue.count or queue.scheduled_job_registry.count
                or queue.started_job_registry.count)


def test_unreadable_documents_fail_once_with_their_reason(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    assert settings.job_retries == 2  # retries are there for infrastructure: none is used
    sample = (SAMPLES / "000_954316b1df943981.pdf").read_bytes()
    folder = _write(tmp_path / "in", {
        "pages_uncountable.pdf": sample[: len(sample) // 60],
        "truncated.pdf": truncated_pdf(),
        "broken_xml.docx": _broken_xml_docx(),
        "good.pdf": text_pdf(2),
    })
    submit([str(folder)], store, queue, settings)
    work(settings, burst=True)

    failed = _failed(store)
    assert failed.keys() == {"pages_uncountable.pdf", "truncated.pdf", "broken_xml.docx"}
    assert {attempts for _, attempts in failed.values()} == {1}
    assert failed["pages_uncountable.pdf"][0].startswith("corrupt PDF, cannot be opened")
    assert failed["truncated.pdf"][0].startswith("corrupt PDF")
    assert failed["broken_xml.docx"][0].startswith("cannot read the docx content: ")
    assert _nothing_left(queue)


def test_hostile_documents_fail_once_with_their_reason(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    """Caps before cost (worker/formats/caps.py), under a 256 MB memory cap per job: the bombs
    used to be inflated (and then fail for memory), the rest read for minutes or in full."""
    settings = settings.model_copy(update={"job_memory_mb": 256, "max_text_chars": 200_000})
    folder = _write(tmp_path / "in", {
        "bomb.docx": docx_bomb(400),  # word/document.xml inflates to 400 MB (1.8 MB file)
        "lying_bomb.docx": docx_bomb(400, lie=True),  # the same, its headers say 1 KB
        "entries.docx": many_entries_docx(6_000),
        "spans.docx": grid_span_docx(50_000_000),  # 10⁸ grid positions in a few bytes
        "long.txt": run_on_text(800).encode(),  # 270,000 characters
        "bomb.xlsx": xlsx_bomb(400),  # a sheet's XML inflates to 400 MB
        "locked.xlsx": encrypted_ooxml(),  # password-protected: an OLE2 EncryptedPackage
        "good.pdf": text_pdf(2),
        "good.xls": seed_workbook("002", "xls"),
    })
    submit([str(folder)], store, get_queue(settings, queue.connection), settings)
    work(settings, burst=True)
    failed = _failed(store)
    assert failed.keys() == {"bomb.docx", "lying_bomb.docx", "entries.docx", "spans.docx",
                             "long.txt", "bomb.xlsx", "locked.xlsx"}
    assert {attempts for _, attempts in failed.values()} == {1}
    reasons = {name: reason for name, (reason, _) in failed.items()}
    assert reasons["bomb.docx"].startswith("DOCX 中的 word/document.xml 解压后 400 MB，超过 XML 上限")
    assert reasons["lying_bomb.docx"].startswith(
        "DOCX 中的 word/document.xml 解压后超过压缩包头声明的 1,024 字节")
    assert reasons["entries.docx"].startswith("DOCX 压缩包条目过多：6,017 个")
    assert reasons["spans.docx"].startswith("表格过大：100,000,000 个单元格")
    assert reasons["long.txt"].startswith("文本过长：超过 200,000 字符的上限")
    assert reasons["bomb.xlsx"].startswith("XLSX 中的 xl/worksheets/sheet1.xml 解压后 400 MB")
    assert reasons["locked.xlsx"].startswith("加密的 Office 文件：需要密码才能打开")
    assert _nothing_left(queue)


@pytest.mark.slow
def test_a_document_outliving_the_job_timeout_fails_once(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    """1,040 pages of tables take ~30 s here (never under 2 s): timed out, not retried."""
    settings = settings.model_copy(update={"job_timeout_s": 2, "max_pages": 5000})
    folder = _write(tmp_path / "in", {"long.pdf": long_pdf(20)})
    submit([str(folder)], store, get_queue(settings, queue.connection), settings)
    work(settings, burst=True)
    assert _failed(store) == {"long.pdf": (
        "reading it took longer than the job timeout of 2 s (BUDGETLENS_JOB_TIMEOUT_S)", 1)}
    assert _nothing_left(queue)


def _env(settings: Settings) -> dict[str, str]:
    env = env_without_settings()
    env.update({"BUDGETLENS_DATA_DIR": str(settings.data_dir),
                "BUDGETLENS_REDIS_URL": str(settings.redis_url),
                "BUDGETLENS_HEARTBEAT_S": str(settings.heartbeat_s),
                "BUDGETLENS_HEARTBEAT_GRACE_S": str(settings.heartbeat_grace_s),
                "BUDGETLENS_JOB_RETRIES": str(settings.job_retries),
                "BUDGETLENS_RETRY_BACKOFF_S": "[0]", "BUDGETLENS_MAX_PAGES": "5000"})
    return env


def _horse(worker: subprocess.Popen[bytes]) -> psutil.Process | None:
    """The work horse: RQ forks it into a process group of its own (the worker and its
    scheduler share the supervisor's)."""
    for proc in psutil.Process(worker.pid).children(recursive=True):
        try:
            if os.getpgid(proc.pid) == proc.pid:
                return proc
        except ProcessLookupError:
            continue
    return None


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "status", "attempts"), [
    (signal.SIGSEGV, DocStatus.failed, 1),  # the reader crashed on the document: not again
    (signal.SIGKILL, None, 2),  # killed from outside (kill -9, OOM killer): retried
])
def test_a_work_horse_that_dies_mid_document(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path,
    sig: signal.Signals, status: DocStatus | None, attempts: int,
) -> None:
    folder = _write(tmp_path / "in", {"long.pdf": long_pdf(20)})
    (doc_id,) = submit([str(folder)], store, queue, settings).doc_ids
    worker = subprocess.Popen([sys.executable, "-m", "worker.cli", "worker", "-w", "1", "--burst"],
                              env=_env(settings))
    try:
        wait_for(lambda: store.get(doc_id).status == DocStatus.running and _horse(worker),
                 300, "the job to start", every=0.02)
        horse = _horse(worker)
        assert horse is not None
        horse.send_signal(sig)
        assert worker.wait(timeout=600) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    record = store.get(doc_id)
    assert record.attempts == attempts
    if status is DocStatus.failed:
        assert record.status == DocStatus.failed
        assert record.error == "the reader crashed on this document (SIGSEGV)"
    else:
        assert record.status in (DocStatus.extracted, DocStatus.needs_review)
        assert any("work horse died" in (a.detail.get("reason") or "")
                   for a in store.audit(doc_id) if a.action == "requeue")
    assert _nothing_left(queue)
