"""A performance form printed empty: the indicator header and its 一级/二级 rows, but no
三级指标, no 指标值 (西安 表16 专项资金总体绩效目标表 "printed as a blank template"). Such a section
is recorded as an empty form; it is no irregular table, and nothing in it is for the LLM.

    blank_form(rows, vocab) -> bool
"""

from __future__ import annotations

from worker.performance.grid import GRow
from worker.performance.header import align, find_header, is_header
from worker.performance.vocab import Vocabulary, key

# columns whose text is the form's own skeleton (the MOF template prints the levels)
_SKELETON = {"level1", "level2"}
__all__ = ["blank_form"]


def blank_form(rows: list[GRow], vocab: Vocabulary) -> bool:
    """An indicator header with, below it, nothing printed under its 三级指标 / 指标值 / …
    columns but labels and placeholders (every header of the section: a form continued)."""
    i, seen = 0, False
    while (header := find_header(rows, i, vocab)) is not None:
        seen = True
        filled = {c for slot in header.slots for f, cs in slot.columns.items()
                  if f not in _SKELETON for c in cs}
        j = header.row + 1
        while j < len(rows) and not is_header(rows[j], vocab):
            where = align(header, rows[j])
            for n, cell in enumerate(rows[j].cells):
                if where[n] in filled and _printed(cell.own, vocab):
                    return False
            j += 1
        i = j
    return seen


def _printed(text: str, vocab: Vocabulary) -> bool:
    return not vocab.blank(text) and not vocab.label(text) and key(text) not in vocab.level2
