"""Rows and merged cells of a table whose columns were inferred from text (see pdf_stream).

Every text line starts as a row. Then, by geometry only:
- a short band of lines between two rules is one wrapped row (three-line tables, ruled rows);
- a header word centred over several sub-headers, or reaching over a gutter, spans columns;
- a line centred between two tight neighbours, in columns they leave empty, is a cell over
  two rows (two-level header) or sits beside a wrapped cell (the three lines are one row);
- a line much closer to the row above than rows usually are, filling only columns that row
  fills and holding no number, is wrapped text of that row.
"""

from __future__ import annotations

import re
from itertools import pairwise

from worker.formats.pdf_grid import Cell, Grid
from worker.formats.pdf_lines import Line
from worker.formats.pdf_page import Word

SHORT_BAND = 3  # a band of at most this many lines between rules is one (wrapped) row
CENTRE_TOL = 0.15  # a title is centred over columns within this share of their width
NUMBER = re.compile(r"[-+(]?[\d,，]*[.．]?\d+[%)]?|[-—]")

Row = list[Line]
Gutter = tuple[float, float, bool]  # x0, x1 of an empty stripe; the column right of it is numeric
VMerge = tuple[int, int]  # (row, col) whose cell also covers (row + 1, col)


class Columns:
    """Column separators, and which columns each word covers."""

    def __init__(self, xs: list[float], gutters: list[Gutter] | None = None) -> None:
        self.xs = xs
        self.gutters = gutters or []
        self.wide: dict[int, range] = {}  # id(word) -> columns, for centred group titles

    @property
    def n(self) -> int:
        return len(self.xs) - 1

    def col(self, x: float) -> int:
        return max(0, min(self.n - 1, sum(1 for s in self.xs[1:-1] if s <= x)))

    def of(self, word: Word) -> range:
        if id(word) in self.wide:
            return self.wide[id(word)]
        pad = 0.1 * word.height
        return range(self.col(word.x0 + pad), self.col(word.x1 - pad) + 1)

    def spans(self, row: Row) -> bool:
        return any(len(self.of(w)) > 1 for line in row for w in line.words)

    def used(self, row: Row) -> set[int]:
        return {c for line in row for w in line.words for c in self.of(w)}


def has_number(lines: Row) -> bool:
    return any(NUMBER.fullmatch(w.text) for line in lines for w in line.words)


def _cy(row: Row) -> float:
    return (min(ln.y0 for ln in row) + max(ln.y1 for ln in row)) / 2


def fit_headers(lines: list[Line], cols: Columns) -> None:
    """Place header words (lines above the first number) by the body's column contents.

    Headers may be centred or left-aligned while numbers are right-aligned, so a header can
    overhang a cut. A header overlapping the body content of exactly one column belongs
    there; overlapping several, it spans them; in a gutter, it belongs to the numbers right of
    it (left-aligned header over right-aligned numbers), else to the column left. Then group
    titles centred over sub-headers below them span those columns.
    """
    body = next((i for i, ln in enumerate(lines) if has_number([ln])), 0)
    extents: dict[int, list[float]] = {}
    for line in lines[body:]:
        for w in line.words:
            span = cols.of(w)
            if len(span) == 1:
                e = extents.setdefault(span[0], [w.x0, w.x1])
                e[0], e[1] = min(e[0], w.x0), max(e[1], w.x1)
    for line in lines[:body]:
        for w in line.words:
            hit = [c for c, (lo, hi) in sorted(extents.items()) if w.x0 < hi and w.x1 > lo]
            if not hit:  # in a gutter: a header over right-aligned numbers sits left of them
                hit = [i + n for i, (lo, hi, n) in enumerate(cols.gutters) if lo <= w.cx <= hi]
            if hit:
                cols.wide[id(w)] = range(hit[0], hit[-1] + 1)
    _centre_titles(lines, body, cols)


def _centre_titles(lines: list[Line], body: int, cols: Columns) -> None:
    for i in range(body - 1):
        bottom = lines[i].y1 - 0.2 * lines[i].height  # sub-headers sit below, not beside
        below = [w for ln in lines[i + 1 : body] if ln.y0 >= bottom for w in ln.words]
        taken = cols.used([lines[i]])
        for word in lines[i].words:
            span = _centred_span(word, below, taken, cols)
            if span is not None:
                cols.wide[id(word)] = span


def _centred_span(word: Word, below: list[Word], taken: set[int], cols: Columns) -> range | None:
    own = cols.of(word)
    if len(own) != 1:
        return None
    c = own[0]
    best: range | None = None
    for a in range(c, -1, -1):
        if a != c and a in taken:
            break
        for b in range(c, cols.n):
            if b != c and b in taken:
                break
            inner = [w for w in below if cols.of(w)[0] >= a and cols.of(w)[-1] <= b]
            if b == a or {c for w in inner for c in cols.of(w)} != set(range(a, b + 1)):
                continue  # every column of the group has a sub-header
            lo, hi = min(w.x0 for w in inner), max(w.x1 for w in inner)
            tol = min(CENTRE_TOL * (hi - lo), 1.5 * word.height)
            if abs((lo + hi) / 2 - word.cx) <= tol:
                best = range(a, b + 1) if best is None or b - a >= len(best) else best
    return best


def bands(lines: list[Line], rules: list[float], cols: Columns) -> list[Row]:
    """Rows: each line, except that a short band between rules is one wrapped row (unless a
    word in it spans columns: then the band is a multi-level header, one row per line)."""
    groups: list[Row] = [[]]
    for line in lines:
        while rules and rules[0] < line.y0 + 0.3 * line.height:
            rules = rules[1:]
            if groups[-1]:
                groups.append([])
        groups[-1].append(line)
    gaps = len(lines) - 1
    dense = gaps > 0 and (len(groups) - 1) / gaps >= 0.6
    grouped = len(groups) >= 2 and (dense or max(len(g) for g in groups) > SHORT_BAND)
    rows: list[Row] = []
    for band in groups:
        if grouped and len(band) <= SHORT_BAND and not cols.spans(band):
            rows.append(band)
        else:
            rows.extend([line] for line in band)
    return rows


def centred(rows: list[Row], cols: Columns) -> tuple[list[Row], list[VMerge]]:
    """Lines centred between two tight neighbours (see module docstring)."""
    out: list[Row] = []
    merges: list[VMerge] = []
    i = 0
    while i < len(rows):
        if 0 < i < len(rows) - 1 and out and _is_centred(out[-1], rows[i], rows[i + 1], cols):
            above, mid, below = out[-1], rows[i], rows[i + 1]
            wrapped = cols.used(above) == cols.used(below) and not cols.spans(above + below)
            above.extend(mid)
            if wrapped:
                above.extend(below)
            else:
                merges.extend((len(out) - 1, c) for c in cols.used(mid))
                out.append(below)
            i += 2
            continue
        out.append(rows[i])
        i += 1
    return out, merges


def _is_centred(above: Row, mid: Row, below: Row, cols: Columns) -> bool:
    h = mid[0].height
    return (
        len(mid) == 1
        and not cols.used(mid) & (cols.used(above) | cols.used(below))
        and _cy(above) < _cy(mid) < _cy(below)
        and _cy(below) - _cy(above) <= 2.0 * h
    )


def wrapped(rows: list[Row], cols: Columns) -> list[Row]:
    """Top-aligned wrapped text joins the row above (see module docstring)."""
    pitches = sorted(_cy(b) - _cy(a) for a, b in pairwise(rows))
    if not pitches:
        return rows
    typical = pitches[len(pitches) // 2]
    out = [rows[0]]
    for row in rows[1:]:
        prev = out[-1]
        if (
            _cy(row) - _cy(prev[-1:]) < 0.8 * typical
            and cols.used(row) <= cols.used(prev)
            and not has_number(row)
        ):
            prev.extend(row)
        else:
            out.append(row)
    return out


def row_edges(rows: list[Row], top: float, bottom: float) -> list[float]:
    ys = [top]
    for above, below in pairwise(rows):
        ys.append((max(ln.y1 for ln in above) + min(ln.y0 for ln in below)) / 2)
    ys.append(bottom)
    return ys


def grid(rows: list[Row], cols: Columns, ys: list[float], down: list[VMerge]) -> Grid:
    """Separators plus merges: spanning words cover their columns; `down` cells also cover
    the position below them."""
    origin: list[list[Cell]] = [[(r, c) for c in range(cols.n)] for r in range(len(rows))]
    for r, row in enumerate(rows):
        for line in row:
            for w in line.words:
                span = cols.of(w)
                for c in span[1:]:
                    origin[r][c] = origin[r][span[0]]
    for r, c in down:
        if origin[r][c] == (r, c) and origin[r + 1][c] == (r + 1, c):
            origin[r + 1][c] = (r, c)
    placed: dict[Cell, list[Word]] = {}
    for r, row in enumerate(rows):  # by the column each word was given, not by its centre
        for line in row:
            for w in line.words:
                placed.setdefault(origin[r][cols.of(w)[0]], []).append(w)
    return Grid(cols.xs, ys, origin, ruled=False, placed=placed)
