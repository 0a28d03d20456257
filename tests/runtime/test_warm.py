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
from worker.ocr import _engine  # the engines loaded in this process
from worker.rules import catalogue
from worker.runtime.warm import warm

assert reference.table_catalogue.cache_info().currsize == 0
n = warm()
assert n >= 10, n
assert reference.table_catalogue.cache_info().currsize == 1
assert reference.function_codes.cache_info().currsize == 1
assert catalogue.cache_info().currsize == 1
assert _engine.cache_info().currsize == 0  # no engine asked for: none loaded
assert gc.get_freeze_count() > 0
print("ok")
"""


def test_warm_fills_the_loaders_caches() -> None:
    # a fresh interpreter: this one has run other tests' documents (and must not be frozen)
    assert run_python(CHECK).strip() == "ok"



# A worker in a fresh interpreter: every onnxruntime session built and every model OpenVINO
# compiles is recorded with its model and the pid of the process that built it (their own
# classes, instrumented before anything imports them).
WORKER = """
import os, sys
import onnxruntime
import openvino

built, compiled = onnxruntime.InferenceSession.__init__, openvino.Core.compile_model

def note(kind, model):
    with open(sys.argv[2], "a") as out:
        out.write(f"{os.getpid()} {kind} {os.path.basename(str(model))}\\n")

def record(self, model, *args, **kwargs):
    note("onnxruntime", model)
    built(self, model, *args, **kwargs)

def record_ov(self, model, *args, **kwargs):
    note("openvino", model)
    return compiled(self, model, *args, **kwargs)

onnxruntime.InferenceSession.__init__ = record
openvino.Core.compile_model = record_ov
from worker.runtime.pool import work
from worker.settings import Settings

print(os.getpid(), flush=True)
work(Settings.model_validate_json(sys.argv[1]), burst=True)
"""


def test_the_worker_loads_the_ocr_engine_once_and_its_work_horses_share_it(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    """Two scanned documents, two jobs, each in its own forked work horse: the OCR models
    load once, in the worker before it forks (det + rec: rapidocr's two onnxruntime sessions,
    then OpenVINO's two compiled models that replace them), none in a horse; and the horses
    OCR with the inherited engine (fork-safe: the pages are read)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in (3, 4):
        scan = scan_pdf(make_table_pdf(1, seed=seed), ScanStyle(dpi=150), seed=1)[0]
        (folder / f"scan{seed}.pdf").write_bytes(scan.tobytes())
    doc_ids = submit([str(folder)], store, queue, settings).doc_ids
    sessions = tmp_path / "sessions.txt"
    worker_pid = run_python(WORKER, settings.model_dump_json(), str(sessions)).split()[0]
    built = [line.split() for line in sessions.read_text().splitlines()]
    ocr = [(pid, kind, model) for pid, kind, model in built if model.startswith("ch_PP-OCR")]
    assert ocr == [(worker_pid, runtime, f"ch_PP-OCRv4_{part}_infer.onnx")
                   for runtime in ("onnxruntime", "openvino") for part in ("det", "rec")]
    for doc_id in doc_ids:
        record = store.get(doc_id)
        assert record is not None
        assert record.status in (DocStatus.extracted, DocStatus.needs_review), record.error
        document, _ = store.load_result(doc_id)
        assert document is not None and document.tables, "the scanned table was not read"
