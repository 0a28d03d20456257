"""OCR for pages whose text layer is missing or unusable (scans, broken Word/WPS exports).

    quality = assess_page(page)                      # cheap; run it on every page
    if not quality.usable:
        words, h_lines, v_lines = ocr_words_and_lines(page)

Everything comes back in PDF points in the space `page.get_text("words")` uses (top-left
origin, unrotated page), so the PDF table-grid builder can take OCR words and raster ruling
lines exactly as it takes text-layer words and vector rules: a horizontal (x0, y, x1, y) is
its Seg (y, x0, x1), a vertical (x, y0, x, y1) is (x, y0, y1). A scan is deskewed first;
its boxes are then in the page's own (straightened) frame, which for a scan tilted by θ
differs from where the tilted pixels sit by at most distance-from-centre × θ.

Engines (`engine=`): "rapidocr" (default: PP-OCRv4, its ONNX models run by OpenVINO, or by
onnxruntime: `runtime=`, worker/ocr/sessions.py) and "tesseract" (chi_sim), chosen for the
pipeline by the settings `ocr_engine`, `ocr_runtime` and `ocr_dpi` (worker/runtime/jobs.py →
pipeline.process → chunk). See bench/ocr.py for how they compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pymupdf

from schemas.geometry import BBox
from worker.errors import OcrEngineError
from worker.ocr.engines import OcrEngine, RapidOcrEngine, em_box, repair_number
from worker.ocr.quality import PageQuality, assess_page
from worker.ocr.raster import Raster, Segment, detect_lines_px, erase_lines, from_pixmap, render
from worker.ocr.tesseract import TesseractEngine
from worker.settings import OcrRuntime, Settings

__all__ = [
    "OcrEngineError",
    "OcrWord",
    "PageQuality",
    "assess_page",
    "detect_lines",
    "get_engine",
    "ocr_page",
    "ocr_words_and_lines",
]


# the defaults of the settings ocr_engine / ocr_dpi, for callers outside the pipeline
DEFAULT_ENGINE: str = Settings.default("ocr_engine")
DEFAULT_DPI: int = Settings.default("ocr_dpi")
DEFAULT_RUNTIME: OcrRuntime = Settings.default("ocr_runtime")
ENGINES = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine}


@dataclass(frozen=True, slots=True)
class OcrWord:
    text: str
    bbox: BBox  # PDF points, page.get_text space
    confidence: float  # 0..1


def get_engine(name: str = DEFAULT_ENGINE, runtime: OcrRuntime = DEFAULT_RUNTIME) -> OcrEngine:
    """The shared engine instance for `name` (RapidOCR's models run by `runtime`); models load
    once per process."""
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; choose from {sorted(ENGINES)}")
    return _engine(name, runtime if name == "rapidocr" else None)


@cache
def _engine(name: str, runtime: OcrRuntime | None) -> OcrEngine:
    return RapidOcrEngine(runtime=runtime) if runtime else ENGINES[name]()


def ocr_page(
    page: pymupdf.Page,
    engine: str | OcrEngine = DEFAULT_ENGINE,
    dpi: int = DEFAULT_DPI,
    deskew: bool = True,
) -> list[OcrWord]:
    """The words on `page` as OCR reads them from a render at `dpi`."""
    return ocr_words_and_lines(page, engine, dpi, deskew)[0]


def ocr_words_and_lines(
    page: pymupdf.Page,
    engine: str | OcrEngine = DEFAULT_ENGINE,
    dpi: int = DEFAULT_DPI,
    deskew: bool = True,
    clip: pymupdf.Rect | None = None,
) -> tuple[list[OcrWord], list[Segment], list[Segment]]:
    """OCR words plus the horizontal and vertical ruling lines of the page (of `clip` alone,
    in `page.get_text` space, when given), in page points.

    Lines are (x0, y0, x1, y1) with y0 == y1 (horizontal) or x0 == x1 (vertical).
    """
    eng = get_engine(engine) if isinstance(engine, str) else engine
    raster = render(page, dpi, deskew, clip)
    h_px, v_px = detect_lines_px(raster.gray, dpi)
    clean = erase_lines(raster.gray, h_px, v_px, dpi)
    raw = eng.read(raster.gray, clean, v_px, dpi)
    words = []
    for text, box, conf in raw:
        if text:
            text, conf = repair_number(text, conf)
            words.append(OcrWord(text, raster.to_page(em_box(box, text)), conf))
    h_lines, v_lines = _lines_to_page(raster, h_px, v_px)
    return words, h_lines, v_lines


def detect_lines(
    source: pymupdf.Page | pymupdf.Pixmap, dpi: int = DEFAULT_DPI, deskew: bool = True
) -> tuple[list[Segment], list[Segment]]:
    """Horizontal and vertical ruling lines of a raster page, in page points.

    A Pixmap is taken as a render of a whole unrotated page at its own resolution (`xres`).
    """
    if isinstance(source, pymupdf.Pixmap):
        raster = from_pixmap(source, deskew)
    else:
        raster = render(source, dpi, deskew)
    return _lines_to_page(raster, *detect_lines_px(raster.gray, raster.dpi))


def _lines_to_page(
    raster: Raster, h_px: list[Segment], v_px: list[Segment]
) -> tuple[list[Segment], list[Segment]]:
    h: list[Segment] = []
    v: list[Segment] = []
    for seg in [*h_px, *v_px]:
        x0, y0, x1, y1 = raster.to_page(seg)
        # A page rotated by 90° turns the render's horizontals into the page's verticals.
        (h if abs(y1 - y0) <= abs(x1 - x0) else v).append((x0, y0, x1, y1))
    return sorted(h, key=lambda s: (s[1], s[0])), sorted(v, key=lambda s: (s[0], s[1]))
