"""A worker process imports what it runs, not PyMuPDF's optional extras: every work horse is a
fork of it, so what it loads is paid for per job (fork) and per worker (memory)."""

from __future__ import annotations

from tests.support.fresh import run_python

CHECK = """
import sys
import worker.runtime.jobs  # what a worker imports before it works
import worker.runtime.pool
import pymupdf
loaded = [m for m in ("pymupdf.layout", "pymupdf4llm", "onnxruntime") if sys.modules.get(m)]
assert not loaded, loaded
assert pymupdf._get_layout is None  # no layout model loaded
# the MuPDF settings pymupdf4llm's import made are kept: the readings are made with them
assert pymupdf.TOOLS.unset_quad_corrections() is True
assert pymupdf.TOOLS.mupdf_display_errors() is False
doc = pymupdf.open()
doc.new_page().insert_text((72, 72), "2026 budget 12.5")
assert "12.5" in doc[0].get_text()
print("ok")
"""


def test_a_worker_loads_no_layout_model_nor_onnxruntime() -> None:
    # a fresh interpreter: this one may have imported them for other tests
    assert run_python(CHECK).strip() == "ok"
