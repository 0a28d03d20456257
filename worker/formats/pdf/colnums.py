"""Column-number rows (栏次 1 2 3 …) of tables without vertical rules (see pdf_stream).

Such a row numbers every column, blank ones too, so it shows columns the body leaves empty;
its numbers are set like figures (flush right), so where each sits says little about which
column's centre it is nearest to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from worker.formats.pdf.columns import Column, Columns
from worker.formats.pdf.lines import Line
from worker.formats.pdf.page import Word

INT = re.compile(r"\d{1,3}")


def is_colnum_row(line: Line) -> bool:
    """栏次 1 2 3 …: consecutive small integers, maybe after a short label."""
    if line.colnum is None:
        line.colnum = _colnums(line)
    return line.colnum


def _colnums(line: Line) -> bool:
    if len(line.words) < 2:
        return False
    ints = [int(w.text) for w in line.words if INT.fullmatch(w.text)]
    labels = [w for w in line.words if not INT.fullmatch(w.text)]
    return (
        len(ints) >= 2
        and all(b == a + 1 for a, b in pairwise(ints))
        and len(labels) <= 2
        and all(len(w.text) <= 3 for w in labels)
    )


def _colnum_cost(w: Word, cols: Columns, k: int) -> float:
    """How far a column number is from where column k would print it: on its content, flush
    right against its right border, or centred."""
    if k in cols.touched(w.x0, w.x1):
        return 0.0
    lo, hi = cols.region(k, k)
    return min(abs(w.x1 + 0.3 * cols.height - hi), abs(w.cx - (lo + hi) / 2))


def _colnum_tol(cols: Columns, k: int) -> float:
    return 0.5 * cols.height + cols.slack[k + 1]


def add_numbered_columns(line: Line, cols: Columns) -> None:
    """A column number no body column accounts for numbers a column the body leaves empty.
    Numbers on a column's content account for it first; the others take the free column
    that would print them where they are, if one is near enough."""
    ints = [w for w in line.words if INT.fullmatch(w.text)]
    taken = {hit[0] for w in ints if (hit := cols.touched(w.x0, w.x1))}
    loose = [w for w in ints if not cols.touched(w.x0, w.x1)]
    new = []
    for w in loose:
        free = [k for k in range(cols.n) if k not in taken]
        k = min(free, key=lambda k: _colnum_cost(w, cols, k) / _colnum_tol(cols, k), default=None)
        if k is not None and _colnum_cost(w, cols, k) <= _colnum_tol(cols, k):
            taken.add(k)
        else:
            new.append(w)
    for w in new:
        cols.insert(Column(w.x0, w.x1, "right", 1))


def place_colnums(line: Line, cols: Columns) -> None:
    """Column numbers (栏次 1 2 3 …) go one to a column, in order: each where it ends at the
    column's right border (set flush right) or sits at its centre, whichever fits better.
    Over a left-aligned label column a flush-right number is far from the labels, so where
    its centre falls says little."""
    ints = [w for w in line.words if INT.fullmatch(w.text)]

    best = _monotone(len(ints), cols.n, lambda i, k: _colnum_cost(ints[i], cols, k))
    for w, k in zip(ints, best, strict=True):
        cols.wide[id(w)] = range(k, k + 1)


def _monotone(n: int, m: int, cost: Callable[[int, int], float]) -> list[int]:
    """Assign items 0..n-1 to strictly increasing slots of 0..m-1 at least total cost."""
    if n > m:
        return [min(i, m - 1) for i in range(n)]
    inf = float("inf")
    table = [[inf] * m for _ in range(n)]  # table[i][k]: best cost with item i in slot k
    for i in range(n):
        for k in range(i, m - (n - 1 - i)):
            before = 0.0 if i == 0 else min(table[i - 1][:k], default=inf)
            table[i][k] = before + cost(i, k)
    out = [0] * n
    k = m
    for i in range(n - 1, -1, -1):
        k = min(range(i, k), key=lambda j: table[i][j])
        out[i] = k
    return out
