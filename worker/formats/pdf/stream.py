"""Tables without full ruling: where they are, and their grid (columns, header, rows).

A table shows itself as a run of lines of one type size at row spacing, at least two of which
break into cells (wide gaps, or figures standing apart); a title (another size) or a wide gap
ends it, and a header repeated under a finished part starts another. Inside the run:
- the body starts at the first line holding a figure (header texts hold none); its words give
  the columns (`pdf_columns`);
- header lines above it are taken in while they fit the columns (`pdf_header`), up to a rule
  closing the table at the top or a `部门：…  单位：万元` line spread over its width;
- a column-number row (栏次 1 2 3 …) says nothing about where columns are, but numbers each
  one: a number no body column accounts for adds a column the body leaves blank;
- body lines become rows (`pdf_rows`); horizontal rules (three-line tables, rules between rows)
  bound the table and split rows.
`restream` reads a part continued elsewhere on the columns of the part before (pdf.py).
"""

from __future__ import annotations

from itertools import pairwise
from statistics import median

from worker.formats.pdf.colnums import INT, add_numbered_columns, is_colnum_row, place_colnums
from worker.formats.pdf.columns import MIN_GUTTER, PAD, Columns, find_columns, is_number
from worker.formats.pdf.grid import Grid
from worker.formats.pdf.header import build_header
from worker.formats.pdf.header_fit import HeaderCell
from worker.formats.pdf.lines import Line, phrases
from worker.formats.pdf.page import Seg
from worker.formats.pdf.rows import assemble, body_rows

ROW_GAP = 2.0  # lines further apart than this × line height are not one table
SIZE_TOL = 0.12  # lines of one table have heights within this share of each other
HEADER_GAP = 1.6  # header lines sit no further apart than this × the usual gap between rows
EXTEND_PITCH = 1.3  # a line joins a table from below if no further than this × its line pitch
RULE_SHARE = 0.5  # a rule must span this share of the table width to count


def _blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of consecutive lines of one type size with no wide gap between them."""
    blocks: list[list[Line]] = []
    for line in lines:
        if blocks:
            last = blocks[-1]
            h = median(ln.height for ln in last[-5:])
            gap = line.y0 - max(ln.y1 for ln in last[-3:])
            if abs(line.height - h) <= SIZE_TOL * h and gap <= ROW_GAP * h:
                last.append(line)
                continue
        blocks.append([line])
    return blocks


def _multi(line: Line) -> bool:
    """A line that breaks into cells: phrases apart by wide gaps, or a figure standing
    apart from other text (neighbouring columns may sit close)."""
    if len(phrases(line)) >= 2:
        return True
    gap = MIN_GUTTER * line.height
    return any(
        b.x0 - a.x1 >= gap and (_figure(a.text) or _figure(b.text)) for a, b in pairwise(line.words)
    )


def _figure(text: str) -> bool:
    return is_number(text) and not text.isdigit()


def _numeric(line: Line) -> bool:
    return any(is_number(w.text) for w in line.words) and not is_colnum_row(line)


def _rules_between(rules: list[Seg], x0: float, x1: float, y0: float, y1: float) -> list[Seg]:
    need = RULE_SHARE * (x1 - x0)
    return sorted(r for r in rules if y0 <= r[0] <= y1 and min(r[2], x1) - max(r[1], x0) >= need)


def find_stream_tables(lines: list[Line], rules: list[Seg]) -> list[tuple[Grid, list[Line]]]:
    """Tables among free text lines (sorted top to bottom): each grid with the lines it took."""
    out = []
    for block in _blocks(lines):
        while block:
            cut = _next_header(block)
            found = _table(block[:cut], rules)
            if found is not None:
                out.append(found)
            block = block[cut:]
    return out


def _next_header(block: list[Line]) -> int:
    """Where a second table starts in a run of lines (a header repeated under a finished
    part, say): after the body began, a line without numbers whose words sit where numbers
    were. Returns the index after the last numeric line before it, or len(block)."""
    spots: list[tuple[float, float]] = []
    last = None
    for i, line in enumerate(block):
        numbers = [w for w in line.words if is_number(w.text)]
        if numbers and not is_colnum_row(line):
            spots += [(w.x0, w.x1) for w in numbers]
            last = i
            continue
        over = sum(1 for w in line.words if any(w.x0 < b and w.x1 > a for a, b in spots))
        if last is not None and not numbers and over >= 2:
            cut = last + 1  # the wrapped lines of the last row's cells stay with it
            while cut < i and block[cut].y0 - block[cut - 1].y1 < 0.35 * block[cut].height:
                cut += 1
            return cut
    return len(block)


def restream(lines: list[Line], rules: list[Seg], columns: Columns) -> Grid | None:
    """The table of `lines` (a part continued from another page) on the columns of its first
    part; None if the text does not fit them: another type size, a word outside the table or
    over the content of two columns, a column it would need that the first part lacks."""
    h = columns.height
    for line in lines:
        if abs(line.height - h) > SIZE_TOL * h:
            return None
        for w in line.words:
            inside = columns.xs[0] - h <= w.x0 and w.x1 <= columns.xs[-1] + h
            if not inside or len(columns.touched(w.x0 + 0.1 * h, w.x1 - 0.1 * h)) > 1:
                return None
    given = columns.copy()
    found = _table(lines, rules, given)
    if found is None or given.n != columns.n or len(found[1]) != len(lines):
        return None
    return found[0]


def _table(
    block: list[Line], rules: list[Seg], given: Columns | None = None
) -> tuple[Grid, list[Line]] | None:
    """The table in a run of lines, and the lines it took; on `given` columns (a part
    continued from another) any line may be a row."""
    if given is not None:
        multi = list(range(len(block)))
    else:
        multi = [i for i, ln in enumerate(block) if _multi(ln)]
        if len(multi) < 2:
            return None
    start = _body_start(block, multi, given)
    core = block[start : multi[-1] + 1]
    height = median(ln.height for ln in core)
    x0, x1 = min(ln.x0 for ln in core), max(ln.x1 for ln in core)
    around = _rules_between(rules, x0, x1, block[0].y0 - 1.5 * height, block[-1].y1 + 1.5 * height)
    cols = given or _columns(core, height, around)
    if cols is None:
        return None
    head, header, colnums = _head(block[:start], core, cols, [r[0] for r in around])
    body = colnums + core + _tail(block[multi[-1] + 1 :], core, cols)
    taken = head + body
    y0, y1 = min(ln.y0 for ln in taken), max(ln.y1 for ln in taken)
    ys = [r[0] for r in around]
    grid = assemble(
        header,
        body_rows(body, cols, [y for y in ys if body[0].y0 < y < y1]),
        cols,
        max([y for y in ys if y <= y0] or [y0 - 0.1 * height]),
        min([y for y in ys if y >= y1] or [y1 + 0.1 * height]),
    )
    grid.columns = cols
    return grid, taken


def _columns(core: list[Line], height: float, rules: list[Seg]) -> Columns | None:
    """The body's columns (a column-number row says nothing of where they are)."""
    edges = (min(r[1] for r in rules), max(r[2] for r in rules)) if rules else None
    body = [ln.words for ln in core if not is_colnum_row(ln)] or [ln.words for ln in core]
    return find_columns(body, height, edges)


def _head(
    above: list[Line], core: list[Line], cols: Columns, rules: list[float]
) -> tuple[list[Line], list[HeaderCell], list[Line]]:
    """The header lines over the body, the header cells, and the column-number rows; a
    column-number row adds the columns the body leaves blank first."""
    zone = _near(above, core, cols.height)
    numbered = [ln for ln in zone + core if is_colnum_row(ln)]
    for line in numbered:
        add_numbered_columns(line, cols)
    zone = _below_captions(zone, core, cols, [y for y in rules if y < core[0].y0])
    head = [ln for ln in zone if not is_colnum_row(ln)]
    ints = [w.x0 for ln in numbered for w in ln.words if INT.fullmatch(w.text)]
    header, first = build_header(head, cols, min(ints, default=float("inf")))
    head = head[first:]
    top = head[0].y0 if head else core[0].y0
    colnums = [ln for ln in zone if is_colnum_row(ln) and ln.y0 >= top]
    for line in colnums:
        place_colnums(line, cols)
    return head, header, colnums


def _body_start(block: list[Line], multi: list[int], given: Columns | None = None) -> int:
    """The first body line: the first holding a number (else the column-number row of an
    empty table; else, on known columns, the first with text set flush like their content;
    else the first multi-phrase line), and lines above that share its row (the first line of
    a wrapped label beside centred numbers)."""
    start = next((i for i, ln in enumerate(block) if _numeric(ln)), None)
    if given is not None:  # on known columns a label row may come before any figure
        flush = next((i for i, ln in enumerate(block) if _flush(ln, given)), None)
        start = min(i for i in (start, flush, len(block)) if i is not None)
        start = None if start == len(block) else start
    if start is None or start > multi[-1]:
        start = next((i for i, ln in enumerate(block) if is_colnum_row(ln)), None)
        start = multi[0] if start is None else start
        return start if start <= multi[-1] else multi[0]
    while start > 0 and block[start - 1].y1 > block[start].y0 + 0.2 * block[start].height:
        start -= 1
    return start


def _flush(line: Line, cols: Columns) -> bool:
    """Does a word of the line sit flush with the labels of its column, as body text does
    (headers are centred; a figure flush right may be as wide as the header above it)?"""
    tol = 0.15 * cols.height
    if all(w.text in cols.header_words for w in line.words):
        return False  # the header of the part before, repeated
    for w in line.words:
        span = cols.of(w)
        col = cols.cols[span[0]]
        if len(span) == 1 and col.words and col.align == "left" and abs(w.x0 - col.x0) <= tol:
            return True
    return False


def _below_captions(
    zone: list[Line], core: list[Line], cols: Columns, rules: list[float]
) -> list[Line]:
    """The header candidates below the table's top edge: below the upper of two rules over
    the body (the top rule of a three-line table or of ruled rows; the lower one closes the
    header), and below a `部门：…  单位：万元` line: two or three texts reaching past
    everything under it on both sides, set apart from the line below (header lines of cells
    centred over several rows interleave)."""
    if len(rules) >= 2 and any(ln.y0 > min(rules) for ln in zone):
        zone = [ln for ln in zone if ln.y0 > min(rules)]
    height = cols.height
    out = 0.5 * PAD * height
    left = min(min(ln.x0 for ln in core), cols.cols[0].x0)
    right = max(max(ln.x1 for ln in core), cols.cols[-1].x1)
    below = core[0]
    for i in range(len(zone) - 1, -1, -1):
        line = zone[i]
        spread = line.x0 < left - out and line.x1 > right + out and 2 <= len(phrases(line)) <= 3
        apart = below.y0 - line.y1 > 0.2 * height
        if spread and apart and not is_colnum_row(line):
            return zone[i + 1 :]
        left, right = min(left, line.x0), max(right, line.x1)
        below = line
    return zone


def _near(above: list[Line], core: list[Line], height: float) -> list[Line]:
    """The lines above the body that stack onto it no further apart than its rows are (a
    title of the table's type size sits further up)."""
    gaps = sorted(g for a, b in pairwise(core) if (g := b.y0 - a.y1) > -0.2 * height)
    usual = gaps[len(gaps) // 2] if gaps else ROW_GAP * height
    limit = max(HEADER_GAP * usual, 0.5 * height)
    taken: list[Line] = []
    for line in reversed(above):
        if (taken[0] if taken else core[0]).y0 - line.y1 > limit:
            break
        taken.insert(0, line)
    return taken


def _tail(after: list[Line], core: list[Line], cols: Columns) -> list[Line]:
    """Lines after the last multi-phrase line that are rows too (a label-only last row): they
    fit the columns (no word over a separator, inside the table) and follow at the pitch."""
    steps = [b.y0 - a.y0 for a, b in pairwise(core)]
    pitches = sorted(p for p in steps if p > 0.8 * cols.height) or sorted(steps) or [0.0]
    reach = EXTEND_PITCH * pitches[len(pitches) // 2]  # the row pitch (not wrapped lines')
    out: list[Line] = []
    prev = core[-1]
    for line in after:
        fits = all(len(cols.of(w)) == 1 for w in line.words) and (
            cols.xs[0] - line.height <= line.x0 and line.x1 <= cols.xs[-1] + line.height
        )
        if not fits or line.y0 - prev.y0 > reach:
            break
        out.append(line)
        prev = line
    return out
