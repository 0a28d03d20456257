"""What runs RapidOCR's models: OpenVINO by default, onnxruntime when asked or when OpenVINO does
not load, with the same readings (worker/ocr/sessions.py)."""

from __future__ import annotations

import logging
import sys
from collections import Counter

import numpy as np
import onnxruntime
import openvino
import pymupdf
import pytest
from pydantic import ValidationError

from tools.ocr_testpdf import make_table_pdf
from tools.scan import ScanStyle, scan_pdf
from worker.ocr import get_engine, ocr_page
from worker.ocr.engines import RapidOcrEngine
from worker.pipeline import OcrOptions, Options
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load
from worker.settings import Settings


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Inferences run by each runtime (their own classes, counted where they are called)."""
    counts: Counter[str] = Counter()
    ov_infer, ort_run = openvino.InferRequest.infer, onnxruntime.InferenceSession.run

    def infer(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts["openvino"] += 1
        return ov_infer(self, *args, **kwargs)

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts["onnxruntime"] += 1
        return ort_run(self, *args, **kwargs)

    monkeypatch.setattr(openvino.InferRequest, "infer", infer)
    monkeypatch.setattr(onnxruntime.InferenceSession, "run", run)
    return counts


@pytest.fixture(scope="module")
def scan() -> pymupdf.Document:
    return scan_pdf(make_table_pdf(1, seed=3), ScanStyle(dpi=200), seed=2)[0]


@pytest.fixture(scope="module")
def crops() -> list[np.ndarray]:
    """A fixture crop set: every word of a dense table page (amounts in 元 and 万元, codes,
    subject names), cut from a 200 dpi scan of it (tilt, noise, JPEG), grey."""
    digital = make_table_pdf(3, seed=8)[2]  # the dense 元 page
    scanned = scan_pdf(make_table_pdf(3, seed=8), ScanStyle(dpi=200), seed=4)[0][2]
    out = []
    for x0, y0, x1, y1, *_ in digital.get_text("words"):
        clip = pymupdf.Rect(x0 - 3, y0 - 2, x1 + 3, y1 + 2) & scanned.rect
        pix = scanned.get_pixmap(dpi=200, clip=clip, colorspace=pymupdf.csGRAY, alpha=False)
        gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.stride)
        out.append(np.ascontiguousarray(gray[:, : pix.width]))
    return out


def test_rapidocr_runs_on_openvino_by_default(runs: Counter[str], crops: list) -> None:
    assert Settings.default("ocr_runtime") == "openvino"
    engine = get_engine("rapidocr")
    assert isinstance(engine, RapidOcrEngine) and engine.runtime == "openvino"
    assert get_engine("rapidocr", "openvino") is engine  # one engine, however it is asked for
    engine.read_line(crops[0])
    assert runs == {"openvino": 1}  # really there: onnxruntime ran nothing


def test_openvino_reads_the_crops_as_onnxruntime_does(runs: Counter[str], crops: list) -> None:
    """The same text from every crop of the set, confidences equal to the third decimal: the
    same f32 arithmetic in another order (bf16, OpenVINO's default on this CPU, changed ~4%
    of readings)."""
    assert len(crops) > 150
    ov, ort = get_engine("rapidocr", "openvino"), get_engine("rapidocr", "onnxruntime")
    on_ov = [ov.read_line(c) for c in crops]
    on_ort = [ort.read_line(c) for c in crops]
    assert runs == {"openvino": len(crops), "onnxruntime": len(crops)}
    assert [t for t, _ in on_ov] == [t for t, _ in on_ort]
    drift = np.abs(np.array([c for _, c in on_ov]) - np.array([c for _, c in on_ort]))
    assert drift.max() < 1e-3, drift.max()


def test_without_openvino_the_engine_runs_on_onnxruntime_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    runs: Counter[str],
    crops: list,
) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # `import openvino` raises ImportError
    with caplog.at_level(logging.WARNING, logger="worker.ocr.engines"):
        engine = RapidOcrEngine(runtime="openvino")
    assert engine.runtime == "onnxruntime"
    assert "openvino did not load (ModuleNotFoundError" in caplog.text
    text, _ = engine.read_line(crops[0])
    assert text and runs == {"onnxruntime": 1}


def test_the_runtime_setting_reaches_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLENS_OCR_RUNTIME", "onnxruntime")
    assert Options.from_settings(Settings()).ocr == OcrOptions("rapidocr", 200, "onnxruntime")
    assert Options.defaults().ocr.runtime == "openvino"
    with pytest.raises(ValidationError, match="ocr_runtime"):
        Settings(ocr_runtime="tensorrt")


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_a_scanned_page_goes_through_the_pipeline_on_the_runtime_chosen(
    runtime: str, scan: pymupdf.Document, runs: Counter[str]
) -> None:
    layout = chunk(load(scan.tobytes(), "pdf", 10), OcrOptions("rapidocr", 200, runtime))  # type: ignore[arg-type]
    assert layout.pages[0].ocr and layout.blocks
    assert runs[runtime] > 100 and set(runs) == {runtime}


@pytest.mark.slow
def test_openvino_reads_a_scanned_page_word_for_word_as_onnxruntime(
    scan: pymupdf.Document,
) -> None:
    ov = ocr_page(scan[0], engine=get_engine("rapidocr", "openvino"))
    ort = ocr_page(scan[0], engine=get_engine("rapidocr", "onnxruntime"))
    assert len(ov) > 150
    assert [(w.text, w.bbox) for w in ov] == [(w.text, w.bbox) for w in ort]
