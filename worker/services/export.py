"""Export: per-document JSON, or tidy facts / documents / findings tables (CSV, XLSX, Parquet),
and in every format the performance and narrative-figure tables (worker/services/tidy.py).
Streamed: documents are read a batch at a time and every row goes to its file as it is made
(worker/services/sinks.py), so memory stays flat however many documents are exported.
XLSX is one workbook (`budgetlens.xlsx`): a sheet per table, the facts split into a sheet per
table kind, each with its header row frozen and an autofilter.

Every value carries its review (worker/services/provenance.py): status as the reviewer left it
(a corrected value of a confirmed document stays `corrected`), the value as extracted before
the correction, who reviewed it and when. A correction to blank is exported, blank with its
original, not dropped as an empty cell.

The column lists below are the export contract (README); they change only with a version note.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from schemas import DocStatus, Document, Finding, Location, ValueStatus
from schemas.performance import Usage
from schemas.records import Dismissal, DocumentRecord, dismissal_of
from worker.services import tidy
from worker.services.provenance import Ledger, reviewed_status
from worker.services.sinks import NAMED_SHEETS, WORKBOOK, Sinks  # noqa: F401 (the UI's names)
from worker.services.tidy import (
    NARRATIVE_FIGURE_COLUMNS,
    SELF_EVALUATION_COLUMNS,
    TARGET_COLUMNS,
    narrative_figure_rows,
    self_evaluation_rows,
    target_rows,
)
from worker.store import Store
from worker.store.llm_cache import LLMCache

FACT_COLUMNS = [
    "doc_id",
    "department",
    "fiscal_year",
    "doc_type",
    "table_key",
    "table_title",
    "row_code",
    "row_name",
    "column_key",
    "column_title",
    "value_raw",
    "value_wan",
    "page",
    "x0",
    "y0",
    "x1",
    "y1",
    "status",
    "confidence",
    "original",  # v5: the review of the value, from the audit log
    "reviewer",
    "reviewed_at",
]
DOCUMENT_COLUMNS = [
    "doc_id",
    "source_file",
    "sha256",
    "department",
    "region",
    "fiscal_year",
    "doc_type",
    "unit",
    "pages",
    "status",
    "findings",
    "llm_calls",
    "llm_tokens_in",
    "llm_tokens_out",
]
FINDING_COLUMNS = [
    "doc_id",
    "rule_id",
    "severity",
    "message",
    "expected",
    "actual",
    "difference",
    "tolerance",
    "table_key",
    "row_code",
    "column_key",
    "page",
    "suspect",
    "confidence",
    "status",  # v4: open | dismissed, and the dismissal's reason, note, reviewer, time
    "reason",
    "note",
    "reviewer",
    "reviewed_at",
]
DECIMAL_COLUMNS = {"value_wan", "expected", "actual", "difference", "tolerance",
                   *tidy.DECIMAL_COLUMNS}
# typed here, not guessed from the first value: a column blank in every row (a digital batch has
# no OCR confidence) still gets its type
TYPED_COLUMNS = {"confidence": "float64", "suspect": "bool"}
FORMATS = ("json", "csv", "xlsx", "parquet")


def fact_rows(
    doc: Document, doc_status: DocStatus, ledger: Ledger | None = None
) -> Iterator[dict[str, Any]]:
    ledger = ledger or Ledger([])
    for table in doc.tables:
        titles = {c.key: c.title for c in table.columns}
        for row in table.rows:
            for key, value in row.values.items():
                status = reviewed_status(value.status, doc_status)
                blank = value.value is None and not value.raw.strip()
                if blank and status != ValueStatus.corrected:
                    continue  # a blank cell is not a number; a value corrected to blank is
                box = value.bbox or (None, None, None, None)
                review = ledger.cell(table.key, row, key, status)
                yield dict(
                    zip(
                        FACT_COLUMNS,
                        [
                            doc.doc_id,
                            doc.department,
                            doc.fiscal_year,
                            doc.doc_type,
                            table.key,
                            table.title,
                            row.code or row.row_code,
                            row.name,
                            key,
                            titles.get(key, key),
                            value.raw,
                            value.wan,
                            value.page,
                            *box,
                            status,
                            value.confidence,
                            review["original"],
                            review["reviewer"],
                            review["reviewed_at"],
                        ],
                        strict=True,
                    )
                )


def document_row(rec: DocumentRecord, usage: Usage) -> dict[str, Any]:
    return {
        "doc_id": rec.doc_id,
        "source_file": rec.source_file,
        "sha256": rec.doc_id,
        "department": rec.department,
        "region": rec.region,
        "fiscal_year": rec.fiscal_year,
        "doc_type": rec.doc_type,
        "unit": rec.unit,
        "pages": rec.pages,
        "status": rec.status.value,
        "findings": rec.n_findings,
        "llm_calls": usage.calls,
        "llm_tokens_in": usage.tokens_in,
        "llm_tokens_out": usage.tokens_out,
    }


def finding_rows(
    doc_id: str, findings: list[Finding], dismissals: dict[str, Dismissal] | None = None
) -> Iterator[dict[str, Any]]:
    for f in findings:
        d = dismissal_of(f, dismissals or {})
        base = {
            "doc_id": doc_id,
            "rule_id": f.rule_id,
            "severity": f.severity.value,
            "message": f.message,
            "expected": f.expected,
            "actual": f.actual,
            "difference": f.difference,
            "tolerance": f.tolerance,
        }
        review = {
            "status": "dismissed" if d else "open",
            "reason": d and d.reason.value,
            "note": d and d.note,
            "reviewer": d and d.user,
            "reviewed_at": d and d.at.isoformat(),
        }
        locs: list[Location | None] = [*f.locations] or [None]
        for loc in locs:
            yield base | {
                "table_key": loc and loc.table_key,
                "row_code": loc and loc.row_code,
                "column_key": loc and loc.column_key,
                "page": loc and loc.page,
                "suspect": bool(loc and loc.suspect),
                "confidence": loc and loc.confidence,
            } | review


SCAN = 20  # documents whose results are in memory at once
TABLES = {
    "documents": DOCUMENT_COLUMNS,
    "findings": FINDING_COLUMNS,
    "facts": FACT_COLUMNS,
    "targets": TARGET_COLUMNS,
    "self_evaluation": SELF_EVALUATION_COLUMNS,
    "narrative_figures": NARRATIVE_FIGURE_COLUMNS,
}


def export(store: Store, fmt: str, out: Path, confirmed_only: bool = False,
           scan: int = SCAN) -> dict[str, int]:
    """Write the export under `out`; returns row counts per table. Streamed: the documents are
    read `scan` at a time and their rows written as they come (worker/services/sinks.py)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    sinks = Sinks(fmt, out, TABLES, _arrow_type)
    ids = store.ids(DocStatus.confirmed if confirmed_only else None)
    usage = LLMCache(store.engine)
    for start in range(0, len(ids), scan):
        _export_batch(store, usage, ids[start : start + scan], sinks)
    return sinks.close()


def _export_batch(store: Store, usage: LLMCache, batch: list[str], sinks: Sinks) -> None:
    records = store.list(doc_ids=batch)
    results, audits = store.results_of(batch), store.audits_of(batch)
    dismissals, used = store.dismissals_of(batch), usage.usage_of(batch)
    for rec in records:
        sinks.write("documents", document_row(rec, used.get(rec.doc_id, Usage())))
    for rec in records:
        if rec.doc_id not in results:
            continue
        doc, doc_findings = results[rec.doc_id]
        if sinks.fmt == "json":
            (sinks.out / f"{rec.doc_id}.json").write_text(doc.model_dump_json(indent=1), "utf-8")
        ledger = Ledger(audits.get(rec.doc_id, []))
        rows = {
            "findings": finding_rows(rec.doc_id, doc_findings, dismissals.get(rec.doc_id)),
            "facts": fact_rows(doc, rec.status, ledger),
            "targets": target_rows(doc, rec.status, ledger),
            "self_evaluation": self_evaluation_rows(doc, rec.status, ledger),
            "narrative_figures": narrative_figure_rows(doc),
        }
        for name, table in rows.items():
            for row in table:
                sinks.write(name, row)


def _arrow_type(column: str, sample: Any) -> Any:
    """A column's Parquet type: the contract's where it says, else its first value's."""
    import pyarrow as pa

    if column in DECIMAL_COLUMNS:
        return pa.decimal128(24, 6)
    if column in TYPED_COLUMNS:
        return pa.type_for_alias(TYPED_COLUMNS[column])
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    return pa.string()

