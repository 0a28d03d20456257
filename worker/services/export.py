"""Export: per-document JSON, or tidy facts / documents / findings tables (CSV, XLSX, Parquet),
and in every format the performance and narrative-figure tables (worker/services/tidy.py).
XLSX is one workbook (`budgetlens.xlsx`): a sheet per table, the facts split into a sheet per
table kind, each with its header row frozen and an autofilter.

Every value carries its review (worker/services/provenance.py): status as the reviewer left it
(a corrected value of a confirmed document stays `corrected`), the value as extracted before
the correction, who reviewed it and when. A correction to blank is exported, blank with its
original, not dropped as an empty cell.

The column lists below are the export contract (README); they change only with a version note.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from schemas import DocStatus, Document, Finding, Location, ValueStatus
from schemas.performance import Usage
from schemas.records import Dismissal, DocumentRecord, dismissal_of
from worker.services import tidy
from worker.services.provenance import Ledger, reviewed_status
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
WORKBOOK = "budgetlens.xlsx"
NAMED_SHEETS = ("documents", "findings", "targets", "self_evaluation", "narrative_figures")


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


def export(store: Store, fmt: str, out: Path, confirmed_only: bool = False) -> dict[str, int]:
    """Write the export under `out`; returns row counts per table."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    records = store.list(DocStatus.confirmed if confirmed_only else None)
    facts: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []
    dismissals = store.dismissals_of(r.doc_id for r in records)
    for rec in records:
        doc, doc_findings = store.load_result(rec.doc_id)
        if doc is None:
            continue
        if fmt == "json":
            (out / f"{rec.doc_id}.json").write_text(doc.model_dump_json(indent=1), "utf-8")
        ledger = Ledger(store.audit(rec.doc_id))
        facts.extend(fact_rows(doc, rec.status, ledger))
        findings.extend(finding_rows(rec.doc_id, doc_findings, dismissals.get(rec.doc_id)))
        targets.extend(target_rows(doc, rec.status, ledger))
        evaluations.extend(self_evaluation_rows(doc, rec.status, ledger))
        figures.extend(narrative_figure_rows(doc))
    usage = LLMCache(store.engine)
    tables = {
        "documents": (
            [document_row(r, usage.doc_usage(r.doc_id)) for r in records],
            DOCUMENT_COLUMNS,
        ),
        "findings": (findings, FINDING_COLUMNS),
        "facts": (facts, FACT_COLUMNS),
        "targets": (targets, TARGET_COLUMNS),
        "self_evaluation": (evaluations, SELF_EVALUATION_COLUMNS),
        "narrative_figures": (figures, NARRATIVE_FIGURE_COLUMNS),
    }
    if fmt == "xlsx":
        _write_workbook(_sheets(tables), out / WORKBOOK)
    else:
        for name, (rows, columns) in tables.items():
            _WRITERS[fmt](rows, columns, out / f"{name}.{fmt}")
    return {name: len(rows) for name, (rows, _) in tables.items()}


Sheet = tuple[list[dict[str, Any]], list[str]]


def _sheets(tables: dict[str, Sheet]) -> dict[str, Sheet]:
    """The workbook's sheets: documents, findings, one per table kind (its facts, in the order
    the kinds first appear), then the performance and narrative tables."""
    facts, columns = tables["facts"]
    kinds: dict[str, list[dict[str, Any]]] = {}
    for r in facts:  # by sheet name: two long keys cut to the same name share a sheet
        kinds.setdefault(sheet_name(r["table_key"]), []).append(r)
    by_kind = {name: (rows, columns) for name, rows in kinds.items()}
    named = {name: tables[name] for name in NAMED_SHEETS}
    return {k: named[k] for k in NAMED_SHEETS[:2]} | by_kind | {
        k: named[k] for k in NAMED_SHEETS[2:]}


def sheet_name(table_key: str) -> str:
    """A table kind's sheet: its key (Excel allows 31 characters, none of []:*?/\\)."""
    name = re.sub(r"[\[\]:*?/\\]", "_", table_key)[:31] or "table"
    return f"{name}_" if name in NAMED_SHEETS else name


def _plain(v: Any) -> Any:
    return str(v) if isinstance(v, Decimal) else v


def _write_json(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    path.write_text(
        json.dumps(
            [{c: _plain(r[c]) for c in columns} for r in rows], ensure_ascii=False, indent=1
        ),
        "utf-8",
    )


def _write_csv(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel opens CJK right
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows({c: _plain(r[c]) for c in columns} for r in rows)


def _write_workbook(sheets: dict[str, Sheet], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, (rows, columns) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(columns)
        for r in rows:
            ws.append([float(r[c]) if isinstance(r[c], Decimal) else r[c] for c in columns])
        ws.freeze_panes = "A2"  # the header stays while scrolling
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    wb.save(path)


def _write_parquet(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = {c: [r[c] for r in rows] for c in columns}
    fields = [pa.field(c, _arrow_type(c, data[c])) for c in columns]
    pq.write_table(pa.table(data, schema=pa.schema(fields)), path)


def _arrow_type(column: str, values: list[Any]) -> Any:
    import pyarrow as pa

    if column in DECIMAL_COLUMNS:
        return pa.decimal128(24, 6)
    if column in TYPED_COLUMNS:
        return pa.type_for_alias(TYPED_COLUMNS[column])
    sample = next((v for v in values if v is not None), "")
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    return pa.string()


_WRITERS = {"json": _write_json, "csv": _write_csv, "parquet": _write_parquet}
