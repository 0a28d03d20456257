"""What the reviewer reads for a table, column, row, rule or narrative subject: the document's
printed text where it has one, else the reference data's name (schemas/reference/*.yaml, the
rule catalogue) — never an internal key (`general_budget_expenditure`, `income_total`, `**`)."""

from __future__ import annotations

import re
from functools import cache

import yaml

from schemas import Table
from schemas.document import UNCLASSIFIED
from schemas.reference import (
    REFERENCE_DIR,
    column_vocabulary,
    economic_codes,
    function_codes,
    row_vocabulary,
    table_catalogue,
)
from ui.i18n import t
from worker.services.review import rule_title

_YEAR = re.compile(r"^\d{4}年(度)?")


@cache
def _table_titles() -> dict[str, str]:
    """Table key → a title as tables print it: the catalogue's first example, year dropped."""
    out = {}
    for rule in table_catalogue().rules:
        if rule.examples and rule.key not in out:
            out[rule.key] = _YEAR.sub("", rule.examples[0])
    return out


def table_name(key: str | None, table: Table | None = None) -> str:
    if table is not None and table.title.strip():
        return table.title.strip()
    if key is None or key == UNCLASSIFIED:
        return t("names.unclassified_table")
    return _table_titles().get(key) or t("names.other_table")


@cache
def _column_names() -> dict[str, str]:
    vocab = column_vocabulary()
    out = {k: v.aliases[0] for k, v in vocab.values.items() if v.aliases}
    out |= {k: v.aliases[0] for k, v in vocab.roles.items() if v.aliases}
    return out


def column_name(key: str | None, table: Table | None = None) -> str:
    """A column as printed in `table`, else by the vocabulary (dotted keys part by part:
    carryover.general_budget → 上年结转/一般公共预算; a repeated key's `_2` suffix dropped)."""
    if not key:
        return ""
    if table is not None:
        printed = next((c.title for c in table.columns if c.key == key and c.title), None)
        if printed:
            return printed
    names = _column_names()
    parts = [re.sub(r"_\d+$", "", p) for p in key.split(".")]
    return "/".join(names.get(p, t("names.other_column")) for p in parts)


@cache
def _row_names() -> dict[str, str]:
    vocab = row_vocabulary()
    out: dict[str, str] = {}
    for side in (vocab.income_side, vocab.expenditure_side, vocab.any,
                 *vocab.by_table.values()):
        for key, aliases in side.items():
            if aliases:
                out.setdefault(key, aliases[0])
    return out


def row_name(code: str | None, table: Table | None = None) -> str:
    """A row by its printed code and name in `table`, else by the reference data: the function
    or economic code's name, the canonical name of an uncoded line."""
    if not code:
        return ""
    if table is not None:
        for row in table.rows:
            if code in (row.code, row.row_code):
                return " ".join(p for p in (row.code, row.name) if p) or code
    if code.isdigit():
        for codes in (function_codes(), economic_codes()):
            name = codes.items.get(code) or next(iter(codes.class_names().get(code, [])), None)
            if name:
                return f"{code} {name}"
        return code  # a code is printed text, not a key
    return _row_names().get(code) or t("names.other_row")


def rule_name(rule_id: str, message: str = "") -> str:
    return rule_title(rule_id, message)


@cache
def _subjects() -> dict[str, str]:
    raw = yaml.safe_load((REFERENCE_DIR / "narrative_subjects.yaml").read_text("utf-8"))
    return {key: aliases[0] for key, aliases in raw["subjects"].items() if aliases}


def subject_name(subject: str, printed: str = "") -> str:
    """A narrative figure's subject: its name in the vocabulary, else as printed; a phrase the
    vocabulary does not know is 未识别 (unknown)."""
    if subject == "unknown":
        return t("names.unknown_subject")
    return _subjects().get(subject) or printed or t("names.unknown_subject")
