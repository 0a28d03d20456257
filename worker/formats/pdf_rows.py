"""Body rows of a table without full ruling, and the assembled grid (see pdf_stream).

Every text line starts as a row; by geometry only, a line joins the row above when it sits
tight against it (much closer than rows sit to each other) and either
- fills only columns the row leaves empty (a single-line cell centred beside a wrapped one), or
- continues cells of the row without a number of its own (wrapped text).
Rules drawn between rows are hard row boundaries; where they are drawn between (nearly) every
row, the lines between two rules are one row.
"""

from __future__ import annotations

from itertools import pairwise

from worker.formats.pdf_columns import Columns, is_number
from worker.formats.pdf_grid import Cell, Grid
from worker.formats.pdf_header import HeaderCell
from worker.formats.pdf_lines import Line
from worker.formats.pdf_page import Word

TIGHT = 0.35  # a gap under this × line height (and under half the usual row gap) is tight
DENSE_RULES = 0.6  # rules between this share of neighbouring lines: every band is a row

Row = list[Line]


def has_number(lines: Row) -> bool:
    return any(is_number(w.text) for line in lines for w in line.words)


def _used(row: Row, cols: Columns) -> set[int]:
    return {c for line in row for w in line.words for c in cols.of(w)}


def _bands(lines: list[Line], rules: list[float]) -> list[Row]:
    """Lines split at the rules between them."""
    bands: list[Row] = [[]]
    for line in lines:
        while rules and rules[0] < line.y0 + 0.3 * line.height:
            rules = rules[1:]
            if bands[-1]:
                bands.append([])
        bands[-1].append(line)
    return [b for b in bands if b]


def body_rows(lines: list[Line], cols: Columns, rules: list[float]) -> list[Row]:
    """The body's lines grouped into rows (see module docstring)."""
    bands = _bands(lines, rules)
    if len(lines) > 1 and (len(bands) - 1) / (len(lines) - 1) >= DENSE_RULES:
        return bands
    gaps = sorted(b.y0 - a.y1 for a, b in pairwise(lines))
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    rows: list[Row] = []
    for band in bands:
        rows.append([band[0]])
        for line in band[1:]:
            if _joins(rows[-1], line, cols, usual):
                rows[-1].append(line)
            else:
                rows.append([line])
    return rows


def _joins(row: Row, line: Line, cols: Columns, usual: float) -> bool:
    gap = line.y0 - max(ln.y1 for ln in row)
    if gap >= min(TIGHT * line.height, 0.5 * usual):
        return False
    used, mine = _used(row, cols), _used([line], cols)
    if not used & mine:
        return True
    return mine <= used and not has_number([line])


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
        for line in row:
            for w in line.words:
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
        spans[cell.row] = (min(y0, cell.y0), max(y1, min(cell.y1, cell.y0 + 1.5 * cell.words[0].height)))
    spans += [(min(ln.y0 for ln in row), max(ln.y1 for ln in row)) for row in rows]
    return spans
