"""A table continued on the next page: the label its last row wraps onto that page.

A long label wrapped inside its cell is cut by the page break (杭州 收入总表: '杭州市综合交通运输研究'
at the foot of p24, '中心' alone at the top of p25; 江苏 收支总表: '八、社会保障和就' | '业支出'). The
continuation's first row then holds only short text fragments under cells of the row above
that hold text: it is that row's label going on, never a row of its own (nor a header).
"""

from __future__ import annotations

from dataclasses import replace

from worker.layout import Cell
from worker.tables.headers import is_colnum_row
from worker.tables.numbers import Kind, norm, norm_label, parse

MAX_TAIL = 6  # characters of a label's last line carried over a page break


def is_wrapped_tail(above: list[Cell], row: list[Cell]) -> bool:
    """`row` (a continuation's first) only ends the labels of `above` (the page's last row)."""
    filled = [(i, c.text.strip()) for i, c in enumerate(row) if c.text.strip()]
    if not filled or len(row) != len(above) or is_colnum_row([c.text.strip() for c in row]):
        return False
    for i, text in filled:
        over = above[i].text.strip()
        if (
            len(text) > MAX_TAIL
            or parse(text).kind is not Kind.text
            or norm_label(text) != norm(text)
        ):
            return False
        if not over or parse(over).kind is not Kind.text:
            return False
    return True


def join_tail(above: list[Cell], row: list[Cell]) -> list[Cell]:
    """`above` with the fragments of `row` appended to its labels."""
    return [
        replace(a, text=a.text.rstrip() + b.text.strip()) if b.text.strip() else a
        for a, b in zip(above, row, strict=True)
    ]
