"""Narrative amounts as printed (worker/narrative/amounts.py) and the subject they belong to:
separators (also full-width and malformed), 亿元 / 元, signs, 6 decimals, figures of a named unit
of the department, phrases that name no subject."""

from __future__ import annotations

from decimal import Decimal

import pytest

from worker.layout import Layout, TextBlock
from worker.narrative import parse_narrative


def facts(*paragraphs: str) -> list[tuple[str, Decimal | None]]:
    got = parse_narrative(Layout(blocks=[TextBlock(p) for p in paragraphs]))
    return [(f.subject, f.amount.wan if f.amount else None) for f in got]


@pytest.mark.parametrize(
    ("printed", "wan"),
    [
        ("19,577万元", "19577"),
        ("1,182.59万元", "1182.59"),
        ("37,331.92万元", "37331.92"),
        ("19，577万元", "19577"),  # a full-width separator inside the figure
        ("96,722.180672万元", "96722.180672"),
        ("3.2亿元", "32000"),
        ("4,778,840.00元", "477.884"),
        ("１２３．４５万元", "123.45"),
    ],
)
def test_an_amount_is_read_whole(printed: str, wan: str) -> None:
    assert facts(f"2026年收入预算{printed}。") == [("income.total", Decimal(wan))]


def test_a_later_subject_in_the_sentence_is_not_a_fragment_of_the_first() -> None:
    """'上年结转' and '一般公共服务支出12,868.19' each keep their own figure (the whole, with the
    carryover among its parts, is the 收入总计)."""
    got = facts(
        "2026年本部门收入预算37,331.92万元，其中：财政拨款收入24,463.73万元，上年结转12,868.19万元。"
    )
    assert got == [
        ("income.grand_total", Decimal("37331.92")),
        ("income.fiscal", Decimal("24463.73")),
        ("income.carryover", Decimal("12868.19")),
    ]


def test_a_change_is_negative_when_it_decreases() -> None:
    parsed = parse_narrative(
        Layout(blocks=[TextBlock("2026年支出预算1,182.59万元，比上年减少1,024.3万元。")])
    )
    [f] = parsed
    assert f.amount.wan == Decimal("1182.59") and f.change.wan == Decimal("-1024.3")


def test_a_phrase_naming_no_subject_is_kept_unmatched() -> None:
    got = parse_narrative(Layout(blocks=[TextBlock("安排某某专项工作4,720.86万元。")]))
    assert [(f.subject, f.amount.wan) for f in got] == [("unknown", Decimal("4720.86"))]


def test_a_bare_rate_in_brackets_after_a_change_is_its_growth() -> None:
    """'较上年减少24.5万元（43%）': the bracketed figure is the change's rate, signed by it."""
    parsed = parse_narrative(
        Layout(blocks=[TextBlock("“三公”经费预算18.6万元，较上年减少24.5万元（43%），主要原因是…。"
                                 "公务接待费8.6万元，较上年增加1.5万元（1.21%）。")])
    )  # fmt: skip
    got = [(f.subject, f.change.wan, f.growth_pct) for f in parsed]
    assert got == [
        ("sangong", Decimal("-24.5"), Decimal("-43")),
        ("sangong.reception", Decimal("1.5"), Decimal("1.21")),
    ]
