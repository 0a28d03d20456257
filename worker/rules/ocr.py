"""OCR'd numbers a reviewer must check against the scan.

One test of "low confidence" is shared by the catalogue rule below, the misread post-pass
(worker/rules/misread.py) and the Review UI (through worker/services/review.py): an OCR'd cell that prints
a digit, whose confidence is under the threshold, and that no reviewer has corrected or confirmed
yet. The threshold is the catalogue rule's `threshold` param, else LOW_CONFIDENCE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from schemas import Finding, Row, Table, Value, ValueStatus
from worker.rules import Rule, catalogue, template
from worker.rules.index import (
    Index,
    cell_where,
    column_name,
    finding,
    location,
    row_name,
    table_name,
)

TEMPLATE = "ocr_low_confidence"
_DIGIT = re.compile(r"\d")
_LISTED = 5  # cells named in the message; the locations list them all
LOW_CONFIDENCE = 0.8  # an OCR'd number below this is checked by a reviewer


def threshold(rules: Iterable[Rule] | None = None) -> float:
    """The confidence below which an OCR'd number needs a reviewer: the rule's param (among
    `rules`, else the catalogue), else LOW_CONFIDENCE."""
    for rule in (*(rules or ()), *catalogue()):
        if rule.check == TEMPLATE and "threshold" in rule.params:
            return float(rule.params["threshold"])
    return LOW_CONFIDENCE


def unchecked(value: Value) -> bool:
    """An OCR'd value no reviewer has corrected or confirmed yet."""
    return value.confidence is not None and value.status == ValueStatus.extracted


def is_low(value: Value, limit: float) -> bool:
    """An OCR'd number below `limit` that still needs checking against the scan."""
    return (
        unchecked(value)
        and value.confidence < limit  # type: ignore[operator]
        and bool(_DIGIT.search(value.raw))
    )


def low_cells(table: Table, limit: float) -> list[tuple[Row, str, Value]]:
    return [
        (row, key, v) for row in table.rows for key, v in row.values.items() if is_low(v, limit)
    ]


@template(TEMPLATE)
def ocr_low_confidence(ix: Index, rule: Rule) -> Iterator[Finding]:
    """One finding per table listing its low-confidence OCR numbers, each as a location."""
    limit = float(rule.params.get("threshold", LOW_CONFIDENCE))
    for table in ix.doc.tables:
        cells = low_cells(table, limit)
        if not cells:
            continue
        titles = {c.key: c.title for c in table.columns}
        named = "、".join(
            f"{row_name(row) or '—'}/{column_name(titles, k)} “{v.raw}” "
            f"{v.confidence:.2f}"
            for row, k, v in cells[:_LISTED]
        )
        more = "…" if len(cells) > _LISTED else ""
        detail = (
            f"{table_name(table)} 有 {len(cells)} 个OCR识别数值置信度低于 {limit:g}，"
            f"请对照扫描件核对（{named}{more}）"
        )
        locs = [location(cell_where(table.key, row, k, v), v.confidence) for row, k, v in cells]
        yield finding(rule, detail, None, None, None, locs)
