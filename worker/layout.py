"""The layout every format is read into: pages, then text and table blocks in reading order.

This is the contract between the chunk stage (format-specific: PDF, DOCX, workbooks, text) and
the extract stage (format-agnostic). Pages here are 0-based indexes; the canonical models in
`schemas` use 1-based page numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemas.geometry import BBox

if TYPE_CHECKING:
    from schemas import Problem


@dataclass(slots=True)
class Cell:
    """One grid position of a table.

    A merged cell covers several grid positions: the same text is *not* repeated; instead every
    covered position except the top-left one has `origin` set to the (row, col) that holds the
    text. Formats that cannot tell merges from blanks (plain text) leave `origin` None and the
    covered positions empty.
    """

    text: str
    page: int | None = None
    bbox: BBox | None = None
    origin: tuple[int, int] | None = None
    confidence: float | None = None  # OCR confidence; None for a text layer


@dataclass(slots=True)
class TextBlock:
    text: str
    page: int | None = None
    bbox: BBox | None = None


@dataclass(slots=True)
class TableBlock:
    """A rectangular grid of cells; every row has the same number of cells."""

    rows: list[list[Cell]]
    page: int | None = None
    bbox: BBox | None = None

    @property
    def n_cols(self) -> int:
        return len(self.rows[0]) if self.rows else 0


Block = TextBlock | TableBlock


def block_text(block: Block) -> str:
    """A block's plain text: a table's cells tab-separated, a line per row (a page's text for
    the readers that have no text layer of their own: DOCX, workbooks)."""
    if isinstance(block, TextBlock):
        return block.text
    return "\n".join("\t".join(c.text for c in row) for row in block.rows)


@dataclass(slots=True)
class PageInfo:
    index: int
    width: float
    height: float
    text: str = ""
    ocr: bool = False  # the page's text came from OCR
    name: str | None = None  # a workbook's sheet name: a sheet is a page (worker/formats/sheet.py)


@dataclass(slots=True)
class Layout:
    pages: list[PageInfo] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    # What the chunk stage could not do or is unsure of (e.g. OCR'd pages), for extract to report.
    problems: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]
