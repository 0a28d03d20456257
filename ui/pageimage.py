"""A page of the original PDF as a PNG, with the boxes under review drawn on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pymupdf

from schemas import BBox
from ui.i18n import t

# role → (stroke, fill): what the reviewer selected vs what a finding points at
COLORS = {
    "selected": ((0.05, 0.35, 0.95), (0.45, 0.7, 1.0)),
    "finding": ((0.9, 0.1, 0.1), (1.0, 0.85, 0.0)),
    "corrected": ((0.1, 0.6, 0.2), (0.6, 0.95, 0.6)),
    "low_confidence": ((0.45, 0.15, 0.75), (0.8, 0.68, 1.0)),  # an OCR'd number to check
    "suspect": ((0.55, 0.0, 0.35), (1.0, 0.25, 0.3)),  # the cell a finding blames: crimson
}
WIDTH = {"suspect": 2.8}  # stroke width in points; 1.6 for the rest
# what each colour means, for the caption under the image (in drawing order)
LEGEND = ("selected", "finding", "corrected", "low_confidence", "suspect")  # texts: legend.*


@dataclass(frozen=True)
class Box:
    bbox: BBox
    role: str = "selected"


# Zoom: 1 shows the whole page; n shows 1/n of the page's width, the window around the focus.
ZOOMS = (1.0, 1.5, 2.0, 3.0, 4.0)
# The default zoom is the smallest that shows at most this many points across: the Review
# page's image column is ~590 px wide in a 1600 px window (measured, tests/e2e), so >= 1.37 px
# per point: the digits of a table printed at 9-10 pt are 12.6-14 px.
LEGIBLE_ACROSS_PT = 430.0  # A4 portrait at 1.5× (397 pt), landscape at 2× (421), A3 at 3×
WINDOW_ASPECT = 1.3  # a zoomed window is this much taller than wide (at most the page)
OUT_PX = 1400  # the rendered image's width: sharp at the column's width on a HiDPI screen
FOCUS_MARGIN = 8.0  # points shown left of / above a focus box larger than the window
FOCUS_ROLES = ("selected", "suspect", "finding")  # what the window follows, in this order


def page_box(pdf_path: Path, page: int) -> BBox:
    """The full page box of 1-based `page` in the boxes' coordinates (unrotated points)."""
    with pymupdf.open(pdf_path, filetype="pdf") as doc:
        r = doc[page - 1].rect * doc[page - 1].derotation_matrix
        return (0.0, 0.0, abs(r.width), abs(r.height))


def default_zoom(page: BBox) -> float:
    """The smallest zoom at which the page's digits are legible (LEGIBLE_ACROSS_PT)."""
    width = page[2] - page[0]
    return next((z for z in ZOOMS if width / z <= LEGIBLE_ACROSS_PT), ZOOMS[-1])


def focus_of(boxes: tuple[Box, ...] | list[Box]) -> BBox | None:
    """The box the window keeps in view: the selected cell, else the suspect, else the finding."""
    for role in FOCUS_ROLES:
        if found := next((b.bbox for b in boxes if b.role == role), None):
            return found
    return None


def viewport(page: BBox, focus: BBox | None, zoom: float, pan: tuple[int, int] = (0, 0)) -> BBox:
    """The part of the page shown at `zoom`: centred on `focus` (else the page's top left) —
    a focus larger than the window (a sentence at 4×) from its top left corner —, moved by
    `pan` half-windows, kept on the page. Zoom 1 is the whole page box."""
    px0, py0, px1, py1 = page
    if zoom <= 1:
        return page
    w = (px1 - px0) / zoom
    h = min(py1 - py0, w * WINDOW_ASPECT)
    cx, cy = px0, py0
    if focus:
        cx = _centre(focus[0], focus[2], w)
        cy = _centre(focus[1], focus[3], h)
    cx, cy = cx + pan[0] * w / 2, cy + pan[1] * h / 2
    x0 = min(max(cx - w / 2, px0), px1 - w)
    y0 = min(max(cy - h / 2, py0), py1 - h)
    return (x0, y0, x0 + w, y0 + h)


def _centre(lo: float, hi: float, size: float) -> float:
    """Where a window `size` long centres to show lo..hi: its middle, or from lo when longer."""
    if hi - lo <= size - 2 * FOCUS_MARGIN:
        return (lo + hi) / 2
    return lo - FOCUS_MARGIN + size / 2


def render_page(
    pdf_path: Path, page: int, boxes: tuple[Box, ...] = (), window: BBox | None = None,
    width_px: int = OUT_PX,
) -> bytes:
    """PNG of 1-based `page` (the `window` of it, default the whole page box: never trimmed to
    what is inked, so blank columns and scanned pages show in full), `width_px` wide; `boxes`
    are PDF points (top-left origin) on that page. The file is opened read-only per call:
    drawing changes only this in-memory copy."""
    with pymupdf.open(pdf_path, filetype="pdf") as doc:
        pg = doc[page - 1]
        for box in boxes:
            stroke, fill = COLORS.get(box.role, COLORS["selected"])
            # a small margin, so the box frames the digits instead of striking through them
            rect = pymupdf.Rect(box.bbox) + pymupdf.Rect(-2, -2, 2, 2)
            width = WIDTH.get(box.role, 1.6)
            pg.draw_rect(rect, color=stroke, fill=fill, fill_opacity=0.3, width=width, overlay=True)
        area = pymupdf.Rect(window or page_box(pdf_path, page))
        scale = width_px / max(area.width, 1.0)
        clip = (area * pg.rotation_matrix) if window else None
        pix = pg.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False, clip=clip)
        return pix.tobytes("png")


def legend(boxes: tuple[Box, ...] | list[Box]) -> str:
    """The colours drawn on the page, explained (the basic three always, the OCR ones when
    drawn)."""
    shown = {b.role for b in boxes} | {"selected", "finding", "corrected"}
    return " · ".join(t(f"legend.{role}") for role in LEGEND if role in shown)


def page_count(pdf_path: Path) -> int:
    with pymupdf.open(pdf_path, filetype="pdf") as doc:
        return doc.page_count
