"""Warm a worker before it forks its work horses: what a job loads once per process is loaded
once per worker instead of once per job.

RQ runs every job in a freshly forked work horse, and what the horse caches dies with it: the
reference YAML, the rule catalogue, the vocabularies and the patterns compiled from them (~0.2 s
of CPU per job on the realdocs, most of it parsing YAML). `warm()` fills those caches in the
worker, so every horse inherits them, then freezes the worker's objects out of the garbage
collector: a horse then never walks (and so never copies) the pages of the objects it inherited.

Why forking horses and not RQ's non-forking SimpleWorker, which would keep every cache for
free: the horse is what contains a hostile document — a job timeout or memory cap ends the
horse, not the worker, and a MuPDF crash costs one job.

The OCR engine the settings choose is loaded here too (`warm(ocr)`): RapidOCR's models take
~0.6 CPU-s and ~115 MB to load on OpenVINO (~0.1 CPU-s and ~45 MB on onnxruntime), once per
worker instead of once per job that OCRs a scan, and its weights are shared copy-on-write by
every horse. That is fork-safe because the engine runs its models on one thread, the calling
one (worker/ocr/engines.py, sessions.py): onnxruntime then has no thread pool for a fork to
lose, and the helper threads OpenVINO starts when it compiles a model are not needed to run it.
"""

from __future__ import annotations

import gc
import inspect
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from worker.pipeline import OcrOptions

log = logging.getLogger(__name__)
PACKAGES = ("schemas", "worker")
SKIP = frozenset({"worker.ocr"})  # get_engine: the settings' engine, not its default


def warm(ocr: OcrOptions | None = None) -> int:
    """Call every argument-free cached loader of our packages and load the `ocr` engine (if
    given); freeze what is loaded. Returns how many loaders ran."""
    start = time.process_time()
    loaders = list(_loaders())
    for loader in loaders:
        loader()
    if ocr is not None:
        ocr.preload()
    gc.collect()
    gc.freeze()
    log.debug("warmed %d caches in %.2f CPU-s", len(loaders), time.process_time() - start)
    return len(loaders)


def _loaders() -> Iterator[Callable[[], Any]]:
    """`functools.cache` functions callable without arguments, in the modules a worker imports
    (the pipeline and everything it uses: imported already, so nothing new is imported)."""
    seen: set[int] = set()
    for name in _worker_modules():
        module = sys.modules[name]
        for value in vars(module).values():
            if id(value) in seen or not hasattr(value, "cache_info"):
                continue
            seen.add(id(value))
            if getattr(value, "__module__", "").startswith(tuple(SKIP)):
                continue
            params = inspect.signature(value).parameters.values()
            if all(p.default is not p.empty for p in params):
                yield value


def _worker_modules() -> list[str]:
    return sorted(
        name
        for name in list(sys.modules)
        if name.split(".")[0] in PACKAGES and not name.startswith(tuple(SKIP))
    )
