"""A department form's 年度主要任务 table (西安 表15): the rows under a band naming 任务名称 and
主要内容 are tasks, not the department's figures; the row naming their sum (金额合计) gives the
department's budget total.

    band = task_band(row, vocab)      # the band's columns, or None
    band.read(row, vocab)             # what a row below it is
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from worker.performance.grid import GCell, GRow
from worker.performance.header import header_like
from worker.performance.vocab import Vocabulary, key
from worker.tables.numbers import parse

_AMOUNT_UNIT = re.compile(r"\s*(?:万元|元)$")


@dataclass(frozen=True)
class Task:
    name: GCell
    content: GCell | None


@dataclass(frozen=True)
class Total:
    amount: GCell


@dataclass(frozen=True)
class TaskBand:
    columns: dict[str, int]  # Task field → the band's column

    def read(self, row: GRow, vocab: Vocabulary) -> Task | Total | None:
        """A task, the tasks' total, or None for a row of the band itself (总额 | 财政拨款 …);
        raises `EndOfTasks` at a row that is no part of the table."""
        own = [(j, c) for j, c in enumerate(row.cells) if c.own]
        if not own:
            return None
        j, first = own[0]
        k = key(first.own)
        if k in vocab.task_total_rows:
            amount = next((c for _, c in own[1:] if amount_of(c.own) is not None), None)
            return Total(amount) if amount is not None else None
        if header_like(row, vocab):
            return None  # the band's own labels (总额 | 财政拨款 | 其他资金)
        if vocab.label(first.own) or k in vocab.group:
            raise EndOfTasks  # the next part of the form (预算情况 | 部门预算总额 | 691.05)
        if j != self.columns["name"]:
            return None
        content = self.columns.get("content")
        cell = row.cells[content] if content is not None and content < len(row.cells) else None
        return Task(first, cell if cell is not None and cell.own else None)


class EndOfTasks(Exception):
    """The row after the task table."""


def task_band(row: GRow, vocab: Vocabulary) -> TaskBand | None:
    columns: dict[str, int] = {}
    for j, cell in enumerate(row.cells):
        if cell.own and (field := vocab.task.get(key(cell.own))) is not None:
            columns.setdefault(field, j)
    return TaskBand(columns) if "name" in columns else None


def amount_of(text: str) -> str | None:
    """A budget figure printed with or without its unit ("5,093.76万元"): the figure."""
    bare = _AMOUNT_UNIT.sub("", text.strip())
    return bare if parse(bare).value is not None else None
