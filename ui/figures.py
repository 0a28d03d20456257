"""Headline figures of a document for the Overview charts (where to find them: figures.yaml)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from schemas import Document, Row, Table
from ui.i18n import t


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    rows: list[str] | None = None
    columns: list[str] | None = None
    sum: bool = Field(
        False, description="Add up the listed rows (or columns) instead of first-found"
    )


class Figure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    sources: list[Source]


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value_columns: list[str]
    total_rows: list[str]
    figures: dict[str, Figure]


@cache
def catalogue() -> Catalogue:
    raw = yaml.safe_load((Path(__file__).with_name("figures.yaml")).read_text("utf-8"))
    return Catalogue.model_validate(raw)


def figures(doc: Document) -> dict[str, Decimal]:
    """Figure key → amount in 万元, for the figures this document prints."""
    found = {}
    for key, fig in catalogue().figures.items():
        value = next((v for s in fig.sources if (v := _from_source(doc, s)) is not None), None)
        if value is not None:
            found[key] = value
    return found


def _from_source(doc: Document, src: Source) -> Decimal | None:
    cat = catalogue()
    for table in (tb for tb in doc.tables if tb.key == src.table and tb.rows):
        if src.sum:
            parts = (
                [_cell(table, [r], cat.value_columns) for r in src.rows]
                if src.rows
                else [_cell(table, None, [c]) for c in src.columns or []]
            )
            if any(p is not None for p in parts):
                return sum((p for p in parts if p is not None), Decimal(0))
            continue
        value = _cell(table, src.rows, src.columns or cat.value_columns)
        if value is not None:
            return value
    return None


def _cell(table: Table, rows: list[str] | None, columns: list[str]) -> Decimal | None:
    for row in _rows(table, rows):
        for col in columns:
            value = row.values.get(col)
            if value is not None and value.wan is not None:
                return value.wan
    return None


def _rows(table: Table, wanted: list[str] | None) -> list[Row]:
    if wanted:
        return [r for code in wanted for r in table.rows if code in (r.row_code, r.code)]
    totals = catalogue().total_rows
    return [r for r in table.rows if r.row_code in totals or r.level == 0] or table.rows[:1]


def label(key: str) -> str:
    return catalogue().figures[key].label


def figure_rows(doc: Document, status: str) -> list[dict[str, Any]]:
    base = {
        "doc_id": doc.doc_id,
        "department": doc.department or t("common.department_unknown"),
        "year": doc.fiscal_year,
        "doc_type": doc.doc_type,
        "status": status,
    }
    return [
        base | {"figure": k, "label": label(k), "wan": float(v)} for k, v in figures(doc).items()
    ]
