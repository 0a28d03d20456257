"""The yardstick of bench/realdocs.py (tests/support/realdocs_compare.py) scores what it should.

An extraction built from a golden itself scores 100%; each kind of error the bench must see (a
wrong value, a row with the wrong identity, a missing table, a finding that is not about a
recorded contradiction) costs exactly what it should.
"""

from __future__ import annotations

from decimal import Decimal

from schemas import Document, Finding, FindingKind, Row, Table, Value
from schemas.findings import Location
from schemas.narrative import Amount, NarrativeFact
from tests.support.realdocs import Golden, GoldenTable, amount, load_golden
from tests.support.realdocs_compare import (
    compare_tables,
    explains,
    false_alarms,
    narrative_hits,
    spurious_tables,
)

GOLDEN = "hangzhou_jtysj_2026_budget"  # the golden with recorded contradictions


def _as_extracted(table: GoldenTable) -> Table:
    rows = [
        Row(
            code=r.code,
            row_code=r.row_code,
            name=r.name,
            level=r.level,
            page=r.page,
            values={
                c: Value(raw=raw, value=amount(raw), page=r.page) for c, raw in r.values.items()
            },
        )
        for r in table.rows
    ]
    return Table(key=table.key, title=table.title, pages=table.pages, rows=rows)


def _document(golden: Golden) -> Document:
    return Document(doc_id=golden.sha256, tables=[_as_extracted(t) for t in golden.tables])


def test_the_golden_itself_scores_every_cell() -> None:
    golden = load_golden(GOLDEN)
    score = compare_tables(golden, _document(golden))
    assert (score.right, score.extra, score.tables_found) == (score.cells, 0, len(golden.tables))


def test_a_wrong_value_a_wrong_row_and_a_missing_table_cost_their_cells() -> None:
    golden = load_golden(GOLDEN)
    doc = _document(golden)
    cells = compare_tables(golden, doc).cells
    first = doc.tables[0].rows[0]
    col = next(iter(first.values))
    first.values[col] = Value(raw="1.00", value=Decimal("1.00"))
    renamed = doc.tables[1].rows[-1]
    renamed.name, renamed.row_code = "某单位", "unit"
    lost = doc.tables.pop()
    score = compare_tables(golden, doc)
    missing = sum(len(r.values) for r in golden.table(lost.key).rows)
    assert score.tables_found == len(golden.tables) - 1
    assert score.cells == cells
    expected_wrong = 1 + len(golden.tables[1].rows[-1].values) + missing
    assert score.cells - score.right == expected_wrong, score.mismatches[:5]


def test_only_a_finding_about_a_recorded_contradiction_is_not_a_false_alarm() -> None:
    golden = load_golden(GOLDEN)
    c = golden.contradictions[0]
    ref = c.cells[0]
    printed = amount(ref.value or golden.cell(ref) or "")
    assert printed is not None and c.difference
    real = Finding(
        rule_id="x",
        message="x",
        expected=printed,
        actual=printed + amount(c.difference),
        locations=[Location(table_key=ref.table)],
    )
    off = real.model_copy(update={"actual": printed + Decimal("999")})
    extraction = real.model_copy(update={"kind": FindingKind.extraction})
    assert explains(golden, c, real)
    assert not explains(golden, c, off) and not explains(golden, c, extraction)
    assert false_alarms(golden, [real, off, extraction]) == [off]


def test_a_standard_table_the_document_does_not_print_is_spurious() -> None:
    golden = load_golden("jiangsu_zxbgt_2018_budget_tables")  # prints no project_expenditure
    doc = _document(golden)
    assert spurious_tables(golden, doc) == []
    doc.tables.append(Table(key="project_expenditure", title="项目支出表"))
    doc.tables.append(Table(key="performance", title="项目支出绩效目标表"))  # not a standard key
    assert spurious_tables(golden, doc) == ["project_expenditure"]


def test_each_figure_of_one_narrative_fact_is_read() -> None:
    """'基本支出950.09万元，占18.51%' is one fact with two figures: both count; a budget
    document's 预算数 is its amount (as the checks read it); a wrong subject counts nothing."""
    golden = load_golden("beijing_lvweiban_2026_budget_narrative")
    share = next(n for n in golden.narrative if n.kind == "share")
    same = [n for n in golden.narrative if n.sentence == share.sentence]
    assert {n.kind for n in same} == {"amount", "share"}
    by_kind = {n.kind: Decimal(n.value.replace(",", "")) for n in same}
    wan = by_kind["amount"]
    money = Amount(raw=str(wan), value=wan, unit="万元", wan=wan)
    fact = NarrativeFact(subject=share.subject, budget=money, share_pct=by_kind["share"])
    assert len(narrative_hits(golden, [fact])) == 2
    fact.subject = "unknown"
    assert narrative_hits(golden, [fact]) == []
