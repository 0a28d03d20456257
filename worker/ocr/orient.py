"""Scans stored turned, read upright: pages with /Rotate, and images scanned sideways.

    turned = upright(doc)                         # `doc` itself when nothing is turned
    layout = turned.restore(read_pdf_ocr(turned.doc, engine, dpi))

The OCR rebuild (worker/ocr/layer.py) writes each word left to right on an unrotated page, so it
needs pages whose content reads upright in their own unrotated space. Two kinds of scan do not:
a page with /Rotate (the scanner stored the image turned and asked viewers to turn it back), and
a page whose image itself lies sideways (a landscape table fed through a portrait scanner).
`upright` replaces each such page, among those that need OCR, by a copy turned to read upright
(the original page drawn turned, so no pixel is resampled); `restore` maps every box of the
layout back into the original page's unrotated space, where stored bboxes live.

Finding a sideways image costs ~30 ms per OCR'd page: the ink of text lines running across the
page is compared with that of lines running down it (`line_ink`). Only a page where the
down-running lines come near the across ones goes to RapidOCR, which compares how surely it
reads the page turned each way (~1–2 s), whichever engine then reads the page. An image upside
down on an upright page is not looked for: its lines still run across.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pymupdf

from schemas.geometry import BBox
from worker.layout import Layout, TableBlock
from worker.ocr import DEFAULT_RUNTIME, get_engine
from worker.ocr.engines import RapidOcrEngine
from worker.ocr.quality import PageQuality, assess_page
from worker.ocr.raster import detect_lines_px, erase_lines, line_ink, render
from worker.settings import OcrRuntime

SHAPE_DPI = 72  # the line-direction test: 9 pt text is 9 px tall, plenty for ink runs
CHECK_DPI = 100  # RapidOCR's check reads the page at this resolution
SIDEWAYS_SHARE = 0.5  # down-running ink above this share of the across-running: ask RapidOCR


@dataclass
class Upright:
    """A document whose OCR pages read upright, and how to map its boxes back."""

    doc: pymupdf.Document
    turns: dict[int, int] = field(default_factory=dict)  # 0-based page → clockwise quarter turns
    sizes: dict[int, tuple[float, float]] = field(default_factory=dict)  # original unrotated w, h

    def restore(self, layout: Layout) -> Layout:
        """`layout` (read from `doc`) with the turned pages' sizes and boxes those of the
        original pages, in their unrotated space."""
        if not self.turns:
            return layout
        for info in layout.pages:
            if info.index in self.turns:
                info.width, info.height = self.sizes[info.index]
        for block in layout.blocks:
            cells = [c for row in block.rows for c in row] if isinstance(block, TableBlock) else []
            for item in [block, *cells]:
                if item.page in self.turns and item.bbox is not None:
                    item.bbox = self._back(item.page, item.bbox)
        return layout

    def _back(self, page: int, box: BBox) -> BBox:
        w, h = self.sizes[page]
        k = self.turns[page]
        turned = (h, w) if k % 2 else (w, h)
        return turn_box(box, (4 - k) % 4, *turned)


def upright(
    doc: pymupdf.Document,
    quality: Sequence[PageQuality] | None = None,
    runtime: OcrRuntime = DEFAULT_RUNTIME,
) -> Upright:
    """`doc`, with every page that may need OCR and does not read upright replaced by an
    upright copy. `doc` itself is returned (not copied) when there is none. `quality` is
    `assess_page` of each page, when the caller has it already; `runtime` what runs RapidOCR
    when a page's direction is checked."""
    turns = {}
    for page in doc:
        if not _may_need_ocr(quality[page.number] if quality else assess_page(page)):
            continue  # read from its text layer, whatever its rotation
        k = (page.rotation // 90 + sideways_turns(page, runtime)) % 4
        if k:
            turns[page.number] = k
    if not turns:
        return Upright(doc)
    out = pymupdf.open()
    out.insert_pdf(doc)
    sizes = {}
    for pno, k in turns.items():
        sizes[pno] = _turn_page(doc, out, pno, k)
    return Upright(out, turns, sizes)


def _may_need_ocr(quality: PageQuality) -> bool:
    """Pages read_pdf_ocr OCRs: unusable text layers, and a scanner's own OCR layer, which it
    replaces when a spot check finds it wrong. A turned copy keeps that layer (it is the
    page, drawn turned), so turning such a page is harmless when the layer is kept."""
    return quality.reason == "ocr_layer" or not (quality.usable or quality.repairable)


def _turn_page(
    src: pymupdf.Document, out: pymupdf.Document, pno: int, k: int
) -> tuple[float, float]:
    """Replace page `pno` of `out` by `src`'s page turned `k` quarter turns clockwise; the
    original page's unrotated size."""
    single = pymupdf.open()
    single.insert_pdf(src, from_page=pno, to_page=pno)
    single[0].set_rotation(0)  # show_pdf_page is only predictable for an unrotated source
    w, h = single[0].rect.width, single[0].rect.height
    new = out.new_page(pno, width=h if k % 2 else w, height=w if k % 2 else h)
    # show_pdf_page's `rotate` turns anticlockwise
    new.show_pdf_page(new.rect, single, 0, rotate=(-90 * k) % 360)
    out.delete_page(pno + 1)
    return w, h


def sideways_turns(page: pymupdf.Page, runtime: OcrRuntime = DEFAULT_RUNTIME) -> int:
    """Clockwise quarter turns (0, 1 or 3) that bring the page's text upright as displayed."""
    small = render(page, SHAPE_DPI, deskew=False)
    clean = erase_lines(small.gray, *detect_lines_px(small.gray, SHAPE_DPI), SHAPE_DPI)
    across, down = line_ink(clean, SHAPE_DPI)
    if down <= SIDEWAYS_SHARE * across:
        return 0
    check = render(page, CHECK_DPI, deskew=False)
    clean = erase_lines(check.gray, *detect_lines_px(check.gray, CHECK_DPI), CHECK_DPI)
    # Whichever engine reads the page, RapidOCR (always installed) says which way it reads:
    # ~1 s, right on every test page. Tesseract's own orientation detection (--psm 0) had 2
    # of 6 sideways pages backwards; comparing its reading confidences costs ~8 s a page.
    engine = get_engine("rapidocr", runtime)
    assert isinstance(engine, RapidOcrEngine)
    return engine.orientation(clean, CHECK_DPI)


def turn_box(box: BBox, k: int, w: float, h: float) -> BBox:
    """`box` on a w × h page, after the page is turned `k` quarter turns clockwise (y down)."""
    for _ in range(k % 4):
        x0, y0, x1, y1 = box
        box, w, h = (h - y1, x0, h - y0, x1), h, w
    return box
