"""Findings a reviewer can believe (worker/rules/sanity.py, trust.py): a document finding only on
a sound table, extraction causes grouped with what rests on them, printed values quoted."""

from __future__ import annotations

from decimal import Decimal

from schemas import Column, DocType, Document, Doubt, FindingKind, Row, Table, TableDoubt, Value
from schemas.narrative import Amount, NarrativeFact
from worker.layout import Layout, TextBlock
from worker.narrative import parse_narrative
from worker.pipeline.checks import run_checks


def _value(raw: str, page: int = 3) -> Value:
    return Value(
        raw=raw, value=Decimal(raw.replace(",", "")), wan=Decimal(raw.replace(",", "")), page=page
    )


def _expenditure(class_total: str, *doubts: TableDoubt, colnum: bool = False) -> Table:
    """一般公共服务 201 = 20101 + 20102, with its class line as given."""
    lines = [("合计", None, "total", class_total), ("一般公共服务支出", "201", None, class_total),
             ("人大事务", "20101", None, "9.99"), ("政协事务", "20102", None, "10.01")]  # fmt: skip
    rows = [
        Row(name=name, code=code, row_code=rc, values={"total": _value(v)}, page=3)
        for name, code, rc, v in lines
    ]
    if colnum:
        rows.insert(
            0, Row(name="栏次", values={"total": Value(raw="1", value=Decimal(1), wan=Decimal(1))})
        )
    return Table(
        key="expenditure", title="支出总表", pages=[3], columns=[Column(key="total", title="合计")],
        rows=rows, doubts=list(doubts),
    )  # fmt: skip


def _doc(*tables: Table, narrative: list[NarrativeFact] | None = None) -> Document:
    return Document(
        doc_id="t", doc_type=DocType.budget, tables=list(tables), narrative=narrative or []
    )


def test_a_contradiction_on_a_sound_table_is_the_documents_and_quotes_the_page() -> None:
    [f] = run_checks(_doc(_expenditure("20.50")))
    assert f.kind == FindingKind.document
    assert "第3页" in f.message and "“20.50”" in f.message and "“9.99”" in f.message


def test_the_same_sums_on_a_table_the_reader_doubts_are_one_extraction_finding() -> None:
    for doubt in (Doubt.columns, Doubt.cells):
        table = _expenditure(
            "20.50", TableDoubt(kind=doubt, message="表头“某列”未能对应，按 col3 保留")
        )
        found = run_checks(_doc(table))
        assert [f.kind for f in found] == [FindingKind.extraction], found
        [f] = found
        assert f.rule_id == "extraction.table_structure" and "未能对应" in f.message
        assert "不作为文件本身的问题" in f.message  # the class identity rests on it
        assert any(loc.row_code == "201" for loc in f.locations)


def test_a_missing_unit_doubts_no_identity_and_a_sound_table_says_nothing() -> None:
    assert run_checks(_doc(_expenditure("20.00"))) == []
    table = _expenditure("20.50", TableDoubt(kind=Doubt.unit, message="未注明金额单位，按万元读取"))
    assert [f.kind for f in run_checks(_doc(table))] == [FindingKind.document]


def test_rows_without_codes_doubt_only_the_sums_by_code() -> None:
    table = _expenditure(
        "20.50", TableDoubt(kind=Doubt.rows, message="有数值但科目未识别的行：“某款”")
    )
    [f] = run_checks(_doc(table))
    assert f.kind == FindingKind.extraction and f.rule_id == "extraction.table_rows"
    assert "不作为文件本身的问题" in f.message


def test_a_colnum_row_is_never_checked() -> None:
    found = run_checks(_doc(_expenditure("20.00", colnum=True)))
    assert [f.rule_id for f in found] == ["extraction.colnum_rows"]


def test_a_narrative_figure_in_the_wrong_unit_is_one_unit_finding() -> None:
    """'1682.76元' where the tables say 1,682.76 万元: one narrative.unit finding, not an
    amount contradiction per figure."""
    table = _expenditure("1,682.76")
    table.rows = table.rows[:1]
    said = [
        NarrativeFact(subject="expenditure.total", subject_text="支出合计",
                      amount=Amount(raw=raw, value=Decimal(raw.replace(",", "")), unit="元",
                                    wan=Decimal(raw.replace(",", "")) / 10000))
        for raw in ("1682.76", "1,682.76")
    ]  # fmt: skip
    found = run_checks(_doc(table, narrative=said))
    assert [f.rule_id for f in found] == ["narrative.unit"], found
    right = said[0].model_copy(
        update={
            "amount": said[0].amount.model_copy(update={"unit": "万元", "wan": Decimal("1682.76")})
        }
    )
    assert run_checks(_doc(table, narrative=[right])) == []
    wrong = right.model_copy(
        update={
            "amount": right.amount.model_copy(update={"wan": Decimal("1692.76"), "raw": "1692.76"})
        }
    )
    [f] = run_checks(_doc(table, narrative=[wrong]))
    assert f.rule_id == "narrative.amount" and f.kind == FindingKind.document


def test_a_part_of_an_unresolved_whole_is_compared_with_nothing() -> None:
    """'XX仲裁院预算4,720.86万元，其中基本支出…': a unit's figures, not the tables'."""
    table = _expenditure("20.00")
    table.rows = table.rows[:1]
    table.columns.append(Column(key="basic", title="基本支出"))
    table.rows[0].values["basic"] = _value("5.00")

    def fact(subject: str, raw: str, parent: int | None = None) -> NarrativeFact:
        a = Amount(raw=raw, value=Decimal(raw), unit="万元", wan=Decimal(raw))
        return NarrativeFact(subject=subject, subject_text=subject, amount=a, parent=parent)

    [f] = run_checks(_doc(table, narrative=[fact("basic", "3.00")]))
    assert f.rule_id == "narrative.amount" and "3.00" in f.message
    assert (
        run_checks(_doc(table, narrative=[fact("unknown", "9.00"), fact("basic", "3.00", 0)])) == []
    )


def test_a_second_breakdown_of_a_whole_is_not_more_of_its_parts() -> None:
    """'其中：货物…、工程…、服务…；一般公共预算拨款政府采购…': the first three make the whole, the
    last one splits it again by fund. Parts that exceed the whole are still the document's."""
    def found(text: str) -> list[str]:
        said = parse_narrative(Layout(blocks=[TextBlock(text)]))
        return [f.rule_id for f in run_checks(_doc(narrative=said))]

    head = "2026年政府采购预算总额6,143.52万元，其中：货物5,242.52万元、工程0万元、"
    assert found(head + "服务901万元；一般公共预算拨款政府采购2,521.44万元。") == []
    assert found(head + "服务1,901万元。") == ["narrative.parts"]


def test_shares_of_a_whole_the_sentence_only_lists_the_parts_of() -> None:
    """'因公出国（境）费222.5万元，占“三公”经费的8.75%；…': no 三公 total printed, but the three
    parts make it (833.6), so 8.75% is checked against 222.5 / 833.6 = 26.69%."""
    text = ("“三公”经费预算支出中，因公出国（境）费支出{a}万元，占“三公”经费的{pa}%；"
            "公务用车购置及运行费支出183.6万元，占“三公”经费的22.02%；"
            "公务接待费支出427.5万元，占“三公”经费的51.28%。")  # fmt: skip

    def shares(pa: str) -> list[tuple[str, Decimal | None]]:
        said = parse_narrative(Layout(blocks=[TextBlock(text.format(a="222.5", pa=pa))]))
        return [(f.rule_id, f.actual) for f in run_checks(_doc(narrative=said))]

    assert shares("26.69") == []
    assert shares("8.75") == [("narrative.share", Decimal("8.75"))]


def test_a_class_both_tables_print_is_compared_however_incomplete_their_rows() -> None:
    """款 lines without codes leave the sums by code in doubt, not a 类 line printed in both."""
    summary = Table(
        key="income_expenditure_summary", title="收支总表", pages=[2],
        columns=[Column(key="amount", title="预算数")],
        rows=[Row(name="一般公共服务支出", code="201", values={"amount": _value("20.50", 2)},
                  page=2)],
    )  # fmt: skip
    table = _expenditure("20.00")
    table.rows.append(Row(name="某款", values={"total": _value("1.00")}, page=3))
    found = run_checks(_doc(summary, table))
    document = [f for f in found if f.kind == FindingKind.document]
    assert [f.rule_id for f in document] == ["cross.expenditure_classes"], found
    assert document[0].expected == Decimal("20.00") and document[0].actual == Decimal("20.50")
