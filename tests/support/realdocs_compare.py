"""An extraction (`schemas.Document`, findings) against a hand-verified golden of a real document.

Easy to call from a test or a bench:

    score = compare_tables(load_golden("hangzhou_jtysj_2026_budget"), outcome.document)
    assert score.share >= 0.995, score.mismatches[:20]

Rows are paired by identity — their code where the document prints codes, else their row_code
and printed name — in order first, then out of order (side-by-side blocks). A cell is right when
the extracted value in the same column key equals the golden's printed number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

from schemas import DocType, Document, Finding, FindingKind, Row, Table
from schemas.narrative import NarrativeFact
from tests.support.realdocs import (
    Contradiction,
    Golden,
    GoldenRow,
    GoldenTable,
    NarrativeFigure,
    amount,
    norm,
    standard_keys,
)
from worker.rules.narrative import value


@dataclass
class CellScore:
    """Golden cells (row, column, value) an extraction got right; `extra`: numbers it read where
    the golden has none (in matched rows, or in rows the golden does not have)."""

    tables: int = 0
    tables_found: int = 0
    cells: int = 0
    right: int = 0
    extra: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.cells if self.cells else 1.0

    def add(self, other: CellScore) -> None:
        for name in ("tables", "tables_found", "cells", "right", "extra"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.mismatches += other.mismatches


def compare_tables(golden: Golden, document: Document) -> CellScore:
    """Every golden table against the extracted table of the same key that scores best."""
    total = CellScore()
    for table in golden.tables:
        candidates = [t for t in document.tables if t.key == table.key]
        scores = [compare_table(table, t) for t in candidates]
        best = max(scores, key=lambda s: (s.right, -s.extra), default=None)
        if best is None:
            cells = sum(len(r.values) for r in table.rows)
            best = CellScore(cells=cells, mismatches=[f"{table.key}: table missing"])
        best.tables, best.tables_found = 1, int(bool(candidates))
        total.add(best)
    return total


def spurious_tables(golden: Golden, document: Document) -> list[str]:
    """Standard tables the extraction reports that the document does not print (by key)."""
    printed = {t.key for t in golden.tables}
    return [t.key for t in document.tables if t.key in standard_keys() and t.key not in printed]


def compare_table(golden: GoldenTable, table: Table) -> CellScore:
    score = CellScore()
    pairs, lost, spare = _align(golden, table.rows)
    for g, row in pairs:
        for col, raw in g.values.items():
            got = row.values.get(col)
            score.cells += 1
            if got is not None and got.value == amount(raw):
                score.right += 1
            else:
                shown = got.raw if got is not None else None
                score.mismatches.append(
                    f"{golden.key}: {_rid(g)}[{col}] = {shown!r}, printed {raw!r}"
                )
        extra = [c for c, v in row.values.items() if c not in g.values and v.value is not None]
        score.extra += len(extra)
        score.mismatches += [
            f"{golden.key}: {_rid(g)}[{c}] = {row.values[c].raw!r} not printed" for c in extra
        ]
    for g in lost:
        score.cells += len(g.values)
        score.mismatches.append(f"{golden.key}: row missing {_rid(g)}")
    for row in spare:
        score.extra += sum(v.value is not None for v in row.values.values())
    return score


def _align(
    golden: GoldenTable, rows: list[Row]
) -> tuple[list[tuple[GoldenRow, Row]], list[GoldenRow], list[Row]]:
    """Pair golden rows with extracted rows by identity, in order first, then out of order."""
    gkeys = [_key(r.code, r.row_code, r.name, golden.codes_printed) for r in golden.rows]
    akeys = [_key(r.code, r.row_code, r.name, golden.codes_printed) for r in rows]
    matcher = SequenceMatcher(None, gkeys, akeys, autojunk=False)
    pairs = {b.a + k: b.b + k for b in matcher.get_matching_blocks() for k in range(b.size)}
    free: dict[str, list[int]] = {}
    for j, key in enumerate(akeys):
        if j not in pairs.values():
            free.setdefault(key, []).append(j)
    for i, key in enumerate(gkeys):
        if i not in pairs and free.get(key):
            pairs[i] = free[key].pop(0)
    lost = [r for i, r in enumerate(golden.rows) if i not in pairs]
    spare = [r for j, r in enumerate(rows) if j not in pairs.values()]
    return [(golden.rows[i], rows[j]) for i, j in sorted(pairs.items())], lost, spare


def _key(code: str | None, row_code: str | None, name: str, codes_printed: bool) -> str:
    """Coded rows are who their code says; uncoded lines (and every row of a table that prints
    no codes) are their row_code and printed name."""
    if codes_printed and code:
        return code
    return f"{row_code or ''}|{norm(name)}"


def _rid(row: GoldenRow) -> str:
    return row.code or f"{row.row_code or ''}:{row.name}"


def printed_amounts(golden: Golden) -> Counter[tuple[int, Decimal]]:
    """(page, value) of every amount the golden tables print: the table pages' amounts."""
    return Counter(
        (row.page, value)
        for t in golden.tables
        for row in t.rows
        for raw in row.values.values()
        if (value := amount(raw)) is not None
    )


def facts_of(document: Document) -> Counter[tuple[int, Decimal]]:
    return Counter(
        (v.page, v.value)
        for t in document.tables
        for row in t.rows
        for v in row.values.values()
        if v.value is not None and v.page is not None
    )


def narrative_hits(
    golden: Golden, facts: list[NarrativeFact], kinds: frozenset[str] | None = None
) -> list[NarrativeFigure]:
    """Golden narrative figures (of `kinds`, default all) read with their subject. A fact holds
    several figures ('基本支出950.09万元，占18.51%' is one fact with an amount and a share): each
    (fact, kind) is used once."""
    doc_type = DocType(golden.metadata.doc_type)
    used: set[tuple[int, str]] = set()
    hits = []
    for figure in golden.narrative:
        if kinds is not None and figure.kind not in kinds:
            continue
        i = next(
            (
                i
                for i, f in enumerate(facts)
                if (i, figure.kind) not in used
                and f.subject == figure.subject
                and _same(figure, f, doc_type)
            ),
            None,
        )
        if i is not None:
            used.add((i, figure.kind))
            hits.append(figure)
    return hits


def _same(figure: NarrativeFigure, fact: NarrativeFact, doc_type: DocType) -> bool:
    """The fact states the figure: an amount as the checks read it (amount, else 决算/执行数, else
    in a budget 预算数: worker.rules.narrative.value), a change or growth rate by its size."""
    want = Decimal(figure.value.replace(",", ""))
    stated = value(fact, doc_type)
    got = {
        "amount": stated.value if stated else None,
        "share": fact.share_pct,
        "change": abs(fact.change.value) if fact.change else None,
        "growth": abs(fact.growth_pct) if fact.growth_pct is not None else None,
        "count": Decimal(fact.count) if fact.count is not None else None,
    }[figure.kind]
    return got is not None and got == want


def recalled(golden: Golden, contradiction: Contradiction, findings: list[Finding]) -> bool:
    """Some document finding is about the contradiction (see `explains`)."""
    return any(explains(golden, contradiction, f) for f in findings)


def false_alarms(golden: Golden, findings: list[Finding]) -> list[Finding]:
    """Document findings that are about none of the golden's recorded contradictions."""
    return [
        f
        for f in findings
        if f.kind == FindingKind.document
        and not any(explains(golden, c, f) for c in golden.contradictions)
    ]


def explains(golden: Golden, contradiction: Contradiction, finding: Finding) -> bool:
    """A document finding about the contradiction: it points at one of its tables, quotes one of
    its printed values as expected or actual, and disagrees by its difference (in the table's
    unit or in 万元)."""
    if finding.kind != FindingKind.document:
        return False
    values = {amount(ref.value or golden.cell(ref) or "") for ref in contradiction.cells}
    values |= {amount(ref.value) for ref in contradiction.narrative}
    values.discard(None)
    values = {abs(v) for v in values if v is not None}  # a rate '减少…（43%）' is read as −43
    values |= {v / 10000 for v in values}
    diff = amount(contradiction.difference) if contradiction.difference else None
    tables = {ref.table for ref in contradiction.cells} | {"narrative"}
    return (
        any(loc.table_key in tables for loc in finding.locations)
        and bool({abs(v) for v in (finding.expected, finding.actual) if v is not None} & values)
        and (diff is None or _differs_by(finding, diff))
    )


def _differs_by(finding: Finding, diff: Decimal) -> bool:
    if finding.expected is None or finding.actual is None:
        return False
    gap = abs(finding.expected - finding.actual)
    return any(abs(gap - d) <= Decimal("0.02") for d in (diff, diff / 10000))  # 2 roundings
