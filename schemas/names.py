"""The Chinese names the reference data gives its keys — what a message or a screen prints for a
table, column, row or narrative subject when the document's own printed text is not at hand.
Keys (`general_budget_expenditure`, `income_total`, `carryover.general_budget`) are for code;
a reviewer reads these names. None when the reference data has no name for the key."""

from __future__ import annotations

import re
from functools import cache

import yaml

from schemas.reference import (
    REFERENCE_DIR,
    column_vocabulary,
    economic_codes,
    function_codes,
    row_vocabulary,
    table_catalogue,
)

_YEAR = re.compile(r"^\d{4}年(度)?")
_SUFFIX = re.compile(r"_\d+$")  # a repeated column key's index (project_2)


@cache
def _tables() -> dict[str, str]:
    """Table key → a title as tables print it: the catalogue's first example, year dropped."""
    out: dict[str, str] = {}
    for rule in table_catalogue().rules:
        if rule.examples:
            out.setdefault(rule.key, _YEAR.sub("", rule.examples[0]))
    return out


def table_title(key: str | None) -> str | None:
    return _tables().get(key or "")


@cache
def _columns() -> dict[str, str]:
    vocab = column_vocabulary()
    out = {k: v.aliases[0] for k, v in vocab.values.items() if v.aliases}
    return out | {k: v.aliases[0] for k, v in vocab.roles.items() if v.aliases}


def column_title(key: str | None) -> str | None:
    """A column key's name, part by part (carryover.general_budget → 上年结转/一般公共预算; a
    repeated key's `_2` dropped); None when a part has no name."""
    if not key:
        return None
    names = [_columns().get(_SUFFIX.sub("", part)) for part in key.split(".")]
    return None if None in names else "/".join(n for n in names if n)


@cache
def _rows() -> dict[str, str]:
    vocab = row_vocabulary()
    out: dict[str, str] = {}
    for side in (vocab.income_side, vocab.expenditure_side, vocab.any, *vocab.by_table.values()):
        for key, aliases in side.items():
            if aliases:
                out.setdefault(key, aliases[0])
    return out


def row_title(code: str | None) -> str | None:
    """A row: a function or economic code with its name ('2010101 行政运行'), a canonical line
    key by its name (income_total → 本年收入合计)."""
    if not code:
        return None
    if code.isdigit():
        for codes in (function_codes(), economic_codes()):
            name = codes.items.get(code) or next(iter(codes.class_names().get(code, [])), None)
            if name:
                return f"{code} {name}"
        return code  # a printed code is text, not a key
    return _rows().get(code)


@cache
def _subjects() -> dict[str, str]:
    raw = yaml.safe_load((REFERENCE_DIR / "narrative_subjects.yaml").read_text("utf-8"))
    return {key: aliases[0] for key, aliases in raw["subjects"].items() if aliases}


def subject_title(subject: str | None) -> str | None:
    """A narrative subject key's name (income.total → 收入合计); None for `unknown` and others."""
    return _subjects().get(subject or "")
