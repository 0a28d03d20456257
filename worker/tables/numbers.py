"""Reading printed cells: numbers as the tables print them, and labels normalized for matching.

A cell is blank (no value), a dash (`-`, `—`: printed zero), a number (thousands separators,
full-width digits, minus or parentheses for negatives, stray spaces inside) or a percentage.
Labels keep their printed form in the output; `norm` is only the key used to look them up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache

from schemas import Unit
from schemas.reference import char_fold


class Kind(Enum):
    blank = "blank"
    dash = "dash"
    number = "number"
    percent = "percent"
    text = "text"


@dataclass(frozen=True, slots=True)
class Parsed:
    kind: Kind
    value: Decimal | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in (Kind.dash, Kind.number, Kind.percent)


def wan_of(parsed: Parsed, unit: Unit, money_column: bool) -> Decimal | None:
    """The one "is money" rule: a number (not a percentage) in a column whose key the
    vocabulary marks `money` is an amount, normalized to 万元; anything else has no 万元 figure."""
    if parsed.value is None or not money_column or parsed.kind is Kind.percent:
        return None
    return unit.to_wan(parsed.value)


BLANK = Parsed(Kind.blank)
_ZERO = Decimal(0)
_DASHES = frozenset("-‐‑‒–—―−－─━")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
# Thousands separators as printed, also malformed ones where only the last groups are
# separated ("125360,898" for 125,360,898): any run of digits, then groups of three.
_NUMBER = re.compile(r"^(\d+(?:,\d{3})+|\d+)?(?:\.(\d*))?$")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")  # the common case, parsed without any rewriting
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_NUMBERING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十百]+[)）、.．]|[（(]\d+[)）]|\d+[、.．](?!\d)|其中[:：]?|加[:：]|减[:：])+"
)
_DROP = re.compile(r"[\s\u3000\u00a0“”\"'‘’（）()\[\]【】<>《》:：,，、·*]")


@lru_cache(maxsize=65536)
def parse(text: str) -> Parsed:
    """What a value cell says. Never raises: unreadable text is Kind.text."""
    if _PLAIN.match(text):
        return Parsed(Kind.number, Decimal(text))
    s = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    if not s:
        return BLANK
    if all(ch in _DASHES for ch in s):
        return Parsed(Kind.dash, _ZERO)
    return _parse_signed(s)


def _parse_signed(s: str) -> Parsed:
    negative = False
    if s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1]
    if s and s[0] in _DASHES:  # a minus sign in any of its printed shapes
        negative, s = not negative, s[1:]
    elif s[:1] == "+":
        s = s[1:]
    kind = Kind.number
    if s.endswith("%"):
        kind, s = Kind.percent, s[:-1]
    m = _NUMBER.match(s)
    if not s or not m or (m.group(1) is None and not m.group(2)):
        return Parsed(Kind.text)
    try:
        value = Decimal(s.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return Parsed(Kind.text)
    return Parsed(kind, -value if negative else value)


def is_code(text: str) -> bool:
    """A classification code as printed: 3, 5 or 7 digits."""
    return bool(_CODE.match(text))


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Matching key of a label: NFKC, radicals and variants folded, spaces/quotes/brackets gone."""
    s = unicodedata.normalize("NFKC", text)
    fold = char_fold()
    if any(ch in fold for ch in s):
        s = "".join(fold.get(ch, ch) for ch in s)
    return _DROP.sub("", s)


@lru_cache(maxsize=65536)
def norm_label(text: str) -> str:
    """`norm` of a row label without its leading numbering (一、 （一） 1. 其中：)."""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    return norm(_NUMBERING.sub("", s))
