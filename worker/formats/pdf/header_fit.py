"""Geometric tests for placing header text over columns inferred from the body (pdf_header).

Without borders, a header's cell is inferred: centred text sits at its cell's centre, and the
column's flush edge (figures flush right, labels flush left) fixes one border, so the other
follows. Separators known only to lie somewhere in a gutter carry their slack into every test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from worker.formats.pdf.columns import PAD, Column, Columns
from worker.formats.pdf.page import Word

CENTRE_TOL = 0.25  # centred within this × line height, plus how far the separators may be off


@dataclass(slots=True)
class HeaderCell:
    words: list[Word]
    line: int  # index of its first line among the header lines
    first: Column | None = None  # the columns it spans (objects: columns may be inserted)
    last: Column | None = None
    span: range = field(default_factory=lambda: range(0))  # as indexes, once all are placed
    row: int = 0
    rows: int = 1  # header rows it covers, from `row` down
    between: bool = False  # its line sat between two header rows (see _between)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    def place(self, cols: Columns, a: int, b: int) -> None:
        self.first, self.last = cols.cols[a], cols.cols[b]

    def cols(self, cols: Columns) -> range:
        assert self.first is not None and self.last is not None
        return range(cols.cols.index(self.first), cols.cols.index(self.last) + 1)


def centred(x0: float, x1: float, cols: Columns, a: int, b: int) -> bool:
    """Is the stretch x0..x1 centred over columns a..b (as far as the separators are known)?"""
    lo, hi = cols.region(a, b)
    tol = CENTRE_TOL * cols.height + (cols.slack[a] + cols.slack[b + 1]) / 2
    return abs((x0 + x1) / 2 - (lo + hi) / 2) <= tol


def could_head(
    cell: HeaderCell, cols: Columns, k: int, others: list[HeaderCell], flush: bool = False
) -> bool:
    """Can the cell of column k, given its flush edge, have this text at its centre (or set
    flush left, as spreadsheets set text) without reaching into the content of the
    neighbouring columns?"""
    col = cols.cols[k]
    if not col.words:  # a column of header text only: centred on it
        return abs(cell.cx - col.cx) <= CENTRE_TOL * cols.height
    pad = 0.3 * cols.height
    prev_end = max((c.x1 for c in cols.cols[:k] if c.words), default=-1e9)
    next_start = min((c.x0 for c in cols.cols[k + 1 :] if c.words), default=1e9)
    if flush and _flush_left(cell, cols, k, prev_end, others):
        return True
    if col.align == "right":
        right = col.x1 + pad
        left = 2 * cell.cx - right
    elif col.align == "left":
        left = col.x0 - pad
        right = 2 * cell.cx - left
    else:  # alignment unknown: the widest cell centred on the text inside the region (the
        # table's outer edges are not known: open there)
        lo = cols.xs[k] if k > 0 else float("-inf")
        hi = cols.xs[k + 1] if k + 1 < cols.n else float("inf")
        half = min(cell.cx - lo, hi - cell.cx)
        if half == float("inf"):
            half = (cell.x1 - cell.x0) / 2 + pad
        left, right = cell.cx - half, cell.cx + half
    if any(o.x0 < right and o.x1 > left for o in others):  # a sibling header inside the cell
        return False
    fits = left - pad <= cell.x0 and cell.x1 <= right + pad
    return fits and left >= prev_end - pad and right <= next_start + pad


def set_left(line: list[HeaderCell], cols: Columns) -> bool:
    """Does this header line set its texts flush left (spreadsheet style)? Texts over figure
    columns start just inside their left border, off the centre of their cell, where no
    text of the line sits over the figures: two do, as a style is the whole line's (in a
    tight cell a centred text starts there too)."""
    pad = PAD * cols.height
    votes = 0
    centred = {k for cell in line for k in cols.touched(cell.x0 + pad, cell.x1 - pad)}
    for cell in line:
        k = cols.col(cell.x0 + pad)  # the column whose cell it starts in
        if cols.cols[k].align != "right" or k in centred or k == 0:
            continue
        if cell.x1 > cols.cols[k].x1 + pad:
            continue
        left, right = cols.xs[k], cols.cols[k].x1 + pad
        at_left = abs(cell.x0 - pad - left) <= cols.slack[k] + pad
        votes += at_left and abs(cell.cx - (left + right) / 2) > cols.slack[k] + pad
    return votes >= 2


def _flush_left(
    cell: HeaderCell, cols: Columns, k: int, prev_end: float, others: list[HeaderCell]
) -> bool:
    """A header set flush left in the cell of a right-aligned column: it starts just right of
    the border the column before shows, and ends before the column's figures do."""
    col = cols.cols[k]
    pad = PAD * cols.height
    if col.align != "right" or k == 0 or abs(cell.x0 - pad - cols.xs[k]) > cols.slack[k] + pad:
        return False
    inside = cell.x0 >= prev_end and cell.x1 <= col.x1 + pad
    return inside and not any(o.x0 < cell.x1 and o.x1 > cols.xs[k] for o in others)


def group_span(cell: HeaderCell, under: list[HeaderCell], cols: Columns) -> range | None:
    """The columns a group title spans: the narrowest run its sub-headers tile and it is
    centred over, widened while the highest sub-headers of the next columns out on both
    sides sit no higher than those of the run's edges (sub-headers one level down, or
    centred over that level and the next, are siblings under the title; a 合计 spanning every
    header row sits higher and stays out)."""
    mid = cols.col(cell.cx)
    for size in range(1, cols.n + 1):
        for a in range(max(0, mid - size + 1), min(mid, cols.n - size) + 1):
            b = a + size - 1
            if _tiled(under, a, b) and centred(cell.x0, cell.x1, cols, a, b):
                return _widen(cell, under, cols, a, b)
    return None


def _widen(cell: HeaderCell, under: list[HeaderCell], cols: Columns, a: int, b: int) -> range:
    low = 0.3 * cols.height
    while a > 0 and b + 1 < cols.n:
        tops = [_top(under, k) for k in (a - 1, a, b, b + 1)]
        if None in tops or tops[0] < tops[1] - low or tops[3] < tops[2] - low:  # type: ignore[operator]
            break
        if not (_tiled(under, a - 1, b + 1) and centred(cell.x0, cell.x1, cols, a - 1, b + 1)):
            break
        a, b = a - 1, b + 1
    return range(a, b + 1)


def _top(under: list[HeaderCell], k: int) -> float | None:
    """Where the highest sub-header over column k is centred, vertically."""
    tops = [c for c in under if k in c.span]
    return min((c.y0 + c.y1) / 2 for c in tops) if tops else None


def _tiled(under: list[HeaderCell], a: int, b: int) -> bool:
    """Do sub-header cells inside columns a..b cover every one of them, none crossing out?"""
    covered: set[int] = set()
    for c in under:
        s, e = c.span.start, c.span.stop - 1
        if s >= a and e <= b:
            covered.update(c.span)
        elif s <= b and e >= a:
            return False
    return len(covered) == b - a + 1
