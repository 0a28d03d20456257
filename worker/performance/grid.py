"""A section's table blocks as one run of rows, merged cells resolved.

A merged cell's covered positions read the text of the cell that holds it, marked `up` (merged
from a row above: "same as above") or `left` (the same cell spanning columns). Formats that cannot
tell merges from blanks (plain text) leave them blank; the reader fills those down itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.layout import BBox, Block, TableBlock


@dataclass(frozen=True, slots=True)
class GCell:
    text: str
    page: int | None  # 0-based, as in the layout
    bbox: BBox | None
    up: bool = False  # covered by a cell of a row above
    left: bool = False  # covered by a cell to the left in the same row

    @property
    def own(self) -> str:
        """The text this position prints itself (a covered position prints nothing)."""
        return "" if self.up or self.left else self.text.strip()


@dataclass(frozen=True, slots=True)
class GRow:
    cells: list[GCell]
    block: int  # index of the table block: header columns map within a block, or by position

    def texts(self) -> list[str]:
        return [c.own for c in self.cells]

    def filled(self) -> list[tuple[int, GCell]]:
        return [(i, c) for i, c in enumerate(self.cells) if c.own]


def rows_of(blocks: list[Block]) -> list[GRow]:
    out: list[GRow] = []
    tables = [b for b in blocks if isinstance(b, TableBlock)]
    for n, table in enumerate(tables):
        for r, row in enumerate(table.rows):
            out.append(GRow([_resolve(table, r, c) for c in range(len(row))], n))
    return out


def _resolve(table: TableBlock, r: int, c: int) -> GCell:
    cell = table.rows[r][c]
    page = cell.page if cell.page is not None else table.page
    if cell.origin is None:
        return GCell(cell.text, page, cell.bbox)
    orow, ocol = cell.origin
    source = table.rows[orow][ocol]
    return GCell(source.text, page, source.bbox, up=orow < r, left=orow == r and ocol < c)
