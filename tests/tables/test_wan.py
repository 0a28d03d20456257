"""One 元→万元 conversion and one "is money" rule, for printed cells and corrections alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas import Unit
from worker.tables.headers import money_column
from worker.tables.numbers import parse, wan_of


@pytest.mark.parametrize(
    ("raw", "unit", "money", "wan"),
    [
        ("12,345", Unit.yuan, True, Decimal("1.2345")),
        ("1,234.50", Unit.wan, True, Decimal("1234.50")),  # as printed, trailing zero kept
        ("-", Unit.yuan, True, Decimal(0)),
        ("95.00%", Unit.wan, True, None),  # a percentage is never an amount
        ("96.5", Unit.wan, False, None),  # nor a number in a rate column
        ("", Unit.wan, True, None),
    ],
)
def test_wan_of(raw: str, unit: Unit, money: bool, wan: Decimal | None) -> None:
    got = wan_of(parse(raw), unit, money)
    assert got == wan and str(got) == str(wan)


def test_money_columns_follow_the_vocabulary_by_the_key_leaf() -> None:
    assert money_column("total") and money_column("prior_year.basic") and money_column("amount")
    assert not money_column("rate") and not money_column("prior_year.change_rate")
