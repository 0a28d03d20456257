"""A spreadsheet cell's value as the sheet prints it: its number format applied the way Excel
does, as far as the amounts of these documents need it (decimals, thousands separators, percent,
literal text, a section for negatives and one for zero; 'General' shows at most 11 significant
digits, so a formula's 123.45000000001 is printed 123.45). Rounding is half away from zero from
the shortest decimal form of the float, as Excel shows 2.675 → 2.68. Scientific formats and
fractions fall back to 'General'; dates are printed as ISO text unless the format is a Chinese
年月日 one."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

_GENERAL_DIGITS = 11
_BRACKETS = re.compile(r"\[[^\]]*\]")  # [Red], [$-804], [>=100]
_QUOTED = re.compile(r'"([^"]*)"|\\(.)|_.|\*.')  # "literal", \x literal; _x, *x padding
_PLACEHOLDERS = re.compile(r"[#0?][#0?,]*(?:\.[#0?]*)?|\.[#0?]+")
_UNSUPPORTED = re.compile(r"[Ee][+-]|/")


def printed(value: object, number_format: str = "General") -> str:
    """`value` as read by openpyxl or xlrd (str, int, float, bool, datetime …) → its text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "".join(line.strip() for line in value.splitlines())  # as DOCX joins paragraphs
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date | time | timedelta):
        return _date(value, number_format)
    if isinstance(value, int | float):
        return number(value, number_format)
    return str(value).strip()


def number(value: float, number_format: str = "General") -> str:
    sections = number_format.split(";")
    section = sections[0]
    if value < 0 and len(sections) > 1 and sections[1].strip():
        section, value = sections[1], -value  # the negative section prints its own sign
    elif value == 0 and len(sections) > 2:
        section = sections[2]
    section = _BRACKETS.sub("", section)
    if section.strip().lower() in ("general", "") or section.strip() == "@":
        return _general(value)
    literal = _QUOTED.sub(lambda m: "\x00" * len(m.group(0)), section)
    if _UNSUPPORTED.search(literal):
        return _general(value)
    if "%" in literal:
        value *= 100 * literal.count("%")
    found = _PLACEHOLDERS.search(literal)
    if found is None:  # all literal: '"-"' for zero
        return _unquote(section).strip()
    digits = _format(value, found.group(0))
    return (_unquote(section[: found.start()]) + digits + _unquote(section[found.end():])).strip()


def _format(value: float, placeholders: str) -> str:
    whole, _, frac = placeholders.partition(".")
    decimals = len(frac)
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if frac and not frac.endswith("0"):  # '#' decimals: trailing zeros are not printed
        keep = len(frac.rstrip("#?"))
        text = f"{rounded:{',' if ',' in whole else ''}.{decimals}f}"
        text = _strip_to(text, decimals - keep)
    else:
        text = f"{rounded:{',' if ',' in whole else ''}.{decimals}f}"
    if "0" not in whole and text.lstrip("-").split(".")[0] == "0":
        text = text.replace("0", "", 1)  # '#.00' prints .5, '#' or '??' print nothing for 0
    return text


def _strip_to(text: str, optional: int) -> str:
    """At most `optional` trailing zeros dropped from the decimals, then a bare point."""
    for _ in range(optional):
        if not text.endswith("0"):
            break
        text = text[:-1]
    return text.rstrip(".")


def _unquote(part: str) -> str:
    def plain(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return m.group(2) or ""  # \x → x; _x and *x → nothing

    return _QUOTED.sub(plain, _BRACKETS.sub("", part))


def _general(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{Decimal(f'{value:.{_GENERAL_DIGITS}g}'):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(value: date | time | timedelta, number_format: str) -> str:
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    if isinstance(value, date) and not isinstance(value, datetime) and "年" in number_format:
        text = f"{value.year}年{value.month}月"
        return text + f"{value.day}日" if "日" in number_format else text
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
