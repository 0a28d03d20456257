"""The runtime that executes RapidOCR's ONNX models: OpenVINO, or onnxruntime as the fallback.

    session = openvino_session(model_path, threads=1)   # raises when it cannot load
    outputs = session(batch)             # [array, ...], like rapidocr's OrtInferSession

Both run the same .onnx files from the `rapidocr_onnxruntime` wheel (nothing is converted to
disk, nothing fetched). OpenVINO's CPU plugin recognizes 1.4× as fast as onnxruntime on one
thread and detects 1.5× (AVX-512 here): a scanned page in ~0.73 of the CPU time (bench/ocr.py
--runtime), with the same readings. Its inference is pinned to f32: on CPUs with native bf16
it would compute in bf16, which moved ~4% of the crops' character positions and changed 6 of
1,470 crops' text. When openvino cannot be imported or cannot compile a model,
the engine keeps rapidocr's own onnxruntime sessions and logs why (worker/ocr/engines.py).

One inference thread and one stream: a worker process is one engine, and cores are used by
running more workers. Compiling the models starts a few helper threads, which a forked work
horse does without: each inference runs on the calling thread (tests/runtime/test_warm.py has horses
read scans with the engine their worker loaded).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Session = Callable[[np.ndarray], list[np.ndarray]]  # inputs → outputs, as OrtInferSession


def openvino_session(model: str | Path, threads: int = 1) -> Session:
    """`model` compiled by OpenVINO's CPU plugin; raises whatever keeps it from loading
    (ImportError without the package, RuntimeError for a model or CPU it refuses)."""
    import openvino as ov

    config: dict[str, Any] = {
        "INFERENCE_NUM_THREADS": threads,
        "NUM_STREAMS": 1,
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32",  # bf16 would change readings
    }
    compiled = ov.Core().compile_model(str(model), "CPU", config)
    request = compiled.create_infer_request()
    outputs = compiled.outputs

    def run(batch: np.ndarray) -> list[np.ndarray]:
        result = request.infer({0: batch})
        # the request reuses its output buffers: copy before the next call overwrites them
        return [np.array(result[out], copy=True) for out in outputs]

    return run
