"""The export contract: exact columns in every format, numbers exact, blanks not exported, OCR
confidence and suspected misreads carried through every format."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas import Column, DocStatus, Document, Finding, Location, Row, Table, Value
from tests.support.exports import read_export
from tools.synth import generate
from tools.synth_errors import inject_error
from worker.pipeline.checks import run_checks
from worker.services.export import (
    DOCUMENT_COLUMNS,
    FACT_COLUMNS,
    FINDING_COLUMNS,
    FORMATS,
    export,
    finding_rows,
)
from worker.store import Store

OCR_BOX = (70.0, 20.0, 110.0, 32.5)


def _doc(doc_id: str) -> Document:
    values = {
        "total": Value(
            raw="1,234.56",
            value=Decimal("1234.56"),
            wan=Decimal("1234.56"),
            page=3,
            bbox=(10.0, 20.0, 60.0, 32.5),
        ),
        "basic": Value(raw="", value=None, wan=None, page=3),
    }
    ocr = {  # a scanned page's cell: OCR confidence, and one number read unsure
        "total": Value(
            raw="17.43",
            value=Decimal("17.43"),
            wan=Decimal("17.43"),
            page=4,
            bbox=OCR_BOX,
            confidence=0.62,
        ),
    }
    table = Table(
        key="expenditure",
        title="部门支出预算表",
        pages=[3, 4],
        columns=[Column(key="total", title="合计"), Column(key="basic", title="基本支出")],
        rows=[
            Row(code="2013701", name="行政运行", level=3, values=values),
            Row(code="2013702", name="一般行政管理事务", level=3, values=ocr),
        ],
    )
    return Document(
        doc_id=doc_id,
        source_file="x.pdf",
        department="测试办公室",
        fiscal_year=2024,
        doc_type="budget",
        unit="万元",
        pages=5,
        tables=[table],
    )


@pytest.fixture
def filled(store: Store) -> Store:
    doc_id, _ = store.add_document(b"%PDF-1.7 a", "x.pdf", "pdf")
    finding = Finding(
        rule_id="hierarchy_sum",
        message="类 ≠ Σ款（疑似OCR误读：第4页 一般行政管理事务 合计 “17.43”，置信度0.62）",
        expected=Decimal("1"),
        actual=Decimal("2"),
        difference=Decimal("1"),
        tolerance=Decimal("0.01"),
        locations=[
            Location(
                table_key="expenditure",
                row_code="2013702",
                column_key="total",
                page=4,
                bbox=OCR_BOX,
                confidence=0.62,
                suspect=True,
            ),
            Location(table_key="expenditure", row_code="201", page=3),
            Location(table_key="expenditure", row_code="20137", page=3),
        ],
    )
    store.save_result(_doc(doc_id), [finding], DocStatus.needs_review)
    return store


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_columns_and_values(filled: Store, tmp_path: Path, fmt: str) -> None:
    counts = export(filled, fmt, tmp_path, confirmed_only=False)
    assert counts == {"documents": 1, "findings": 3, "facts": 2, "targets": 0,
                      "self_evaluation": 0, "narrative_figures": 0}
    tables = {name: read_export(tmp_path, name, fmt) for name in ("documents", "findings", "facts")}
    assert list(tables["documents"][0]) == DOCUMENT_COLUMNS
    assert list(tables["findings"][0]) == FINDING_COLUMNS
    assert [f["row_code"] for f in tables["findings"]] == ["2013702", "201", "20137"]
    if fmt == "json":
        doc = json.loads(next(tmp_path.glob("*[0-9a-f].json")).read_text("utf-8"))
        assert doc["tables"][0]["rows"][0]["values"]["total"]["raw"] == "1,234.56"
        assert doc["tables"][0]["rows"][1]["values"]["total"]["confidence"] == 0.62
    fact, _ = tables["facts"]
    assert list(fact) == FACT_COLUMNS
    assert Decimal(str(fact["value_wan"])) == Decimal("1234.56")
    assert (fact["value_raw"], int(fact["page"]), float(fact["y1"])) == ("1,234.56", 3, 32.5)
    assert (fact["row_code"], fact["column_key"], fact["status"]) == (
        "2013701",
        "total",
        "extracted",
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_ocr_confidence_and_suspects_round_trip(filled: Store, tmp_path: Path, fmt: str) -> None:
    """Facts: confidence last, blank for a text-layer value. Findings: suspect and confidence
    per location row, last."""
    export(filled, fmt, tmp_path)
    findings = read_export(tmp_path, "findings", fmt)
    assert FINDING_COLUMNS[-7:-5] == ["suspect", "confidence"]  # v2's last, then v4's review
    got = [(_bool(f["suspect"]), _float(f["confidence"])) for f in findings]
    assert got == [(True, 0.62), (False, None), (False, None)]
    assert FACT_COLUMNS[-4] == "confidence"  # v2's last, then v5's review
    facts = read_export(tmp_path, "facts", fmt)
    assert [(f["row_code"], _float(f["confidence"])) for f in facts] == [
        ("2013701", None),
        ("2013702", 0.62),
    ]


def test_parquet_types_a_column_blank_in_every_row(store: Store, tmp_path: Path) -> None:
    """A batch with no OCR'd page still types confidence as a float and suspect as a bool, so
    batches concatenate."""
    doc_id, _ = store.add_document(b"%PDF-1.7 digital", "d.pdf", "pdf")
    doc = _doc(doc_id)
    doc.tables[0].rows.pop()
    finding = Finding(rule_id="r", message="m", locations=[Location(table_key="expenditure")])
    store.save_result(doc, [finding], DocStatus.needs_review)
    export(store, "parquet", tmp_path)
    facts, findings = (pq.read_table(tmp_path / f"{n}.parquet") for n in ("facts", "findings"))
    assert facts.schema.field("confidence").type == pa.float64()
    assert findings.schema.field("confidence").type == pa.float64()
    assert findings.schema.field("suspect").type == pa.bool_()
    assert findings.column("suspect").to_pylist() == [False]


def test_finding_rows_of_real_checks_follow_the_contract() -> None:
    bad, _ = inject_error(generate(7), "summary_balance", random.Random(1)) or (None, None)
    assert bad is not None
    rows = list(finding_rows(bad.doc_id, run_checks(bad)))
    assert rows and all(list(r) == FINDING_COLUMNS for r in rows)
    assert {(r["suspect"], r["confidence"]) for r in rows} == {(False, None)}  # digital


def test_confirmed_only(filled: Store, tmp_path: Path) -> None:
    assert set(export(filled, "csv", tmp_path, confirmed_only=True).values()) == {0}


def _bool(v: object) -> bool:
    return v in (True, "True")  # CSV writes Python's spelling


def _float(v: object) -> float | None:
    return None if v in (None, "") else float(v)  # type: ignore[arg-type]
