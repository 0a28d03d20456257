"""Read an export back as a consumer would: one file per table (JSON, CSV, Parquet) or the one
workbook (XLSX), whose facts are the union of the per-table-kind sheets."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from worker.services.export import NAMED_SHEETS, WORKBOOK


def read_export(out: Path, name: str, fmt: str) -> list[dict[str, Any]]:
    """The rows of table `name` (documents, findings, facts, targets, ...) under `out`."""
    if fmt == "xlsx":
        return _sheets(out / WORKBOOK, name)
    path = out / f"{name}.{fmt}"
    if fmt == "csv":
        with path.open(encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    if fmt == "json":
        return json.loads(path.read_text("utf-8"))
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _sheets(path: Path, name: str) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wanted = [name] if name in NAMED_SHEETS else [s for s in wb.sheetnames if s not in NAMED_SHEETS]
    out: list[dict[str, Any]] = []
    for sheet in wanted:
        rows = list(wb[sheet].iter_rows(values_only=True))
        out += [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return out
