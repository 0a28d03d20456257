"""Indicator rows that print more than one indicator, or a numbering before the name.

    split_items(indicators, vocab) -> indicators

西安's forms list parallel items in one row — 三级指标 "物业管理面积；服务人次", 指标值 "17839平方米；
每天3000人次" — one indicator per item, as the ministry's template means them. A row is split only
when its name and its value list as many items (≥ 2); a cell listing as many items is split with
them, any other cell is shared. "指标1：" / "指标：" before a name is numbering, not name. The
separator and the numbering are data (schemas/reference/performance.yaml).
"""

from __future__ import annotations

from worker.performance.reader import Item
from worker.performance.vocab import Vocabulary

__all__ = ["split_items"]


def split_items(indicators: list[dict[str, Item]], vocab: Vocabulary) -> list[dict[str, Item]]:
    out: list[dict[str, Item]] = []
    for row in indicators:
        if "name" in row:
            name = row["name"]
            row = row | {"name": Item(vocab.name_numbering.sub("", name.text).strip(), name.cell)}
        out += _split(row, vocab)
    return out


def _split(row: dict[str, Item], vocab: Vocabulary) -> list[dict[str, Item]]:
    if "name" not in row or "value" not in row:
        return [row]
    parts = {f: [p.strip() for p in vocab.item_separator.split(it.text)] for f, it in row.items()}
    n = len(parts["name"])
    if n < 2 or len(parts["value"]) != n or not all(parts["name"]) or not all(parts["value"]):
        return [row]
    return [
        {f: Item(parts[f][k], it.cell) if len(parts[f]) == n else it for f, it in row.items()}
        for k in range(n)
    ]
