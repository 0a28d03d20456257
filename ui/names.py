"""What the reviewer reads for a table, column or narrative subject: the document's printed
text where it has one, else the reference data's name (schemas/names.py), else a word saying it
is unnamed — never an internal key (`general_budget_expenditure`, `income_total`, `**`)."""

from __future__ import annotations

from schemas import Table
from schemas.names import column_title, subject_title, table_title
from ui.i18n import t


def table_name(key: str | None, table: Table | None = None) -> str:
    if table is not None and table.title.strip():
        return table.title.strip()
    return table_title(key) or t("names.unclassified_table")


def column_name(key: str | None, table: Table | None = None) -> str:
    """A column as printed in `table`, else by the vocabulary."""
    if not key:
        return ""
    if table is not None:
        printed = next((c.title for c in table.columns if c.key == key and c.title), None)
        if printed:
            return printed
    return column_title(key) or t("names.other_column")


def subject_name(subject: str, printed: str = "") -> str:
    """A narrative figure's subject: its name in the vocabulary, else as printed; a phrase the
    vocabulary does not know is 未识别 (unknown)."""
    if subject == "unknown":
        return t("names.unknown_subject")
    return subject_title(subject) or printed or t("names.unknown_subject")
