"""Compare extracted tables with expected ones (golden files, synthetic answers).

The golden form keeps what must be right and nothing that legitimately differs between the
PDF, DOCX and text forms of one document: keys, unit, the empty flag, codes, names (spacing
ignored) and every number as a Decimal string. Pages and bboxes are left out.

Numeric-cell accuracy = cells with the expected number / (expected numeric cells + numbers
extracted where none is expected). Rows are aligned by (code, row_code, name) in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from schemas import Table
from worker.tables.numbers import norm

GoldenTable = dict[str, Any]


def to_golden(tables: list[Table]) -> list[GoldenTable]:
    return [_golden_table(t) for t in tables]


def _golden_table(table: Table) -> GoldenTable:
    rows = []
    for row in table.rows:
        values = {k: str(v.value) for k, v in row.values.items() if v.value is not None}
        rows.append(
            {
                "code": row.code,
                "row_code": row.row_code,
                "name": row.name,
                "level": row.level,
                "values": values,
            }
        )
    return {
        "key": table.key,
        "title": table.title,
        "unit": table.unit.value,
        "empty": table.empty,
        "columns": [[c.key, c.title] for c in table.columns],
        "rows": rows,
    }


@dataclass
class Score:
    expected_cells: int = 0
    correct: int = 0
    extra: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        total = self.expected_cells + self.extra
        return self.correct / total if total else 1.0

    def add(self, other: Score) -> None:
        self.expected_cells += other.expected_cells
        self.correct += other.correct
        self.extra += other.extra
        self.mismatches.extend(other.mismatches)


def compare(expected: list[GoldenTable], actual: list[GoldenTable]) -> Score:
    """Score `actual` against `expected`; tables are paired by key, in order."""
    score = Score()
    pool = list(actual)
    for exp in expected:
        act = next((t for t in pool if t["key"] == exp["key"]), None)
        if act is None:
            score.mismatches.append(f"{exp['key']}: table missing")
            score.expected_cells += _cells(exp)
            continue
        pool.remove(act)
        score.add(compare_table(exp, act))
    for act in pool:
        score.mismatches.append(f"{act['key']}: unexpected table")
        score.extra += _cells(act)
    return score


def compare_table(exp: GoldenTable, act: GoldenTable) -> Score:
    score = Score()
    key = exp["key"]
    for field_name in ("unit", "empty"):
        if exp[field_name] != act[field_name]:
            score.mismatches.append(
                f"{key}: {field_name} {act[field_name]!r} != {exp[field_name]!r}"
            )
    if [c[0] for c in exp["columns"]] != [c[0] for c in act["columns"]]:
        score.mismatches.append(
            f"{key}: columns {[c[0] for c in act['columns']]} != {[c[0] for c in exp['columns']]}"
        )
    erows, arows = exp["rows"], act["rows"]
    matcher = SequenceMatcher(
        None, [_row_id(r) for r in erows], [_row_id(r) for r in arows], autojunk=False
    )
    matched_a: set[int] = set()
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, j = block.a + k, block.b + k
            matched_a.add(j)
            _compare_row(key, erows[i], arows[j], score)
    matched_e = {b.a + k for b in matcher.get_matching_blocks() for k in range(b.size)}
    # Rows out of order (side-by-side blocks read in another order) still match by identity.
    spare: dict[tuple[str, str, str], list[int]] = {}
    for j, row in enumerate(arows):
        if j not in matched_a:
            spare.setdefault(_row_id(row), []).append(j)
    for i, row in enumerate(erows):
        if i not in matched_e and spare.get(_row_id(row)):
            j = spare[_row_id(row)].pop(0)
            matched_e.add(i)
            matched_a.add(j)
            _compare_row(key, row, arows[j], score)
    for i, row in enumerate(erows):
        if i not in matched_e:
            score.expected_cells += len(row["values"])
            score.mismatches.append(f"{key}: row missing {_row_id(row)}")
    for j, row in enumerate(arows):
        if j not in matched_a:
            score.extra += len(row["values"])
            score.mismatches.append(f"{key}: unexpected row {_row_id(row)}")
    return score


def _compare_row(key: str, erow: dict, arow: dict, score: Score) -> None:
    if erow.get("level") != arow.get("level"):
        score.mismatches.append(
            f"{key}: {_row_id(erow)} level {arow.get('level')} != {erow.get('level')}"
        )
    evals, avals = erow["values"], arow["values"]
    for col, value in evals.items():
        score.expected_cells += 1
        got = avals.get(col)
        if got is not None and Decimal(got) == Decimal(value):
            score.correct += 1
        else:
            score.mismatches.append(f"{key}: {_row_id(erow)}[{col}] = {got} != {value}")
    for col in avals.keys() - evals.keys():
        score.extra += 1
        score.mismatches.append(f"{key}: {_row_id(erow)}[{col}] = {avals[col]} not expected")


def _row_id(row: dict) -> tuple[str, str, str]:
    return (row.get("code") or "", row.get("row_code") or "", norm(row.get("name") or ""))


def _cells(table: GoldenTable) -> int:
    return sum(len(r["values"]) for r in table["rows"])


# --- synthetic documents (tools/synth.py) --------------------------------------------------------
# The generator names summary lines `income.total`, `expenditure.grand_total` …; the extraction
# contract (schemas/reference/rows.yaml) uses the names below. Translated here, in one place.
_SYNTH_ROWS = {
    "income.total": "income_total",
    "income.carryover": "carryover",
    "income.grand_total": "grand_total_income",
    "income.use_balance": "use_non_fiscal_balance",
    "expenditure.total": "expenditure_total",
    "expenditure.year_end_balance": "year_end_carryover",
    "expenditure.grand_total": "grand_total_expenditure",
    "expenditure.balance_distribution": "balance_distribution",
}


def synth_truth(tables: list[Table], zeros_printed: bool = True) -> list[GoldenTable]:
    """Golden form of a synthetic document's truth, in the extraction's vocabulary.

    `zeros_printed=False` when the layout prints zeros as blank cells: those read as no value.
    """
    out = to_golden(tables)
    for table in out:
        single = len(table["columns"]) == 1  # a one-number table names its column `amount`
        if single:
            table["columns"] = [["amount", table["columns"][0][1]]]
        for row in table["rows"]:
            if single:
                found = list(row["values"].values())
                row["values"] = {"amount": found[0]} if found else {}
            code = row["row_code"]
            row["row_code"] = _SYNTH_ROWS.get(code, code.removeprefix("income.") if code else None)
            if not zeros_printed:
                row["values"] = {k: v for k, v in row["values"].items() if Decimal(v) != 0}
    return out
