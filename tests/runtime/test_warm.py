"""A worker loads the per-process caches once, before it forks its work horses."""

from __future__ import annotations

import subprocess
import sys

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
assert get_engine.cache_info().currsize == 0  # onnxruntime does not survive a fork
assert gc.get_freeze_count() > 0
print("ok")
"""


def test_warm_fills_the_loaders_caches_and_not_the_ocr_engine() -> None:
    # a fresh interpreter: this one has run other tests' documents (and must not be frozen)
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

