"""The export contract: exact columns in every format, numbers exact, blanks not exported."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from schemas import Column, DocStatus, Document, Finding, Location, Row, Table, Value
from worker.export import DOCUMENT_COLUMNS, FACT_COLUMNS, FINDING_COLUMNS, export
from worker.store import Store


def _doc(doc_id: str) -> Document:
    values = {
        "total": Value(raw="1,234.56", value=Decimal("1234.56"), wan=Decimal("1234.56"), page=3,
                       bbox=(10.0, 20.0, 60.0, 32.5)),
        "basic": Value(raw="", value=None, wan=None, page=3),
    }
    table = Table(key="expenditure", title="部门支出预算表", pages=[3],
                  columns=[Column(key="total", title="合计"), Column(key="basic", title="基本支出")],
                  rows=[Row(code="2013701", name="行政运行", level=3, values=values)])
    return Document(doc_id=doc_id, source_file="x.pdf", department="测试办公室", fiscal_year=2024,
                    doc_type="budget", unit="万元", pages=5, tables=[table])


@pytest.fixture
def filled(store: Store) -> Store:
    doc_id, _ = store.add_document(b"%PDF-1.7 a", "x.pdf", "pdf")
    finding = Finding(rule_id="hierarchy_sum", message="类 ≠ Σ款", expected=Decimal("1"),
                      actual=Decimal("2"), difference=Decimal("1"), tolerance=Decimal("0.01"),
                      locations=[Location(table_key="expenditure", row_code="201", page=3),
                                 Location(table_key="expenditure", row_code="20137", page=3)])
    store.save_result(_doc(doc_id), [finding], DocStatus.needs_review)
    return store


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
def test_export_columns_and_values(filled: Store, tmp_path: Path, fmt: str) -> None:
    counts = export(filled, fmt, tmp_path, confirmed_only=False)
    assert counts == {"documents": 1, "findings": 2, "facts": 1}
    tables = {name: _read(tmp_path / f"{name}.{fmt}", fmt)
              for name in ("documents", "findings") + (("facts",) if fmt != "json" else ())}
    assert list(tables["documents"][0]) == DOCUMENT_COLUMNS
    assert list(tables["findings"][0]) == FINDING_COLUMNS
    assert [f["row_code"] for f in tables["findings"]] == ["201", "20137"]
    if fmt == "json":
        doc = json.loads(next(tmp_path.glob("*[0-9a-f].json")).read_text("utf-8"))
        assert doc["tables"][0]["rows"][0]["values"]["total"]["raw"] == "1,234.56"
        return
    (fact,) = tables["facts"]
    assert list(fact) == FACT_COLUMNS
    assert Decimal(str(fact["value_wan"])) == Decimal("1234.56")
    assert (fact["value_raw"], int(fact["page"]), float(fact["y1"])) == ("1,234.56", 3, 32.5)
    assert (fact["row_code"], fact["column_key"], fact["status"]) == ("2013701", "total",
                                                                       "extracted")


def test_confirmed_only(filled: Store, tmp_path: Path) -> None:
    assert export(filled, "csv", tmp_path, confirmed_only=True) == {
        "documents": 0, "findings": 0, "facts": 0}


def _read(path: Path, fmt: str) -> list[dict]:
    if fmt == "csv":
        with path.open(encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    if fmt == "json":
        return json.loads(path.read_text("utf-8"))
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
