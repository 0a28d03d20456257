"""Tables without full ruling: columns from how phrases line up, rows from text lines or rules.

A table shows itself as a run of text lines that break into several phrases at wide gaps.
Column separators are the gutters that no phrase of those lines crosses (numbers may be
right-aligned, labels left-aligned: only the empty stripes matter). Horizontal rules, where
present (three-line tables, rules between every row), bound the table; rows and merged cells
come from `pdf_rows`.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from statistics import median

from worker.formats.pdf_grid import Grid
from worker.formats.pdf_lines import Line, phrases
from worker.formats.pdf_page import Seg, Word
from worker.formats.pdf_rows import (
    NUMBER,
    Columns,
    Gutter,
    bands,
    centred,
    fit_headers,
    grid,
    has_number,
    row_edges,
    wrapped,
)

ROW_GAP = 2.0  # lines further apart than this × line height end a table
MIN_GUTTER = 0.3  # a column gutter is at least this × line height wide
EXTEND_PITCH = 1.3  # a line joins a table from below if no further than this × its line pitch
RULE_SHARE = 0.5  # a rule must span this share of the table width to count

Span = tuple[float, float]


def _runs(lines: list[Line], pieces: list[list[list[Word]]]) -> list[list[int]]:
    """Index runs of nearby lines that start and end with a multi-phrase line (≥ 2 of those)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, line in enumerate(lines):
        near = current and line.y0 - lines[current[-1]].y1 <= ROW_GAP * line.height
        if not near:
            runs.append(current)
            current = []
        if current or len(pieces[i]) >= 2:
            current.append(i)
    runs.append(current)
    out = []
    for run in runs:
        while run and len(pieces[run[-1]]) < 2:
            run.pop()
        if sum(len(pieces[i]) >= 2 for i in run) >= 2:
            out.append(run)
    return out


def _stripes(spans: list[Span], min_width: float) -> list[Span]:
    """Empty x stripes (lo, hi) between the union of spans."""
    stripes: list[Span] = []
    spans = sorted(spans)
    reach = spans[0][1]
    for lo, hi in spans[1:]:
        if lo - reach >= min_width:
            stripes.append((reach, lo))
        reach = max(reach, hi)
    return stripes


def _body(lines: list[Line]) -> list[list[Word]]:
    """The lines that define columns: from the first line holding a number on (headers sit
    anywhere above their column, numbers line up), or all lines of a table without numbers.
    Single-word lines (section labels, spanning titles) say nothing about columns."""
    first = next((i for i, ln in enumerate(lines) if has_number([ln])), 0)
    body = [ln.words for ln in lines[first:] if len(ln.words) >= 2]
    return body if len(body) >= 2 else [ln.words for ln in lines if len(ln.words) >= 2]


def _columns(lines: list[Line], height: float) -> list[Gutter]:
    """Column gutters: x stripes no word of the body lines touches, and whether the column on
    their right holds numbers (right-aligned: a header in the gutter belongs to them).

    Words, not phrases: adjacent columns (a right-aligned code next to a left-aligned name) may
    be closer than a phrase gap, yet the stripe between them stays empty on every line. If a
    few spanning words hide stripes, the most regular lines decide.
    """
    body = _body(lines)
    if not body:
        return []
    words = [w for ws in body for w in ws]
    stripes = _stripes([(w.x0, w.x1) for w in words], MIN_GUTTER * height)
    if len(stripes) + 1 < max(len(ws) for ws in body):
        modal = Counter(len(ws) for ws in body).most_common(1)[0][0]
        regular = [(w.x0, w.x1) for ws in body if len(ws) >= modal for w in ws]
        alt = _stripes(regular, MIN_GUTTER * height)
        stripes = alt if len(alt) > len(stripes) else stripes
    gutters = []
    for i, (lo, hi) in enumerate(stripes):
        end = stripes[i + 1][0] if i + 1 < len(stripes) else float("inf")
        right = [w for w in words if hi <= w.x0 < end]
        numeric = sum(bool(NUMBER.fullmatch(w.text)) for w in right) > len(right) / 2
        gutters.append((lo, hi, numeric))
    return gutters


def _rules_between(rules: list[Seg], x0: float, x1: float, y0: float, y1: float) -> list[float]:
    need = RULE_SHARE * (x1 - x0)
    return sorted(y for y, a, b in rules if y0 <= y <= y1 and min(b, x1) - max(a, x0) >= need)


def _table(lines: list[Line], gutters: list[Gutter], rules: list[Seg]) -> Grid:
    height = median(line.height for line in lines)
    x0, x1 = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    y0, y1 = lines[0].y0, max(ln.y1 for ln in lines)
    around = _rules_between(rules, x0, x1, y0 - 1.5 * height, y1 + 1.5 * height)
    inside = [y for y in around if y0 < y < y1]
    cols = Columns([x0 - 0.5, *((lo + hi) / 2 for lo, hi, _ in gutters), x1 + 0.5], gutters)
    fit_headers(lines, cols)
    rows, down = centred(bands(lines, inside, cols), cols)
    if not down:
        rows = wrapped(rows, cols)
    top = min([y for y in around if y <= y0] or [y0 - 0.1 * height])
    bottom = max([y for y in around if y >= y1] or [y1 + 0.1 * height])
    return grid(rows, cols, row_edges(rows, top, bottom), down)


def _extend(lines: list[Line], last: int, table: list[Line], gutters: list[Gutter]) -> int:
    """Take in the lines below a run that fit its columns (no word over a cut, inside the
    table's width, no further below than the run's usual line pitch allows): rows whose
    cells sit closer than a phrase gap."""
    cuts = [(lo + hi) / 2 for lo, hi, _ in gutters]
    cols = Columns([min(ln.x0 for ln in table), *cuts, max(ln.x1 for ln in table)])
    pitches = sorted(b.cy - a.cy for a, b in pairwise(table)) or [ROW_GAP * table[0].height]
    reach = EXTEND_PITCH * pitches[len(pitches) // 2]
    while last + 1 < len(lines):
        line, prev = lines[last + 1], lines[last]
        h = line.height
        if (
            line.cy - prev.cy > reach
            or line.x0 < cols.xs[0] - h
            or line.x1 > cols.xs[-1] + h
            or cols.spans([line])
        ):
            break
        last += 1
    return last


def _header_start(lines: list[Line], first: int, floor: int, rules: list[Seg]) -> int:
    """Take in header lines above a run: lines stacked tight on it (a spanning group title over
    its sub-columns), and lines below a rule that closes the table at the top."""
    while first > floor and lines[first].y0 - lines[first - 1].y1 <= 0.3 * lines[first].height:
        first -= 1
    line = lines[first]
    x0, x1 = line.x0, line.x1
    above = _rules_between(rules, x0, x1, line.y0 - ROW_GAP * 2 * line.height, line.y0)
    if above:
        top = above[-1]
        while first > floor and lines[first - 1].y0 > top and first > 0:
            first -= 1
    return first


def find_stream_tables(lines: list[Line], rules: list[Seg]) -> list[tuple[Grid, list[Line]]]:
    """Tables among free text lines (sorted top to bottom): each grid with the lines it took."""
    pieces = [phrases(line) for line in lines]
    out = []
    start = 0
    for run in _runs(lines, pieces):
        if run[0] < start:
            continue  # swallowed by the table above
        first = _header_start(lines, run[0], start, rules)
        taken = lines[first : run[-1] + 1]
        height = median(line.height for line in taken)
        gutters = _columns(taken, height)
        if not gutters:
            continue
        last = _extend(lines, run[-1], taken, gutters)
        taken = lines[first : last + 1]
        out.append((_table(taken, gutters, rules), taken))
        start = last + 1
    return out
