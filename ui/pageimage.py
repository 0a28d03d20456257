"""A page of the original PDF as a PNG, with the boxes under review drawn on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pymupdf

from schemas import BBox

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
LEGEND = {
    "selected": "blue: selected",
    "finding": "amber: finding",
    "corrected": "green: corrected",
    "low_confidence": "violet: low OCR confidence",
    "suspect": "red: suspected misread",
}


@dataclass(frozen=True)
class Box:
    bbox: BBox
    role: str = "selected"


def render_page(
    pdf_path: Path, page: int, boxes: tuple[Box, ...] = (), zoom: float = 2.0, crop: bool = True
) -> bytes:
    """PNG of 1-based `page`; `boxes` are PDF points (top-left origin) on that page. The file
    is opened read-only per call: drawing changes only this in-memory copy. `crop` trims the
    blank margins, so a small table on a landscape page is still readable beside its data."""
    with pymupdf.open(pdf_path, filetype="pdf") as doc:
        pg = doc[page - 1]
        for box in boxes:
            stroke, fill = COLORS.get(box.role, COLORS["selected"])
            # a small margin, so the box frames the digits instead of striking through them
            rect = pymupdf.Rect(box.bbox) + pymupdf.Rect(-2, -2, 2, 2)
            width = WIDTH.get(box.role, 1.6)
            pg.draw_rect(rect, color=stroke, fill=fill, fill_opacity=0.3, width=width, overlay=True)
        clip = _content(pg) if crop else None
        pix = pg.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, clip=clip)
        return pix.tobytes("png")


def _content(page: pymupdf.Page, margin: float = 14) -> pymupdf.Rect | None:
    """The inked part of the page (text and ruling lines), or None to keep the whole page."""
    if page.rotation:
        return None  # clip rectangles are unrotated; not worth the arithmetic for rare pages
    area = pymupdf.Rect()
    for block in page.get_text("blocks"):
        area |= pymupdf.Rect(block[:4])
    for drawing in page.get_drawings():
        area |= drawing["rect"]
    if area.is_empty:
        return None
    return (area + pymupdf.Rect(-margin, -margin, margin, margin)) & page.rect


def legend(boxes: tuple[Box, ...] | list[Box]) -> str:
    """The colours drawn on the page, explained (the basic three always, the OCR ones when
    drawn)."""
    shown = {b.role for b in boxes} | {"selected", "finding", "corrected"}
    return " · ".join(text for role, text in LEGEND.items() if role in shown)


def page_count(pdf_path: Path) -> int:
    with pymupdf.open(pdf_path, filetype="pdf") as doc:
        return doc.page_count
