"""Export streamed: documents read a batch at a time (never one query per document, never all
at once), every row written as it comes, and the files the same as writing each table whole.
Memory flat in the number of documents is measured by bench/export.py, not here."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from schemas import DocStatus
from tests.support.exports import read_export
from tests.support.sql import statements
from tools.synth import generate
from worker.services.export import FACT_COLUMNS, FORMATS, _arrow_type, export
from worker.services.sinks import BATCH, NAMED_SHEETS, WORKBOOK, Sinks
from worker.store import Store


def _store(store: Store, n: int) -> list[str]:
    result = generate(3)
    ids = []
    for i in range(n):
        doc_id, _ = store.add_document(f"document {i}".encode(), f"d{i}.pdf", "pdf")
        result.doc_id = doc_id
        result.department = f"部门{i}"
        store.save_result(result, [], DocStatus.needs_review, 0.1)
        ids.append(doc_id)
    store.add_document(b"never read", "queued.pdf", "pdf")  # a document without a result
    return ids


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reads_documents_a_batch_at_a_time(store: Store, tmp_path: Path, fmt: str) -> None:
    ids = _store(store, 12)
    with statements(store.engine) as seen:
        counts = export(store, fmt, tmp_path, scan=5)
    results = [s for s in seen if "documents.result" in s]
    audits = [s for s in seen if s.startswith("SELECT") and "FROM audit" in s]
    # 13 documents in 3 batches: before, one result query and one audit query per document
    assert len(results) == len(audits) == 3, seen
    assert counts["documents"] == 13
    facts = read_export(tmp_path, "facts", fmt)
    assert len(facts) == counts["facts"] > 0
    assert [d for d in dict.fromkeys(r["doc_id"] for r in facts)] == ids  # documents in order
    documents = read_export(tmp_path, "documents", fmt)
    assert [r["source_file"] for r in documents] == [f"d{i}.pdf" for i in range(12)] + [
        "queued.pdf"]


def test_streamed_json_and_csv_are_the_files_written_whole(tmp_path: Path) -> None:
    columns = {"t": ["a", "b", "c"], "empty": ["x"]}
    rows = [{"a": i, "b": Decimal("1.50") * i, "c": f"行\n{i} \"q\""} for i in range(3)]
    for fmt in ("json", "csv"):
        sinks = Sinks(fmt, tmp_path, columns, _arrow_type)
        for row in rows:
            sinks.write("t", row)
        assert sinks.close() == {"t": 3, "empty": 0}
    plain = [{k: str(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]
    assert (tmp_path / "t.json").read_text("utf-8") == json.dumps(
        plain, ensure_ascii=False, indent=1)
    assert (tmp_path / "empty.json").read_text("utf-8") == "[]"
    whole = io.StringIO(newline="")
    writer = csv.DictWriter(whole, fieldnames=columns["t"])
    writer.writeheader()
    writer.writerows(plain)
    assert (tmp_path / "t.csv").read_bytes().decode("utf-8-sig") == whole.getvalue()


def test_parquet_row_groups_and_types_from_the_first_value(tmp_path: Path) -> None:
    columns = {"t": ["doc_id", "page", "value_wan", "note"]}
    sinks = Sinks("parquet", tmp_path, columns, _arrow_type)
    n = 2 * BATCH + 7
    for i in range(n):  # `note` is blank until late: its type comes from its first value
        sinks.write("t", {"doc_id": f"d{i}", "page": i, "value_wan": Decimal(i) / 4,
                          "note": "x" if i > BATCH else None})
    sinks.close()
    table = pq.read_table(tmp_path / "t.parquet")
    assert pq.ParquetFile(tmp_path / "t.parquet").num_row_groups == 3
    assert table.num_rows == n
    assert [str(t) for t in table.schema.types] == ["string", "int64", "decimal128(24, 6)",
                                                    "string"]
    assert table.column("value_wan")[n - 1].as_py() == Decimal(n - 1) / 4


def test_workbook_sheets_in_contract_order_whatever_order_rows_come(tmp_path: Path) -> None:
    columns = {name: ["doc_id"] for name in NAMED_SHEETS} | {"facts": FACT_COLUMNS}
    sinks = Sinks("xlsx", tmp_path, columns, _arrow_type)
    fact = dict.fromkeys(FACT_COLUMNS) | {"doc_id": "d1"}
    sinks.write("narrative_figures", {"doc_id": "d1"})
    sinks.write("facts", fact | {"table_key": "income"})
    sinks.write("documents", {"doc_id": "d1"})
    sinks.write("facts", fact | {"table_key": "expenditure"})
    sinks.write("facts", fact | {"table_key": "income"})
    sinks.close()
    wb = load_workbook(tmp_path / WORKBOOK)
    assert wb.sheetnames == ["documents", "findings", "income", "expenditure", "targets",
                             "self_evaluation", "narrative_figures"]
    assert wb["income"].max_row == 3 and wb["income"].freeze_panes == "A2"
    assert wb["income"].auto_filter.ref == "A1:V3"
    assert wb["findings"].max_row == 1  # an empty table keeps its header
