"""Cells that pack several indicators into one text ("1、1-产出指标；11-数量指标；会议活动保障次数；
…年度指标值:每年≥20场。2、…", 广州): unpacked into indicator rows under a synthetic header, so
the reader sees a list-style table. The pattern is data (`packed_items` in the vocabulary)."""

from __future__ import annotations

from dataclasses import replace

from worker.performance.grid import GCell, GRow
from worker.performance.header import is_header
from worker.performance.vocab import Vocabulary, key

_FIELDS = ("level1", "level2", "name", "value")
_LABELS = ("一级指标", "二级指标", "三级指标", "指标值")


def unpack(rows: list[GRow], vocab: Vocabulary) -> list[GRow]:
    if any(is_header(r, vocab) for r in rows):
        return rows
    out: list[GRow] = []
    column: int | None = None
    for row in rows:
        packed = _packed_column(row, vocab)
        if packed is not None and _header_row(row, vocab):
            column = packed
            cell = row.cells[packed]
            # the packed column's own label goes: its rows are the four columns added
            cells = [*row.cells[:packed], replace(cell, text=""), *row.cells[packed + 1 :]]
            out.append(_extend(GRow(cells, row.block), [GCell(t, cell.page, cell.bbox) for t in _LABELS]))
            continue
        if column is None or column >= len(row.cells):
            out.append(row)
            continue
        out.extend(_expand(row, column, vocab))
    return out


def _packed_column(row: GRow, vocab: Vocabulary) -> int | None:
    return next((j for j, c in enumerate(row.cells) if vocab.indicator.get(key(c.own)) == "combined"), None)


def _header_row(row: GRow, vocab: Vocabulary) -> bool:
    return sum(1 for c in row.cells if vocab.label(c.own)) >= 2


def _extend(row: GRow, cells: list[GCell]) -> GRow:
    return GRow([*row.cells, *cells], row.block)


def _expand(row: GRow, column: int, vocab: Vocabulary) -> list[GRow]:
    cell = row.cells[column]
    items = list(vocab.packed_items.finditer(cell.text)) if cell.own else []
    if not items:
        return [_extend(row, [GCell("", cell.page, cell.bbox)] * 4)]
    rows = []
    for n, match in enumerate(items):
        new = [GCell(match[f].strip(), cell.page, cell.bbox) for f in _FIELDS]
        base = row.cells if n == 0 else [replace(c, up=bool(c.text.strip())) for c in row.cells]
        base = [*base[:column], replace(cell, text="", up=False, left=False), *base[column + 1 :]]
        rows.append(_extend(GRow(base, row.block), new))
    return rows
