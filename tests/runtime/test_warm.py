"""A worker loads the per-process caches once, before it forks its work horses."""

from __future__ import annotations

from pathlib import Path

from rq import Queue

from schemas import DocStatus
from tests.support.fresh import run_python
from tools.ocr_testpdf import make_table_pdf
from tools.scan import ScanStyle, scan_pdf
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store

CHECK = """
import gc
import worker.runtime.jobs  # what a worker imports before it works
from schemas import reference
from worker.ocr import get_engine
from worker.rules import catalogue
from worker.runtime.warm import warm

assert reference.table_catalogue.cache_info().currsize == 0
n = warm()
assert n >= 10, n
assert reference.table_catalogue.cache_info().currsize == 1
assert reference.function_codes.cache_info().currsize == 1
assert catalogue.cache_info().currsize == 1
assert get_engine.cache_info().currsize == 0  # no engine asked for: none loaded
assert gc.get_freeze_count() > 0
print("ok")
"""


def test_warm_fills_the_loaders_caches() -> None:
    # a fresh interpreter: this one has run other tests' documents (and must not be frozen)
    assert run_python(CHECK).strip() == "ok"



# A worker in a fresh interpreter: every onnxruntime session built is recorded with its model
# and the pid of the process that built it (onnxruntime's own class, instrumented before anything imports it).
WORKER = """
import os, sys
import onnxruntime

built = onnxruntime.InferenceSession.__init__

def record(self, model, *args, **kwargs):
    with open(sys.argv[2], "a") as out:
        out.write(f"{os.getpid()} {os.path.basename(str(model))}\\n")
    built(self, model, *args, **kwargs)

onnxruntime.InferenceSession.__init__ = record
from worker.runtime.pool import work
from worker.settings import Settings

print(os.getpid(), flush=True)
work(Settings.model_validate_json(sys.argv[1]), burst=True)
"""


def test_the_worker_loads_the_ocr_engine_once_and_its_work_horses_share_it(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    """Two scanned documents, two jobs, each in its own forked work horse: the OCR models
    load once, in the worker before it forks (det + rec: two sessions), none in a horse;
    and the horses OCR with the inherited engine (fork-safe: the pages are read)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in (3, 4):
        scan = scan_pdf(make_table_pdf(1, seed=seed), ScanStyle(dpi=150), seed=1)[0]
        (folder / f"scan{seed}.pdf").write_bytes(scan.tobytes())
    doc_ids = submit([str(folder)], store, queue, settings).doc_ids
    sessions = tmp_path / "sessions.txt"
    worker_pid = run_python(WORKER, settings.model_dump_json(), str(sessions)).split()[0]
    built = [line.split() for line in sessions.read_text().splitlines()]
    ocr = [(pid, model) for pid, model in built if model.startswith("ch_PP-OCR")]
    assert ocr == [(worker_pid, "ch_PP-OCRv4_det_infer.onnx"),
                   (worker_pid, "ch_PP-OCRv4_rec_infer.onnx")]
    for doc_id in doc_ids:
        record = store.get(doc_id)
        assert record is not None
        assert record.status in (DocStatus.extracted, DocStatus.needs_review), record.error
        document, _ = store.load_result(doc_id)
        assert document is not None and document.tables, "the scanned table was not read"
