"""Body rows of a table without full ruling, and the assembled grid (see pdf_stream).

Rows come from words, not text lines: a single-line cell centred beside a two-line one sits
between the other cell's lines, so "lines" cut rows wrongly. Per column, the fragments of text
that follow each other much closer than rows do are the lines of one wrapped cell (a stack);
stacks that overlap vertically are one row. Rules drawn between rows are hard row boundaries;
where they are drawn between (nearly) every row, the text between two rules is one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median

from worker.formats.pdf.columns import Columns, is_number
from worker.formats.pdf.grid import Cell, Grid
from worker.formats.pdf.header_fit import HeaderCell
from worker.formats.pdf.lines import Line
from worker.formats.pdf.page import Word

TIGHT = 0.35  # a gap under this × line height (and under half the usual row gap) is tight
OVERLAP = 0.3  # stacks overlapping by this share of the lower one's height share a row
DENSE_RULES = 0.6  # rules between this share of neighbouring lines: every band is a row

Row = list[Word]


@dataclass(slots=True)
class _Stack:
    words: list[Word] = field(default_factory=list)
    y0: float = 0.0
    y1: float = 0.0
    number: bool = False

    def add(self, words: list[Word]) -> None:
        first = not self.words
        self.words += words
        y0, y1 = min(w.y0 for w in words), max(w.y1 for w in words)
        self.y0 = y0 if first else min(self.y0, y0)
        self.y1 = y1 if first else max(self.y1, y1)
        self.number |= any(is_number(w.text) for w in words)


def _bands(words: list[Word], rules: list[float]) -> list[list[Word]]:
    """Words split at the rules between them."""
    bands: list[list[Word]] = [[] for _ in range(len(rules) + 1)]
    for w in words:
        bands[sum(1 for y in rules if y < w.cy)].append(w)
    return [b for b in bands if b]


def body_rows(lines: list[Line], cols: Columns, rules: list[float]) -> list[Row]:
    """The body's words grouped into rows (see module docstring)."""
    words = [w for line in lines for w in line.words]
    rules = sorted(rules)
    bands = _bands(words, rules)
    if len(lines) > 1 and (len(bands) - 1) / (len(lines) - 1) >= DENSE_RULES:
        return bands
    fragments = [_fragments(band, cols) for band in bands]
    usual = _usual_gap([f for fs in fragments for f in fs])
    rows: list[Row] = []
    for frags in fragments:
        rows += _overlapping(_stacks(frags, usual, cols.height))
    return rows


def _fragments(words: list[Word], cols: Columns) -> list[tuple[int, _Stack]]:
    """(column, words of one visual line in that column), top to bottom."""
    out: list[tuple[int, _Stack]] = []
    last: dict[int, _Stack] = {}
    for w in sorted(words, key=lambda w: (w.y0, w.x0)):
        c = cols.of(w)[0]
        frag = last.get(c)
        if frag is not None and abs(frag.words[-1].cy - w.cy) <= 0.3 * w.height:
            frag.add([w])
            continue
        frag = _Stack()
        frag.add([w])
        last[c] = frag
        out.append((c, frag))
    return out


def _usual_gap(fragments: list[tuple[int, _Stack]]) -> float:
    """The usual vertical gap between a cell and the one below it in its column."""
    by_col: dict[int, list[_Stack]] = {}
    for c, f in fragments:
        by_col.setdefault(c, []).append(f)
    numeric = [fs for fs in by_col.values() if all(f.number for f in fs)] or list(by_col.values())
    gaps = [b.y0 - a.y1 for fs in numeric for a, b in pairwise(fs)]
    return median(gaps) if gaps else 0.0


def _stacks(fragments: list[tuple[int, _Stack]], usual: float, height: float) -> list[_Stack]:
    """Fragments stacked into wrapped cells: a fragment without a number tight below the
    previous one of its column continues it."""
    tight = min(TIGHT * height, 0.5 * usual)
    stacks: list[_Stack] = []
    top: dict[int, _Stack] = {}
    for c, frag in fragments:
        above = top.get(c)
        if above is not None and not frag.number and frag.y0 - above.y1 < tight:
            above.add(frag.words)
            continue
        top[c] = frag
        stacks.append(frag)
    return stacks


def _overlapping(stacks: list[_Stack]) -> list[Row]:
    """Stacks that overlap vertically (transitively, top to bottom) are one row."""
    rows: list[Row] = []
    y0 = y1 = 0.0
    for s in sorted(stacks, key=lambda s: s.y0):
        need = OVERLAP * min(s.y1 - s.y0, y1 - y0)
        if rows and min(y1, s.y1) - max(y0, s.y0) >= need:
            rows[-1] += s.words
            y1 = max(y1, s.y1)
            continue
        rows.append(list(s.words))
        y0, y1 = s.y0, s.y1
    return rows


# ---- the grid ----------------------------------------------------------------------------


def _edges(spans: list[tuple[float, float]], top: float, bottom: float) -> list[float]:
    """Row separators: halfway between one row's text and the next's, kept increasing."""
    ys = [top]
    for (_, end), (start, _) in pairwise(spans):
        ys.append(max(ys[-1] + 0.1, min((end + start) / 2, start)))
    ys.append(max(bottom, ys[-1] + 0.1))
    return ys


def assemble(
    header: list[HeaderCell], rows: list[Row], cols: Columns, top: float, bottom: float
) -> Grid:
    """The grid: header cells with their spans, then one grid row per body row."""
    n_head = max((c.row + c.rows for c in header), default=0)
    n = n_head + len(rows)
    origin: list[list[Cell]] = [[(r, c) for c in range(cols.n)] for r in range(n)]
    placed: dict[Cell, list[Word]] = {}
    for cell in sorted(header, key=lambda c: (c.row, c.span.start)):
        home = origin[cell.row][cell.span.start]
        if home != (cell.row, cell.span.start) or home in placed:  # clash: share the cell
            placed.setdefault(home, []).extend(cell.words)
            continue
        for r in range(cell.row, cell.row + cell.rows):
            for c in cell.span:
                if origin[r][c] == (r, c) and (r, c) not in placed:
                    origin[r][c] = home
        placed[home] = list(cell.words)
    for i, row in enumerate(rows):
        r = n_head + i
        for w in row:
            span = cols.of(w)
            for c in span[1:]:
                origin[r][c] = origin[r][span[0]]
            placed.setdefault(origin[r][span[0]], []).append(w)
    ys = _edges(_spans(header, rows, n_head), top, bottom)
    return Grid(list(cols.xs), ys, origin, ruled=False, placed=placed)


def _spans(header: list[HeaderCell], rows: list[Row], n_head: int) -> list[tuple[float, float]]:
    """Vertical extent of each grid row's text (a header row: of the cells starting in it)."""
    spans = [(float("inf"), float("-inf"))] * n_head
    for cell in header:
        y0, y1 = spans[cell.row]
        first_line = cell.y0 + 1.5 * cell.words[0].height  # a wrapped cell starts the row
        spans[cell.row] = (min(y0, cell.y0), max(y1, min(cell.y1, first_line)))
    spans += [(min(w.y0 for w in row), max(w.y1 for w in row)) for row in rows]
    return spans
