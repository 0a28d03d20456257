from decimal import Decimal

import pytest

from worker.tables.numbers import Kind, is_code, norm, norm_label, parse


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("691.05", Kind.number, "691.05"),
        ("0", Kind.number, "0"),
        ("0.00", Kind.number, "0.00"),
        ("1,234,567.89", Kind.number, "1234567.89"),
        ("1，234.5", Kind.number, "1234.5"),  # full-width comma
        ("１２３．４５", Kind.number, "123.45"),  # full-width digits and point
        ("4 914.00", Kind.number, "4914.00"),  # a spurious space inside the number
        (" 12.30\u3000", Kind.number, "12.30"),
        ("(12.30)", Kind.number, "-12.30"),
        ("（12.30）", Kind.number, "-12.30"),
        ("-3.5", Kind.number, "-3.5"),
        ("−3.5", Kind.number, "-3.5"),  # U+2212 minus
        ("－3.5", Kind.number, "-3.5"),  # full-width hyphen-minus
        ("12.5%", Kind.percent, "12.5"),
        ("100.00％", Kind.percent, "100.00"),
        ("-", Kind.dash, "0"),
        ("—", Kind.dash, "0"),
        ("——", Kind.dash, "0"),
        ("–", Kind.dash, "0"),
        ("", Kind.blank, None),
        ("   ", Kind.blank, None),
        ("abc", Kind.text, None),
        ("详见附表", Kind.text, None),
        ("1.2.3", Kind.text, None),
        ("12,34", Kind.text, None),  # not a thousands grouping
        ("125360,898", Kind.number, "125360898"),  # only the last group separated (上海)
        ("2417,031,500.50", Kind.number, "2417031500.50"),
        ("96,722.180672", Kind.number, "96722.180672"),  # 6 decimals (北京)
        ("1,2345", Kind.text, None),
        ("一", Kind.text, None),  # the numeral one is not a dash
    ],
)
def test_parse(text: str, kind: Kind, value: str | None) -> None:
    parsed = parse(text)
    assert parsed.kind is kind
    assert parsed.value == (Decimal(value) if value is not None else None)


def test_blank_dash_and_zero_are_distinct() -> None:
    assert parse("").value is None
    assert parse("-").kind is Kind.dash and parse("-").value == 0
    assert parse("0").kind is Kind.number


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("201", True),
        ("20137", True),
        ("2013701", True),
        ("2013", False),
        ("227001", False),
        ("20a", False),
    ],
)
def test_is_code(text: str, ok: bool) -> None:
    assert is_code(text) is ok


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("一、一般公共预算拨款收入", "一般公共预算拨款收入"),
        ("（一）一般公共服务支出", "一般公共服务支出"),
        ("(三十三) 债务发行费用支出", "债务发行费用支出"),
        ("其中：财政拨款", "财政拨款"),
        ("1.办公费", "办公费"),
        ("部门（单位）名称", "部门单位名称"),
        ("“三公”经费合计", "三公经费合计"),
        ("收入決算表", "收入决算表"),  # a traditional form folded
        ("部⻔预算", "部门预算"),  # a CJK radical from a broken text layer
    ],
)
def test_norm_label(label: str, key: str) -> None:
    assert norm_label(label) == key


def test_norm_keeps_numbers() -> None:
    assert norm("2024年 预算") == "2024年预算"
