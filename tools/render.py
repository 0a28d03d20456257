"""Render layout-IR blocks into a real PDF (PyMuPDF) or DOCX (python-docx).

The PDFs look like the attachments of a 部门预算/决算 disclosure: titles, caption lines, ruled
tables with merged header cells, A4 portrait or landscape, tables continued over pages. They
carry a real, clean text layer: one embedded (subset) CJK font, one text show per cell line.

    from tools.render import RenderStyle, render_pdf, render_docx
    pages = render_pdf(layout.blocks, "out.pdf", RenderStyle(ruling="horizontal"))

`RenderStyle` is the knob set the synthetic layout generator varies. Header rows are guessed
with `worker.formats.text.guess_header_rows` (extended to cover merged regions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pymupdf

from tools.render_docx import render_docx
from tools.render_draw import draw_table
from tools.render_table import layout_table, natural_width, text_width, wrap
from worker.layout import Block, Layout, PageInfo, TableBlock, TextBlock

__all__ = ["RenderStyle", "render_docx", "render_pdf", "render_pdf_layout"]

A4 = (595.28, 841.89)
FIXED_DATE = "D:20240101000000+00'00'"  # fixed metadata dates keep reruns byte-identical
_CAPTION = re.compile(
    r"^(单位[：:]|金额单位|编制部门|编制单位|填报单位|部门[：:]|预算年度|截[止至]时间|公开\d+表$|[（(]?\d{4}年度?[）)]?$)"
)
_HEADING = re.compile(
    r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[、.．])"
)
_NOTE = re.compile(r"^(备注|附注|注|说明)\s*\d*\s*[：:]")
_TITLE_MAX = 60  # a text block this short right before a table is its title or caption


@dataclass(frozen=True)
class RenderStyle:
    """How a document is laid out; every field has a default that looks like a real 公开 PDF."""

    ruling: Literal["grid", "horizontal", "three_line", "none"] = "grid"
    repeat_header_on_continuation: bool = True
    title_on_continuation: bool = False
    font_size: float = 9.0  # table text; body text is 1.5 pt larger, titles 6 pt larger
    landscape: Literal["auto", "always", "never"] = "auto"
    page_break_inside_tables: int | None = None  # force a page break after this many body rows
    margins: tuple[float, float, float, float] = (
        50.0,
        56.0,
        50.0,
        56.0,
    )  # left, top, right, bottom
    line_width: float = 0.5
    stretch_tables: bool = True  # widen tables to the full text width
    header_fill: tuple[float, float, float] | None = None  # e.g. (0.9, 0.9, 0.9)
    page_numbers: bool = True


def render_pdf(
    blocks: Sequence[Block], path: str | Path, style: RenderStyle = RenderStyle()
) -> int:
    """Write `blocks` as a PDF at `path`; returns the number of pages written."""
    return len(render_pdf_layout(blocks, path, style).pages)


def render_pdf_layout(
    blocks: Sequence[Block], path: str | Path, style: RenderStyle = RenderStyle()
) -> Layout:
    """Like `render_pdf`, and returns what was drawn where: the PDF's ground-truth layout.

    One TextBlock per paragraph part on a page, one TableBlock per table part on a page (a
    repeated header is part of every part), all with 0-based pages and bboxes in PDF points.
    A merged cell's origin holds the region's box; covered cells hold their grid box. A region
    cut by a page break shows its text only where it starts.
    """
    writer = _PdfWriter(style)
    i = 0
    while i < len(blocks):
        j = _title_run_end(blocks, i)
        after = blocks[j] if j < len(blocks) else None
        if isinstance(after, TableBlock):
            writer.table(after, [b.text for b in blocks[i:j] if isinstance(b, TextBlock)])
            i = j + 1
        else:
            block = blocks[i]
            if isinstance(block, TextBlock):
                writer.paragraph(block.text)
            else:
                writer.table(block, [])
            i += 1
    return writer.save(Path(path))


def _title_run_end(blocks: Sequence[Block], i: int) -> int:
    """Index after the short text blocks (at most 5) starting at i."""
    j = i
    while j < len(blocks) and j - i < 5:
        block = blocks[j]
        if not isinstance(block, TextBlock) or len(block.text) > _TITLE_MAX:
            break
        if _NOTE.match(block.text):  # the foot note of the table before, not a title
            break
        j += 1
    return j


class _PdfWriter:
    def __init__(self, style: RenderStyle) -> None:
        self.style = style
        self.font = pymupdf.Font("china-s")
        self.doc = pymupdf.open()
        self.landscape = style.landscape == "always"
        self.page = self.doc.new_page(width=A4[0], height=A4[1])
        self._text = pymupdf.TextWriter(self.page.rect)
        self._lines: list[tuple[float, pymupdf.Point, pymupdf.Point]] = []
        self._fills: list[tuple[pymupdf.Rect, tuple[float, float, float]]] = []
        self.y = 0.0
        self.fresh = True  # nothing drawn on the current page yet
        self.truth: list[Block] = []  # what was drawn where, in drawing order
        self.pages: list[PageInfo] = []
        self._shown: list[tuple[str, pymupdf.Rect]] = []  # text shows on the current page
        self.new_page()

    # --- pages ---------------------------------------------------------------------------

    @property
    def width(self) -> float:
        return self.page.rect.width - self.style.margins[0] - self.style.margins[2]

    @property
    def bottom(self) -> float:
        return self.page.rect.height - self.style.margins[3]

    def new_page(self, landscape: bool | None = None) -> None:
        if self.fresh:
            self.doc.delete_page(-1)  # never leave an empty page behind
            self._lines, self._fills, self._shown = [], [], []
        else:
            self._flush()
        self.landscape = self.landscape if landscape is None else landscape
        w, h = (A4[1], A4[0]) if self.landscape else A4
        self.page = self.doc.new_page(width=w, height=h)
        self._text = pymupdf.TextWriter(self.page.rect)
        self.y = self.style.margins[1]
        self.fresh = True

    def _flush(self) -> None:
        page = self.page
        if self.style.page_numbers:
            label = f"- {page.number + 1} -"
            size = self.style.font_size
            x = (page.rect.width - self.font.text_length(label, size)) / 2
            self.put(label, x, page.rect.height - self.style.margins[3] / 2, size)
        if self._fills:
            shape = page.new_shape()
            for rect, color in self._fills:
                shape.draw_rect(rect)
                shape.finish(fill=color, color=None, width=0, closePath=False)
            shape.commit()
        self._text.write_text(page)
        if self._lines:  # one path per line width, drawn over fills and text like Word does
            shape = page.new_shape()
            for width in sorted({w for w, _, _ in self._lines}):
                for w, p0, p1 in self._lines:
                    if w == width:
                        shape.draw_line(p0, p1)
                shape.finish(width=width, color=(0, 0, 0), lineCap=2, closePath=False)
            shape.commit()
        self._lines, self._fills = [], []
        text = "\n".join(t for t, _ in self._shown)
        self.pages.append(PageInfo(page.number, page.rect.width, page.rect.height, text=text))
        self._shown = []

    def record(self, block: Block) -> None:
        self.truth.append(block)

    def save(self, path: Path) -> Layout:
        self.fresh = False  # an empty document still gets its one page
        self._flush()
        self.doc.set_metadata(
            {"creator": "budgetlens tools/render.py", "producer": "PyMuPDF",
             "creationDate": FIXED_DATE, "modDate": FIXED_DATE}
        )  # fmt: skip
        self.doc.subset_fonts()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(path, garbage=4, deflate=True, no_new_id=True)
        self.doc.close()
        return Layout(pages=self.pages, blocks=self.truth)

    # --- drawing primitives --------------------------------------------------------------

    def put(self, text: str, x: float, baseline: float, size: float) -> None:
        """One text show: a whole line, never positioned glyph by glyph."""
        if text:
            self._text.append((x, baseline), text, font=self.font, fontsize=size)
            width = text_width(self.font, text, size)
            top, bottom = (
                baseline - self.font.ascender * size,
                baseline - self.font.descender * size,
            )
            self._shown.append((text, pymupdf.Rect(x, top, x + width, bottom)))
            self.fresh = False

    def _record_text(self, start: int, text: str | None = None) -> None:
        """The text shows since `start` on this page, as one TextBlock."""
        shown = self._shown[start:]
        if shown:
            box = pymupdf.Rect(shown[0][1])
            for _, rect in shown[1:]:
                box |= rect
            part = "".join(t for t, _ in shown) if text is None else text
            self.record(TextBlock(part, self.page.number, tuple(box)))  # type: ignore[arg-type]

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float) -> None:
        self._lines.append((width, pymupdf.Point(x0, y0), pymupdf.Point(x1, y1)))
        self.fresh = False

    def fill(self, rect: pymupdf.Rect, color: tuple[float, float, float]) -> None:
        self._fills.append((rect, color))

    # --- paragraphs ----------------------------------------------------------------------

    def paragraph(self, text: str, role: str | None = None) -> None:
        role = role or _role(text)
        base = self.style.font_size
        size = {"title": base + 6, "heading": base + 2.5, "caption": base, "body": base + 1.5}[role]
        lead = size * 1.6
        left = self.style.margins[0]
        if role == "caption" and "  " in text:
            self._spread(text.split("  "), size, lead)
            return
        indent = 2 * size if role == "body" else 0.0
        lines = wrap(text, self.width, self.font, size, first_indent=indent)
        k, start = 0, len(self._shown)
        while k < len(lines):
            if self.y + lead > self.bottom:
                self._record_text(start)
                width = self.width
                short = len(text) <= _TITLE_MAX  # a note or title stays with its tables
                self.new_page(self.landscape if short else self.style.landscape == "always")
                if self.width != width:  # the rest of the paragraph, wrapped for this page
                    rest = wrap("".join(lines[k:]), self.width, self.font, size, indent * (k == 0))
                    lines = lines[:k] + rest
                start = 0
            x = left + (indent if k == 0 else 0.0)
            if role == "title":
                x = left + (self.width - self.font.text_length(lines[k], size)) / 2
            self.put(lines[k], x, self.y + lead * 0.72, size)
            self.y += lead
            k += 1
        self._record_text(start)
        self.y += size * (0.8 if role == "title" else 0.3)

    def _spread(self, parts: list[str], size: float, lead: float) -> None:
        """A caption line of several parts: first left, last right, middle ones centred."""
        parts = [p.strip() for p in parts if p.strip()]
        if self.y + lead > self.bottom:
            self.new_page()
        start = len(self._shown)
        left, width = self.style.margins[0], self.width
        for k, part in enumerate(parts):
            w = self.font.text_length(part, size)
            if k == 0:
                x = left
            elif k == len(parts) - 1:
                x = left + width - w
            else:
                x = left + width * k / (len(parts) - 1) - w / 2
            self.put(part, x, self.y + lead * 0.72, size)
        self._record_text(start, "  ".join(parts))
        self.y += lead

    # --- tables --------------------------------------------------------------------------

    def table(self, table: TableBlock, titles: list[str]) -> None:
        if not table.rows:
            return
        landscape = self._orientation(table)
        if landscape != self.landscape:
            self.new_page(landscape)
        tl = layout_table(
            table, self.width, self.style.font_size, self.font, self.style.stretch_tables
        )
        need = self._titles_height(titles) + tl.header_height + tl.lead_in_height
        if not self.fresh and self.y + need > self.bottom:
            self.new_page()
        roles = [_title_role(t) for t in titles]
        for text, role in zip(titles, roles, strict=True):
            self.paragraph(text, role)
        draw_table(self, tl, titles, roles)
        self.y += self.style.font_size

    def _titles_height(self, titles: list[str]) -> float:
        base = self.style.font_size
        return sum(
            base * 1.6 if _is_caption(t) else (base + 6) * 2.4 for t in titles
        )  # upper bound

    def _orientation(self, table: TableBlock) -> bool:
        if self.style.landscape != "auto":
            return self.style.landscape == "always"
        portrait = A4[0] - self.style.margins[0] - self.style.margins[2]
        if natural_width(table, self.style.font_size, self.font) <= portrait:
            return self.landscape and not self.fresh  # keep the current page when it fits
        return True


def _title_role(text: str) -> str:
    """Role of a short line right before a table: its caption, a section heading, or its title."""
    if _is_caption(text):
        return "caption"
    heading = _HEADING.match(text) and not text.endswith("表")
    return "heading" if heading else "title"


def _is_caption(text: str) -> bool:
    """单位/编制部门/年度 lines (caption cells joined by two spaces count part by part)."""
    return any(_CAPTION.match(part.strip()) for part in text.split("  "))


def _role(text: str) -> str:
    if _is_caption(text):
        return "caption"
    if len(text) <= 40 and _HEADING.match(text) and not text.endswith("。"):
        return "heading"
    return "body"
