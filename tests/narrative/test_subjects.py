"""Whose figure a sentence states, in the phrasings real disclosures print: the subject after the
unit that states it, the subject before the year, a fund's 财政拨款收入, a heading line that runs
into its sentence after a colon."""

from __future__ import annotations

from decimal import Decimal

import pytest

from worker.layout import Layout, TextBlock
from worker.narrative import parse_narrative


def first(*blocks: str) -> tuple[str, Decimal | None, Decimal | None]:
    f = parse_narrative(Layout(blocks=[TextBlock(b) for b in blocks]))[0]
    stated = f.amount or f.budget
    return f.subject, stated.wan if stated else None, f.change.wan if f.change else None


@pytest.mark.parametrize(
    ("sentence", "subject"),
    [
        ("2026年,福州市公安局文职人员管理中心收入预算为6053.42万元。", "income.total"),
        ("2026年，上海市减污降碳管理运行技术中心收入预算3,942万元。", "income.total"),
        ("2026年深圳市民政局（本级）部门预算支出28,283.46万元。", "expenditure.total"),
        ("2026年,泉州市人民政府办公室部门收入预算为15184.81万元。", "income.total"),
        ("相应安排支出预算15184.81万元，比上年增加4385.72万元。", "expenditure.total"),
    ],
)
def test_the_subject_after_the_unit_that_states_it(sentence: str, subject: str) -> None:
    assert first(sentence)[0] == subject


def test_a_subject_printed_before_the_year() -> None:
    assert first("公务用车运行维护费2026年预算数4.20万元，较2025年年初预算减少1.80万元。") == (
        "sangong.vehicle_operation",
        Decimal("4.20"),
        Decimal("-1.80"),
    )
    assert first("收入比2025年减少86,685.29万元,主要是一般公共预算拨款减少7,885.67万元。") == (
        "income.total",
        None,
        Decimal("-86685.29"),
    )


def test_a_funds_appropriation_income_is_that_funds_income() -> None:
    assert first("2026年政府性基金预算财政拨款收入41,534.73万元。")[0] == "income.gov_fund"
    assert first("2026年一般公共预算财政拨款收入3,120万元。")[0] == "income.general_budget"


def test_a_heading_line_running_into_its_sentence_after_a_colon() -> None:
    """'（二）“三公”经费预算：2025年长沙市公安局“三公”' ends its line; the sentence goes on on
    the next one."""
    got = first(
        "（二）“三公”经费预算：2025年长沙市公安局“三公”",
        "经费预算数为458.50万元，其中，公务接待费28.50万元。",
    )
    assert got == ("sangong", Decimal("458.50"), None)


def test_a_function_under_a_project_heading_is_its_project_part() -> None:
    """长沙: '（二）项目支出：…公共安全支出40230.95万元' states the 项目支出 of 公共安全支出, not
    the class's total; the fund of the section stays with the other figures."""
    facts = parse_narrative(
        Layout(
            blocks=[
                TextBlock("四、一般公共预算拨款支出"),
                TextBlock("2025年本单位一般公共预算拨款支出68632.12万元。"),
                TextBlock("（二）项目支出："),
                TextBlock("2025年本单位项目支出预算40233.95万元。"),
                TextBlock("公共安全支出40230.95万元，主要用于警务辅助人员经费。"),
            ]
        )
    )
    assert [(f.subject, f.scope) for f in facts] == [
        ("expenditure.total", "general_budget"),
        ("project", "general_budget"),
        ("function", "project"),
    ]


def test_a_total_whose_parts_list_the_carryover_is_the_grand_total() -> None:
    """杭州: '收入预算665964.37万元' with parts that add up to it only with 上年结转结余 is 收入总计;
    parts that do not add up to it leave it the year's income."""
    text = (
        "2026年收入预算665964.37万元，比上年执行数增加107,573.11万元。",
        "其中：一般公共预算拨款收入648,105.53万元，占97.3%；上年结转结余17,858.84万元，占2.7%。",
    )
    facts = parse_narrative(Layout(blocks=[TextBlock(t) for t in text]))
    assert [(f.subject, f.share_of) for f in facts] == [
        ("income.grand_total", None),
        ("income.general_budget", "income.grand_total"),
        ("income.carryover", "income.grand_total"),
    ]
    year = [text[0].replace("665964.37", "648105.53"), text[1]]
    facts = parse_narrative(Layout(blocks=[TextBlock(t) for t in year]))
    assert facts[0].subject == "income.total"
