"""A table continued on the next page: the label its last row wraps onto that page, and a
continuation drawn on fewer columns.

A long label wrapped inside its cell is cut by the page break (杭州 收入总表: '杭州市综合交通运输研究'
at the foot of p24, '中心' alone at the top of p25; 江苏 收支总表: '八、社会保障和就' | '业支出'). The
continuation's first row then holds only short text fragments under cells of the row above
that hold text: it is that row's label going on, never a row of its own (nor a header).

The same cut happens inside one block whose rows run over the page break (江苏人大 收支总表 p7→p8:
'八、社会保障和就' | '业支出'): `join_page_breaks` joins those rows when the joined label is one the
vocabulary knows and the cut one is not (a short row of its own opening the page — 江苏人大 收入
总表 p10 '其他非税收入' under '专户管理教育收费' — stays a row).

A continuation may also be drawn without the column lines its merged cells cover (江苏 收支总表
p9: 4 columns under the 6 of p7–8, 结转下年资金 over both expenditure panels): where each of its
cells starts where a column of the table starts, it is read on the table's columns, a cell
covering the columns that start inside it.
"""

from __future__ import annotations

from dataclasses import replace

from worker.layout import Cell
from worker.tables.headers import is_colnum_row
from worker.tables.numbers import Kind, norm, norm_label, parse
from worker.tables.rows import known_label

MAX_TAIL = 6  # characters of a label's last line carried over a page break
EDGE = 2.0  # points: a cell starts where a column starts


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


def spread(first: list[list[Cell]], rows: list[list[Cell]]) -> list[list[Cell]] | None:
    """`rows` on the columns of `first` (the table's first part), when every cell of theirs
    starts at one of its columns; None otherwise."""
    starts = [c.bbox[0] if c.bbox else None for c in first[-1]] if first else []
    if not starts or None in starts or not rows or len(rows[0]) >= len(starts):
        return None
    out: list[list[Cell]] = []
    moved: list[list[int]] = []  # per row: the new column of each old one
    for r, row in enumerate(rows):
        cols = [_column(starts, cell) for cell in row]
        if None in cols or cols != sorted(set(cols)):  # type: ignore[type-var]
            return None
        moved.append(cols)  # type: ignore[arg-type]
        new = [Cell("", page=row[0].page) for _ in starts]
        for cell, c in zip(row, cols, strict=True):
            assert c is not None and cell.bbox is not None
            if cell.origin is not None:
                r0, c0 = cell.origin
                cell = replace(cell, origin=(r0, moved[r0][c0]) if r0 <= r else None)
            new[c] = cell
            for j in range(c + 1, len(starts)):
                if j in cols or starts[j] >= cell.bbox[2] - EDGE:  # type: ignore[operator]
                    break
                new[j] = Cell("", page=cell.page, origin=cell.origin or (r, c))
        out.append(new)
    return out


def _column(starts: list[float | None], cell: Cell) -> int | None:
    if cell.bbox is None:
        return None
    gap, col = min((abs(x - cell.bbox[0]), c) for c, x in enumerate(starts) if x is not None)
    return col if gap <= EDGE else None


def join_page_breaks(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Rows of one block: a row opening a page that only ends the labels of the row above
    (the last of the page before) joined to it; merge origins below moved up."""
    out: list[list[Cell]] = []
    dropped: list[int] = []  # indices (in `rows`) of the rows joined away
    for r, row in enumerate(rows):
        if out and _page(row) != _page(rows[r - 1]) and _cut_label(out[-1], row):
            out[-1] = join_tail(out[-1], row)
            dropped.append(r)
        else:
            out.append(row)
    if not dropped:
        return rows
    return [[_moved(c, dropped) for c in row] for row in out]


def _cut_label(above: list[Cell], row: list[Cell]) -> bool:
    if not is_wrapped_tail(above, row):
        return False
    cut = [(a.text, b.text) for a, b in zip(above, row, strict=True) if b.text.strip()]
    return all(known_label(a.strip() + b.strip()) and not known_label(a) for a, b in cut)


def _page(row: list[Cell]) -> int | None:
    return next((c.page for c in row if c.page is not None), None)


def _moved(cell: Cell, dropped: list[int]) -> Cell:
    if cell.origin is None:
        return cell
    r, c = cell.origin
    if r in dropped:
        return replace(cell, origin=None)
    return replace(cell, origin=(r - sum(1 for d in dropped if d < r), c))
