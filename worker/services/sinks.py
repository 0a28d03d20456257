"""Streaming writers for the export's tables: rows go to disk as they come, so an export's
memory does not grow with the number of documents (bench/export.py).

    sinks = Sinks(fmt, out, columns)   one sink per table, opened on first use
    sinks.write(name, row)             a row of table `name` (a dict over its columns)
    sinks.close()                      finish every file; returns the rows per table

CSV and JSON are written row by row (JSON: the same bytes `json.dumps(rows, indent=1)` gives);
XLSX is one write-only workbook (openpyxl keeps each sheet in a temporary file), the facts in a
sheet per table kind; Parquet spools the rows to a temporary file, noting each column's type
from its first value, then writes row groups of `BATCH` rows.
"""

from __future__ import annotations

import csv
import json
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

BATCH = 10_000  # rows per Parquet row group
WORKBOOK = "budgetlens.xlsx"
NAMED_SHEETS = ("documents", "findings", "targets", "self_evaluation", "narrative_figures")

Row = dict[str, Any]


def sheet_name(table_key: str) -> str:
    """A table kind's sheet: its key (Excel allows 31 characters, none of []:*?/\\)."""
    name = re.sub(r"[\[\]:*?/\\]", "_", table_key)[:31] or "table"
    return f"{name}_" if name in NAMED_SHEETS else name


def _plain(v: Any) -> Any:
    return str(v) if isinstance(v, Decimal) else v


class _Csv:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self._file = path.open("w", newline="", encoding="utf-8-sig")  # BOM: Excel reads CJK
        self._writer = csv.DictWriter(self._file, fieldnames=columns)
        self._writer.writeheader()
        self.columns = columns

    def write(self, row: Row) -> None:
        self._writer.writerow({c: _plain(row[c]) for c in self.columns})

    def close(self) -> None:
        self._file.close()


class _Json:
    """A JSON array written element by element, laid out as json.dumps(..., indent=1)."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self._file = path.open("w", encoding="utf-8")
        self.columns = columns
        self._first = True

    def write(self, row: Row) -> None:
        item = json.dumps({c: _plain(row[c]) for c in self.columns}, ensure_ascii=False, indent=1)
        self._file.write(("[\n " if self._first else ",\n ") + item.replace("\n", "\n "))
        self._first = False

    def close(self) -> None:
        self._file.write("[]" if self._first else "\n]")
        self._file.close()


class _Parquet:
    def __init__(self, path: Path, columns: list[str], types: Callable[[str, Any], Any]) -> None:
        self.path, self.columns, self._types = path, columns, types
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._sample: dict[str, Any] = {}
        self.rows = 0

    def write(self, row: Row) -> None:
        values = [row[c] for c in self.columns]
        for c, v in zip(self.columns, values, strict=True):
            if v is not None and c not in self._sample:
                self._sample[c] = v
        pickle.dump(values, self._spool, pickle.HIGHEST_PROTOCOL)
        self.rows += 1

    def close(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([pa.field(c, self._types(c, self._sample.get(c, "")))
                            for c in self.columns])
        self._spool.seek(0)
        with pq.ParquetWriter(self.path, schema) as writer:
            batch: list[list[Any]] = []
            for values in self._replay():
                batch.append(values)
                if len(batch) == BATCH:
                    writer.write_table(self._table(batch, schema))
                    batch = []
            if batch or not self.rows:
                writer.write_table(self._table(batch, schema))
        self._spool.close()

    def _replay(self) -> Iterator[list[Any]]:
        for _ in range(self.rows):
            yield pickle.load(self._spool)

    def _table(self, batch: list[list[Any]], schema: Any) -> Any:
        import pyarrow as pa

        columns = list(zip(*batch, strict=True)) if batch else [()] * len(self.columns)
        return pa.table({c: list(v) for c, v in zip(self.columns, columns, strict=True)},
                        schema=schema)


class _Workbook:
    """One write-only workbook; a sheet per table, the facts in a sheet per table kind; each
    with its header frozen and an autofilter; sheets ordered documents, findings, the kinds
    (in the order they first appear), then the performance and narrative tables."""

    def __init__(self, path: Path, columns: dict[str, list[str]]) -> None:
        from openpyxl import Workbook

        self.path, self._columns = path, columns
        self._wb = Workbook(write_only=True)
        self._sheets: dict[str, Any] = {}
        self._rows: dict[str, int] = {}

    def write(self, name: str, row: Row) -> None:
        table = name
        if name == "facts":  # by sheet name: two long keys cut to the same name share a sheet
            name = sheet_name(row["table_key"])
        columns = self._columns[table]
        ws = self._sheets.get(name)
        if ws is None:
            ws = self._sheets[name] = self._open(name, columns)
        ws.append([float(row[c]) if isinstance(row[c], Decimal) else row[c] for c in columns])
        self._rows[name] += 1

    def _open(self, name: str, columns: list[str]) -> Any:
        ws = self._wb.create_sheet(name)
        ws.freeze_panes = "A2"  # the header stays while scrolling
        ws.append(columns)
        self._rows[name] = 0
        return ws

    def close(self) -> None:
        from openpyxl.utils import get_column_letter

        for name in NAMED_SHEETS:
            if name not in self._sheets:
                self._sheets[name] = self._open(name, self._columns[name])
        kinds = [n for n in self._sheets if n not in NAMED_SHEETS]
        order = [*NAMED_SHEETS[:2], *kinds, *NAMED_SHEETS[2:]]
        for name, ws in self._sheets.items():
            width = len(self._columns["facts" if name in kinds else name])
            ws.auto_filter.ref = f"A1:{get_column_letter(width)}{self._rows[name] + 1}"
        for i, name in enumerate(order):  # a write-only workbook has them as they came
            self._wb.move_sheet(name, i - self._wb.sheetnames.index(name))
        self._wb.save(self.path)


class Sinks:
    def __init__(self, fmt: str, out: Path, columns: dict[str, list[str]],
                 types: Callable[[str, Any], Any]) -> None:
        self.fmt, self.out, self.columns, self._types = fmt, out, columns, types
        self.rows = dict.fromkeys(columns, 0)
        self._open: dict[str, Any] = {}
        self._workbook = _Workbook(out / WORKBOOK, columns) if fmt == "xlsx" else None

    def write(self, name: str, row: Row) -> None:
        self.rows[name] += 1
        if self._workbook is not None:
            self._workbook.write(name, row)
            return
        sink = self._open.get(name) or self._sink(name)
        sink.write(row)

    def _sink(self, name: str) -> Any:
        path, columns = self.out / f"{name}.{self.fmt}", self.columns[name]
        sink: Any
        if self.fmt == "csv":
            sink = _Csv(path, columns)
        elif self.fmt == "json":
            sink = _Json(path, columns)
        else:
            sink = _Parquet(path, columns, self._types)
        self._open[name] = sink
        return sink

    def close(self) -> dict[str, int]:
        if self._workbook is not None:
            self._workbook.close()
        else:
            for name in self.columns:  # an empty table still gets its file
                (self._open.get(name) or self._sink(name)).close()
        return self.rows
