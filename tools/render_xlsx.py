"""Render layout-IR blocks into a workbook as departments publish one: a sheet per table, the
table's title and unit lines above it as rows merged across the table, the header merges as
merged ranges, amounts as numbers with the number format that prints them as the seed does
(`1,234.50` → 1234.5 under `#,##0.00`, `12.5%` → 0.125 under `0.0%`), codes and text as text.

`render_xlsx` writes XLSX (openpyxl), `render_xls` legacy XLS (xlwt, a test-only dependency).
Deterministic: fixed document properties and zip timestamps, so reruns give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment
from openpyxl.writer.excel import ExcelWriter

from tools.render_docx import fixed_zip
from tools.render_table import regions
from worker.layout import Block, Cell, TableBlock, TextBlock

_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)(?:\.(\d+))?(%?)$")
_FIXED = datetime(2024, 1, 1)


@dataclass(frozen=True, slots=True)
class Value:
    """A cell as written: a number with its format, or text."""

    value: str | float | int
    number_format: str = "General"


def value_of(text: str) -> Value:
    """A seed cell's text → what a department's spreadsheet holds to print it."""
    found = _AMOUNT.match(text)
    if not found or len(text.replace(",", "").split(".")[0].lstrip("-")) > 12:
        return Value(text)
    decimals, percent = len(found.group(1) or ""), bool(found.group(2))
    number = float(text.replace(",", "").rstrip("%"))
    pattern = ("#,##0" if "," in text else "0") + ("." + "0" * decimals if decimals else "")
    if percent:
        return Value(number / 100, pattern + "%")
    if not decimals and "," not in text:
        return Value(int(number))  # General prints it without .0
    return Value(number, pattern)


@dataclass(slots=True)
class SheetPlan:
    """One sheet: caption lines, the tables (a table split over pages continues on the same
    sheet), the notes below."""

    name: str
    captions: list[str]
    tables: list[TableBlock]
    notes: list[str]

    @property
    def cols(self) -> int:
        return max(t.n_cols for t in self.tables)


def sheets(blocks: Sequence[Block]) -> Iterator[SheetPlan]:
    """Every table with the caption lines just above it (back to its title, at most five short
    lines) and the notes (注：…) just below; consecutive tables of one width share a sheet."""
    plan: SheetPlan | None = None
    texts: list[str] = []
    for block in blocks:
        if isinstance(block, TextBlock):
            if plan is not None and not texts and block.text.startswith(_NOTES):
                plan.notes.append(block.text)
                continue
            texts.append(block.text)
            continue
        if not block.rows or not block.n_cols:
            continue
        if plan is not None and not texts and not plan.notes and plan.cols == block.n_cols:
            plan.tables.append(_without_header(block, plan.tables[0]))
            continue
        if plan is not None:
            yield plan
        captions = _captions(texts)
        name = (next((c for c in captions if c.endswith("表")), captions[0] if captions else "表"))
        plan, texts = SheetPlan(name[:25].translate(_SHEET_NAME), captions, [block], []), []
    if plan is not None:
        yield plan


def _without_header(table: TableBlock, first: TableBlock) -> TableBlock:
    """A continuation page's table without the header it repeats: a sheet prints it once."""
    def texts(row: list[Cell]) -> list[str]:
        return ["".join(c.text.split()) for c in row]

    header = [texts(row) for row in first.rows[:4]]
    skip = 0
    while skip < len(table.rows) - 1 and texts(table.rows[skip]) in header:
        skip += 1
    rows = table.rows[skip:]
    if skip:  # merges pointing into the dropped rows
        rows = [[Cell(c.text) if c.origin and c.origin[0] < skip else
                 Cell(c.text, origin=(c.origin[0] - skip, c.origin[1]) if c.origin else None)
                 for c in row] for row in rows]
    return TableBlock(rows)


def _captions(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in reversed(texts[-_MAX_CAPTIONS:]):
        if len(text) > 60 or text.startswith(_NOTES):
            break
        out.insert(0, text)
        if text.endswith("表") and not _TABLE_NUMBER.match(text):
            break  # the title; 公开01表 is its number, the title is above
    return out


_NOTES = ("注", "备注", "说明")
_MAX_CAPTIONS = 5  # title, 公开02表, 部门：…, 2024年度, 单位：万元
_TABLE_NUMBER = re.compile(r"^(?:公开|附)?\s*[\d一二三四五六七八九十]+\s*表$")
_SHEET_NAME = str.maketrans({c: "_" for c in "[]:*?/\\"})


def render_xlsx(blocks: Sequence[Block], path: str | Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for n, plan in enumerate(sheets(blocks), 1):
        ws = book.create_sheet(_unique(f"{n} {plan.name}", used))
        for r, text in enumerate(plan.captions, 1):
            _text(ws.cell(r, 1, text))
            if plan.cols > 1:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=plan.cols)
        top = len(plan.captions) + 1
        for table in plan.tables:
            for (r, c), (_, _, r1, c1) in regions(table).items():
                value = value_of(table.rows[r][c].text)
                cell = _text(ws.cell(top + r, c + 1, None if value.value == "" else value.value))
                cell.number_format = value.number_format
                if "\n" in str(value.value):
                    cell.alignment = Alignment(wrap_text=True)
                if (r1, c1) != (r, c):
                    ws.merge_cells(start_row=top + r, start_column=c + 1, end_row=top + r1,
                                   end_column=c1 + 1)
            top += len(table.rows)
        for r, text in enumerate(plan.notes, top):
            _text(ws.cell(r, 1, text))
    book.properties.created = book.properties.modified = _FIXED
    buffer = io.BytesIO()
    # not book.save(): it stamps docProps' modified with the time of saving, and two renders a
    # second apart would differ
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(fixed_zip(buffer.getvalue()))


def _text(cell: Any) -> Any:
    """Text stays text: openpyxl takes a string that starts with "=" (a target "=100%") for a
    formula, and would save it without a value."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    return cell


def render_xls(blocks: Sequence[Block], path: str | Path) -> None:
    import xlwt  # test-only (the dev extra): the one writer of BIFF8 on PyPI

    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, xlwt.XFStyle] = {}
    used: set[str] = set()
    for n, plan in enumerate(sheets(blocks), 1):
        ws = book.add_sheet(_unique(f"{n} {plan.name}", used)[:31])
        for r, text in enumerate(plan.captions):
            ws.write_merge(r, r, 0, max(plan.cols - 1, 0), text)
        top = len(plan.captions)
        for table in plan.tables:
            for (r, c), (_, _, r1, c1) in regions(table).items():
                value = value_of(table.rows[r][c].text)
                style = styles.setdefault(value.number_format, _xls_style(value.number_format))
                if (r1, c1) != (r, c):
                    ws.write_merge(top + r, top + r1, c, c1, value.value, style)
                else:
                    ws.write(top + r, c, value.value, style)
            top += len(table.rows)
        for r, text in enumerate(plan.notes, top):
            ws.write(r, 0, text)
    buffer = io.BytesIO()
    book.save(buffer)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(buffer.getvalue())


def _xls_style(number_format: str) -> object:
    import xlwt

    style = xlwt.XFStyle()
    style.num_format_str = number_format
    return style


def _unique(name: str, used: set[str]) -> str:
    name = name[:31]
    while name in used:
        name = name[:28] + f"~{len(used)}"
    used.add(name)
    return name
