"""The header of a table without vertical rules: which columns each header cell spans.

Lines are placed from the body up (sub-headers before the titles over them). A header text (a
word, words apart by a space, or the stacked lines of one wrapped cell) covers:
- the one column whose body content it overlaps (figures may be narrower than their header);
- in a gutter, the neighbour column whose cell it can sit centred in (or flush left, when the
  line sets its texts so), given that column's flush edge; else a column of its own (one the
  body leaves empty), unless a column-number row shows every column there is;
- for a group title: the narrowest run of columns its sub-headers tile and it is centred over,
  widened over sibling sub-headers (`pdf_header_fit`); a column with no header at all beside
  such a title is the title's own (a group merged with its own column, as an L).
A line with text over several columns but centred over none, or a text needing a column of
its own right on top of other header text (`单位：万元` over the last column), is not header:
the table starts below it. Header rows are the lines that start cells; a line sitting between
two such rows in columns they leave empty holds cells spanning both.
"""

from __future__ import annotations

from itertools import pairwise

from worker.formats.pdf.columns import PAD, Column, Columns
from worker.formats.pdf.header_fit import (
    HeaderCell,
    centred,
    could_head,
    group_span,
    set_left,
)
from worker.formats.pdf.lines import Line, phrases
from worker.formats.pdf.page import Word

PIECE_GAP = 0.2  # words closer than this × line height are one header text
JOIN_GAP = 1.5  # header words further apart than this × line height are not one header
OVERLAP = 0.15  # ... and the lines of one cell overlap by less than this × line height
WRAP_GAP = 0.3  # stacked lines closer than this × line height are one wrapped header cell


def _pieces(line: Line) -> list[list[Word]]:
    return phrases(line, PIECE_GAP)


def _stack(lines: list[Line], height: float) -> list[HeaderCell]:
    """Header texts, the lines of one wrapped cell stacked into one."""
    cells: list[HeaderCell] = []
    for i, line in enumerate(lines):
        for piece in _pieces(line):
            x0, x1 = piece[0].x0, piece[-1].x1
            y0 = min(w.y0 for w in piece)
            above = next(
                (
                    c
                    for c in cells
                    if -OVERLAP * height <= y0 - c.y1 < WRAP_GAP * height
                    and c.line < i
                    and (abs((x0 + x1) / 2 - c.cx) < 0.5 * height or abs(x0 - c.x0) < 0.3 * height)
                ),
                None,
            )
            if above is not None:
                above.words.extend(piece)
            else:
                cells.append(HeaderCell(list(piece), i))
    return cells


def build_header(
    lines: list[Line], cols: Columns, numbered: float = float("inf")
) -> tuple[list[HeaderCell], int]:
    """Header cells with their column spans and rows, and the index of the first of `lines`
    that is header (lines above it do not fit the columns). Lines are placed from the body up:
    sub-headers before the group titles over them. `numbered`: where a column-number row starts;
    right of it every column is known, a text that needs another is no header."""
    cells = _stack(lines, cols.height)
    accepted: list[HeaderCell] = []
    first = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        mine = sorted((c for c in cells if c.line == i), key=lambda c: c.x0)
        if not _place_line(mine, accepted, cols, numbered):
            break
        accepted += mine
        first = i
        _widen_table(mine, cols)
        for cell in mine:  # leaf headers show where the borders of their columns are
            if cell.first is not None and cell.first is cell.last and cell.first.words:
                cols.border_from(cols.cols.index(cell.first), cell.cx)
    cols.header_words.update(w.text for c in accepted for w in c.words)
    _adopt_orphans(accepted, cols)
    for cell in accepted:
        cell.span = cell.cols(cols)
        cell.line -= first
    _rows(accepted)
    return accepted, first


def _widen_table(cells: list[HeaderCell], cols: Columns) -> None:
    """Header text over the outer columns shows where the table's edges are at least."""
    pad = PAD * cols.height
    left = min((c.x0 - pad for c in cells), default=cols.left)
    right = max((c.x1 + pad for c in cells), default=cols.right)
    if left < cols.left or right > cols.right:
        cols.left, cols.right = min(cols.left, left), max(cols.right, right)
        cols.separate()


def _between(cells: list[HeaderCell]) -> None:
    i = 1
    while True:
        lines = sorted({c.line for c in cells})
        if i + 1 >= len(lines):
            return
        above, mid, below = lines[i - 1 : i + 2]
        own = [c for c in cells if c.line == mid]
        cols = {k for c in own for k in c.span}
        if any(c.line in (above, below) and set(c.span) & cols for c in cells):
            i += 1
            continue
        for c in own:
            c.line, c.between = above, True


def _adopt_orphans(cells: list[HeaderCell], cols: Columns) -> None:
    """A column with body content and no header text next to a group title centred over it
    and the group's columns: the title is its header too (a title over its own column and
    its sub-columns, merged as an L)."""
    for cell in cells:
        cell.span = cell.cols(cols)
    covered = {k for c in cells for k in c.span}
    for k in (k for k in range(cols.n) if k not in covered and cols.cols[k].words):
        for cell in sorted(cells, key=lambda c: len(c.span)):
            span = _adopting(cell, k, cells, cols)
            if span is not None:
                cell.place(cols, span.start, span.stop - 1)
                cell.span = span
                break


def _adopting(cell: HeaderCell, k: int, cells: list[HeaderCell], cols: Columns) -> range | None:
    """The narrowest run of columns with cell's own and column k, the others only under the
    title, that the title is centred over."""
    low = cell.y1 - 0.2 * cols.height
    under = {j for c in cells if c.y0 >= low for j in c.span}
    level = {j for c in cells if c.y0 < low and c.y1 > cell.y0 and c is not cell for j in c.span}
    if not under & set(cell.span):
        return None  # not a title: no sub-header
    lo, hi = min(cell.span.start, k), max(cell.span.stop - 1, k)
    for size in range(hi - lo + 1, hi - lo + 4):
        for a in range(max(0, hi - size + 1), lo + 1):
            b = a + size - 1
            if b >= cols.n or set(range(a, b + 1)) & level:
                continue
            if centred(cell.x0, cell.x1, cols, a, b):
                return range(a, b + 1)
    return None


def _place_line(
    mine: list[HeaderCell], below: list[HeaderCell], cols: Columns, numbered: float
) -> bool:
    """Give each cell of one header line its columns; False if the line is no header line."""
    new: list[HeaderCell] = []
    flush = set_left(mine, cols)
    for cell in mine:
        under = [c for c in below if c.y0 >= cell.y1 - 0.2 * cols.height]
        for c in under:
            c.span = c.cols(cols)
        span = _span(cell, mine, under, cols, flush)
        if span is False:
            return False
        if span is None:
            new.append(cell)
        else:
            cell.place(cols, span.start, span.stop - 1)
    _crowded(mine, new, cols)
    for cell in list(new):  # words of one header apart by a space: join them
        if cell in new:
            _join_neighbour(cell, mine, new, cols)
    if any(cell.x1 > numbered for cell in new):
        return False
    for cell in new:  # columns the body leaves empty: insert only once the line is accepted
        k = cols.insert(Column(cell.x0, cell.x1, "centre"))
        cell.place(cols, k, k)
    return True


def _spacey(order: list[HeaderCell], j: int, height: float) -> bool:
    """Is the gap after order[j] one a space makes inside a header, not one between cells:
    narrow, and narrower than the line's gaps around it?"""
    gaps = [b.x0 - a.x1 for a, b in pairwise(order)]
    around = [gaps[k] for k in (j - 1, j + 1) if 0 <= k < len(gaps)]
    return gaps[j] <= JOIN_GAP * height and not (around and gaps[j] > 0.6 * min(around))


def _crowded(line: list[HeaderCell], new: list[HeaderCell], cols: Columns) -> None:
    """Two texts of a line placed over one column: words of one header apart by a space
    are joined; otherwise the one further from the column's content needs a column of its
    own (a column the body leaves empty beside one with content)."""
    order = sorted((c for c in line if c not in new), key=lambda c: c.x0)
    j = 0
    while j + 1 < len(order):
        a, b = order[j], order[j + 1]
        col = a.first
        if col is None or col is not a.last or col is not b.first or col is not b.last:
            j += 1
            continue
        if _spacey(order, j, cols.height):
            a.words = sorted(a.words + b.words, key=lambda w: w.x0)
            line.remove(b)
            order.pop(j + 1)
            continue
        if col.words:
            far = max((a, b), key=lambda c: abs(c.cx - col.cx))
            far.first = far.last = None
            new.append(far)
            order.remove(far)
            continue
        j += 1


def _join_neighbour(
    cell: HeaderCell, line: list[HeaderCell], new: list[HeaderCell], cols: Columns
) -> None:
    """A text no column could have centred may be one word of a header spread by spaces
    ("项  目", "科目 编码"): join it to the next text left or right when the two together
    sit centred over one column."""
    order = sorted(line, key=lambda c: c.x0)
    i = order.index(cell)
    for j in (i - 1, i):  # the gap before the cell, the gap after it
        if not 0 <= j < len(order) - 1 or not _spacey(order, j, cols.height):
            continue
        other = order[j] if j < i else order[j + 1]
        both = HeaderCell(sorted(other.words + cell.words, key=lambda w: w.x0), other.line)
        if other in new:
            c = cols.col(both.cx)
            ks = [k for k in (c, c - 1, c + 1) if 0 <= k < cols.n]
        elif other.first is not None and other.first is other.last:
            ks = [cols.cols.index(other.first)]
        else:
            continue
        rest = [c for c in line if c is not cell and c is not other]
        k = next((k for k in ks if could_head(both, cols, k, rest)), None)
        if k is None:
            continue
        other.words = both.words
        line.remove(cell)
        new.remove(cell)
        if other in new:
            new.remove(other)
            other.place(cols, k, k)
        return


def _span(
    cell: HeaderCell,
    line: list[HeaderCell],
    under: list[HeaderCell],
    cols: Columns,
    flush: bool = False,
) -> range | bool | None:
    """The columns of one header text: a range; None for a new column; False: not a header."""
    pad = 0.1 * cols.height
    x0, x1 = cell.x0 + pad, cell.x1 - pad
    hit = cols.touched(x0, x1)
    if under:  # perhaps a group title over sub-headers
        group = group_span(cell, under, cols)
        if group is not None:
            return group
    if len(hit) > 1 and not centred(x0, x1, cols, hit[0], hit[-1]):
        return False
    if hit:
        return range(hit[0], hit[-1] + 1)
    c = cols.col(cell.cx)
    near = [k for k in (c, c - 1, c + 1) if 0 <= k < cols.n]
    others = [c for c in line if c is not cell]
    head = next((range(k, k + 1) for k in near if could_head(cell, cols, k, others, flush)), None)
    if head is None and any(c.x0 < cell.x1 and c.x1 > cell.x0 for c in under):
        return False  # a column of its own must not sit on top of other header text
    return head


def _rows(cells: list[HeaderCell]) -> None:
    """Header rows: one per line that starts a cell, except a line whose cells sit between
    the lines above and below in columns those leave empty (cells centred over two rows):
    its cells start in the row above. Every cell reaches down over empty positions."""
    _between(cells)
    starts = sorted({c.line for c in cells})
    index = {line: r for r, line in enumerate(starts)}
    taken: dict[tuple[int, int], HeaderCell] = {}
    for cell in sorted(cells, key=lambda c: (c.line, c.span.start)):
        cell.row = index[cell.line]
        for k in cell.span:
            taken.setdefault((cell.row, k), cell)
    n_rows = len(starts)
    for cell in cells:
        r = cell.row
        while r + 1 < n_rows and all((r + 1, k) not in taken for k in cell.span):
            r += 1
            for k in cell.span:
                taken[(r, k)] = cell
        cell.rows = r - cell.row + 1
    for cell in cells:
        _reach_up(cell, taken)


def _reach_up(cell: HeaderCell, taken: dict[tuple[int, int], HeaderCell]) -> None:
    """A text on a row line that reaches down over d empty rows and has d empty rows above is
    centred over all of them: a cell spanning every header row starts at the top."""
    down = cell.rows - 1
    up = 0
    while up < down and cell.row - up > 0:
        if any((cell.row - up - 1, k) in taken for k in cell.span):
            break
        up += 1
    if cell.between or not down or up != down:
        return
    for r in range(cell.row - up, cell.row):
        for k in cell.span:
            taken[(r, k)] = cell
    cell.row, cell.rows = cell.row - up, cell.rows + up
