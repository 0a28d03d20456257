"""Figures as a sentence prints them: `19,577万元`, `1,182.59万元`, `3.2亿元`, `477884.00元`,
`-89.44万元`, `７２．４６％` — separators (also malformed: `125360,898`), full-width digits,
spaced digits, a unit per figure.
"""

from __future__ import annotations

import re
from decimal import Decimal

from schemas.narrative import Amount

# 万元 per unit; the unit is kept as printed (Amount.unit)
SCALE = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}
MONEY = tuple(SCALE)
TOKEN = re.compile(r"(?<![\d.,])((?<!\d)[-−－])?(\d+(?:,\d+)*(?:\.\d+)?)\s*(万元|亿元|元|%|个|分)")
_FULL = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_SPACED = re.compile(r"(?<=\d)\s+(?=[\d万元亿%.,])|(?<=[.,])\s+(?=\d)|(?<=万)\s+(?=元)")
_WIDE_SEP = re.compile(r"(?<=\d)，(?=\d{3}(?:\.\d+)?\s*(?:万元|亿元|元))")  # '19，577万元'


def normalize(text: str) -> str:
    """ASCII digits, no spaces inside a figure, a full-width separator inside an amount made
    ASCII (so clause splitting on '，' leaves the amount whole)."""
    text = text.translate(_FULL)
    return _WIDE_SEP.sub(",", _SPACED.sub("", text))


def number(m: re.Match[str]) -> Decimal:
    value = Decimal(m.group(2).replace(",", ""))
    return -value if m.group(1) else value


def amount(m: re.Match[str], negate: bool = False) -> Amount:
    """The money figure of a TOKEN match (万元 / 亿元 / 元), negated for 减少 when printed positive."""
    value, unit = number(m), m.group(3)
    if negate and value > 0:
        value = -value
    raw = ("-" if m.group(1) else "") + m.group(2)
    return Amount(raw=raw, value=value, unit=unit, wan=value * SCALE[unit])
