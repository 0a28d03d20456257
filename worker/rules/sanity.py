"""Structural sanity of a table before its arithmetic may speak for the document.

The table reader's own verdict (schemas.Table.doubts) comes first: a table with `columns` or
`cells` doubts is unsound as a whole, one with `rows` doubts has incomplete sums by code; a
missing unit puts no identity in doubt (they hold in any unit) and is left to the narrative
rules. Beside it, what the index can see: a table whose header was not mapped (a column kept as
`col3`, two columns read as one key) can break every identity it takes part in without the
document being wrong: it gets one `extraction.table_structure` finding, and
worker/rules/trust.py makes every document finding resting on it part of that finding. Rows with figures but without their 科目 code (a 款 printed
only by name) leave the sums by code incomplete: `extraction.table_rows` distrusts only the
checks that need every row (`complete: true` in the catalogue), not a column identity within a
row. A 栏次 row read as data is left out of every check (worker/rules/index.py) and noted once
per document, but puts nothing in doubt: numbering the columns 1, 2, 3 … in order, it confirms
the column mapping rather than questioning it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemas import Doubt, Finding, Location, Row
from worker.rules import Rule, template
from worker.rules.index import Index, TableIndex, cell_where, finding, location

_UNMAPPED = re.compile(r"^col\d+$")
_REPEATED = re.compile(r"_\d+$")
_CODED_TABLES = frozenset({
    "income", "expenditure", "general_budget_expenditure", "gov_fund", "state_capital",
    "basic_expenditure", "economic_summary",
})  # fmt: skip
_LISTED = 4
_WHOLE = (Doubt.columns, Doubt.cells)  # reader doubts that put the whole table in doubt


def column_doubts(ti: TableIndex) -> list[str]:
    """What is unresolved in the table's columns or cells (empty: its columns may speak)."""
    out = [d.message for d in ti.table.doubts if d.kind in _WHOLE]
    unmapped = [
        ti.titles[k] or k for k in ti.titles if _UNMAPPED.match(k) and _holds_numbers(ti, k)
    ]
    if unmapped and not out:  # the reader names them itself
        out.append(f"表头未能对应的列：{_names(unmapped)}")
    repeated = [ti.titles[k] or k for k in ti.titles if _REPEATED.search(k)]
    if repeated and not out:
        out.append(f"重复对应同一含义的列：{_names(repeated)}")
    return out


@template("table_structure")
def table_structure(ix: Index, rule: Rule) -> Iterator[Finding]:
    """One finding per table whose columns (`part: columns`) or row codes (`part: rows`) are
    not resolved."""
    for ti in ix.tables.values():
        title = ti.table.title or ti.key
        if rule.params.get("part") == "rows":
            orphans, repeated = _orphans(ti), _repeated_codes(ti)
            reasons = [d.message for d in ti.table.doubts if d.kind == Doubt.rows]
            if orphans and not reasons:
                reasons.append(f"无科目编码的行 {_names([r.name for r in orphans])}")
            if repeated:
                reasons.append(f"同一编码多行且数值不同 {_names(repeated)}（表格可能按单位分列）")
            if reasons:
                locs = [location(cell_where(ti.key, r, "", None)) for r in orphans]
                locs += [Location(table_key=ti.key, row_code=c) for c in repeated]
                locs = locs or [_table_loc(ti)]
                yield finding(rule, f"{title}：{'；'.join(reasons)}", None, None, None, locs)
        elif reasons := column_doubts(ti):
            yield finding(
                rule, f"{title}：{'；'.join(reasons)}", None, None, None, [_table_loc(ti)]
            )


@template("colnum_rows")
def colnum_rows(ix: Index, rule: Rule) -> Iterator[Finding]:
    """One note for the document: the tables whose 栏次 row was read as data."""
    tables = [ti for ti in ix.tables.values() if ti.colnum is not None]
    if tables:
        names = _names([ti.table.title or ti.key for ti in tables])
        locs = [location(cell_where(ti.key, ti.colnum, "", None)) for ti in tables]  # type: ignore[arg-type]
        yield finding(rule, names, None, None, None, locs)


def _holds_numbers(ti: TableIndex, key: str) -> bool:
    return any(v.wan for r in ti.rows if (v := r.values.get(key)) is not None)


def _orphans(ti: TableIndex) -> list[Row]:
    """Rows of a coded table that lost their code (the sums by code miss them)."""
    return ti.unresolved() if ti.key in _CODED_TABLES and ti.by_code else []


def _repeated_codes(ti: TableIndex) -> list[str]:
    """Codes printed on several lines with different figures: the table lists its units one
    after another (or two tables were read as one), so a code's line is not one line."""
    seen: dict[str, tuple] = {}
    out = []
    for r in ti.rows:
        if not r.code or not r.code.isdigit():
            continue
        figures = tuple(sorted((k, v.wan) for k, v in r.values.items() if v.wan))
        if figures and seen.setdefault(r.code, figures) != figures and r.code not in out:
            out.append(r.code)
    return out


def _names(names: list[str]) -> str:
    shown = "、".join(f"“{n}”" for n in names[:_LISTED])
    return shown + (f"等 {len(names)} 个" if len(names) > _LISTED else "")


def _table_loc(ti: TableIndex) -> Location:
    return Location(table_key=ti.key, page=(ti.table.pages or [None])[0])
