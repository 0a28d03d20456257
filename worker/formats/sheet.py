"""XLSX (openpyxl) and legacy XLS (xlrd) → layout IR: each visible sheet with text is a page.

A workbook has no page geometry, so a sheet stands for a page: every value still traces to one
(its 1-based number is the sheet's place among the pages read; `PageInfo.name` is the sheet's
name), bboxes stay None as for a DOCX. Within a sheet the title and caption rows above the table
(a row whose only text is one cell or one merged range, or a 单位：… line) become paragraphs, as
do notes below it (注：…); the rest is one table whose merges come from the file — only a sheet
without any gets them guessed (`infer_header_merges`). Cells read as the sheet prints them
(worker/formats/numfmt.py), formulas by the value Excel cached; hidden rows, columns and sheets
are skipped, as are rows and columns without text.

Caps: an XLSX arrives defused (worker/formats/caps.py) and its cells are counted in the XML at
load; here each sheet's grid (rows × columns with text) is capped in cells before it is built
densely, and the text read in characters.
"""

from __future__ import annotations

import contextlib
import html
import io
import posixpath
import re
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import openpyxl
import xlrd
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet

from schemas import Problem
from worker.errors import DocumentRejected
from worker.formats.caps import Caps, check_cells, check_text
from worker.formats.numfmt import printed
from worker.formats.text import infer_header_merges, is_caption_row
from worker.layout import Block, Cell, Layout, PageInfo, TableBlock, TextBlock, block_text

_NOTE_PREFIXES = ("注", "说明", "备注")
_ATTRIBUTE = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
# <c …> then its formula, then its saved value if any (group 2; its text: group 3)
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(<(?:\w+:)?v\s*/>|<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>)?")
_TEXT_TYPES = (b"str", b"s", b"inlineStr")
Box = tuple[int, int, int, int]  # r0, c0, r1, c1, inclusive, 0-based


@dataclass(slots=True)
class Sheet:
    """What a reader took from one sheet: its printed non-empty cells and merges."""

    name: str
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Box] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)


def read_xlsx(data: bytes, caps: Caps | None = None) -> Layout:
    """`data`: the defused XLSX (worker/pipeline/load.py). Not read-only mode: that one has no
    merged cells; the cells were counted against `caps.cells` at load."""
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    layout = _layout((_xlsx_sheet(ws) for ws in book.worksheets if ws.sheet_state == "visible"),
                     caps or Caps.defaults())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        declared, parts = _declared_sheets(z), set(z.namelist())
        pages = {p.name: p.index + 1 for p in layout.pages}
        layout.problems += [
            Problem(stage="chunk", message=f"工作表「{name}」在文件中缺失，未读 (the workbook "
                                           f"names the sheet {name!r}, but its part is missing: "
                                           "not read)")
            for name in declared if name not in book.sheetnames]
        for name, part in declared.items():
            if name in pages and part in parts and (refs := _uncached(z.read(part))):
                layout.problems.append(Problem(stage="chunk", page=pages[name], message=(
                    f"工作表「{name}」有 {len(refs)} 个公式没有保存计算结果（如 {refs[0]}），读作"
                    "空白：请用 Excel 或 WPS 打开并保存后重新提交 "
                    f"({len(refs)} formula cells of sheet {name!r} have no saved value, e.g. "
                    f"{refs[0]}, and read as blank: open and save the file in Excel or WPS, "
                    "then resubmit)")))
    return layout


def _declared_sheets(z: zipfile.ZipFile) -> dict[str, str]:
    """The sheets xl/workbook.xml declares, name → its part's path in the zip ("" when the
    relationship is missing): openpyxl skips a sheet whose part is missing without a word, and
    a lost table must not go unnoticed."""
    rels = {}
    with contextlib.suppress(KeyError):
        for attrs in _elements(z.read("xl/_rels/workbook.xml.rels"), "Relationship"):
            target = attrs.get("Target", "")
            rels[attrs.get("Id")] = target.lstrip("/") if target.startswith("/") \
                else posixpath.normpath(f"xl/{target}")
    return {html.unescape(a.get("name", "")): rels.get(a.get("id"), "")
            for a in _elements(z.read("xl/workbook.xml"), "sheet")}


def _elements(xml: bytes, tag: str) -> Iterator[dict[str, str]]:
    """The attributes of each `tag` element (any namespace prefix, on element and attribute)."""
    for element in re.finditer(rf"<(?:\w+:)?{tag}\b([^>]*)>".encode(), xml):
        yield {k.decode().rpartition(":")[2]: v.decode("utf-8", "replace")
               for k, v in _ATTRIBUTE.findall(element[1])}


def _uncached(xml: bytes) -> list[str]:
    """The cells of a sheet's XML holding a formula without a saved value (openpyxl and some
    exporters write them so; Excel and WPS save one): data_only reads them as blank. A formula
    whose saved value is the empty string (t="str") is not one of them."""
    if b"<f" not in xml and b":f" not in xml:
        return []
    refs = []
    for cell in _FORMULA_CELL.finditer(xml):
        attrs = dict(_ATTRIBUTE.findall(cell[1]))
        saved = cell[3] or b""
        if cell[2] is None or (not saved.strip() and attrs.get(b"t") not in _TEXT_TYPES):
            refs.append(attrs.get(b"r", b"?").decode("ascii", "replace"))
    return refs


def read_xls(data: bytes, caps: Caps | None = None) -> Layout:
    """A BIFF workbook, one sheet loaded at a time (on_demand), each capped before it is read."""
    caps = caps or Caps.defaults()
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise DocumentRejected("加密的 XLS 文件：需要密码才能打开 (encrypted XLS: it needs "
                                   "a password to open)") from exc
        raise
    return _layout(_xls_sheets(book, caps), caps)


def _xlsx_sheet(ws: Worksheet) -> Sheet:
    sheet = Sheet(ws.title)
    # ws._cells: only the cells the file holds; iter_rows would walk the whole used rectangle
    for (row, col), cell in ws._cells.items():
        if text := printed(cell.value, cell.number_format):
            sheet.cells[row - 1, col - 1] = text
    sheet.merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                    for m in ws.merged_cells.ranges]
    sheet.hidden_rows = {r - 1 for r, dim in ws.row_dimensions.items() if dim.hidden}
    for key, dim in ws.column_dimensions.items():
        if dim.hidden:
            first = dim.min or column_index_from_string(key)
            sheet.hidden_cols.update(range(first - 1, (dim.max or first)))
    return sheet


def _xls_sheets(book: xlrd.Book, caps: Caps) -> Iterator[Sheet]:
    total = 0
    for index in range(book.nsheets):
        sh = book.sheet_by_index(index)
        total += sh.nrows * sh.ncols
        check_cells(total, caps, "工作簿")
        if sh.visibility == 0:
            yield _xls_sheet(book, sh)
        book.unload_sheet(index)


def _xls_sheet(book: xlrd.Book, sh: xlrd.sheet.Sheet) -> Sheet:
    sheet = Sheet(sh.name)
    for r in range(sh.nrows):
        for c, cell in enumerate(sh.row(r)):
            if text := _xls_text(book, cell):
                sheet.cells[r, c] = text
    sheet.merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
    sheet.hidden_rows = {r for r, info in sh.rowinfo_map.items() if info.hidden}
    sheet.hidden_cols = {c for c, info in sh.colinfo_map.items() if info.hidden}
    return sheet


def _xls_text(book: xlrd.Book, cell: xlrd.sheet.Cell) -> str:
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
    number_format = fmt.format_str if fmt else "General"
    if cell.ctype == xlrd.XL_CELL_DATE:
        return printed(xlrd.xldate_as_datetime(cell.value, book.datemode), number_format)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return printed(bool(cell.value))
    return printed(cell.value, number_format)


# --- a sheet → blocks -----------------------------------------------------------------------


def _layout(sheets: Iterable[Sheet], caps: Caps) -> Layout:
    pages: list[PageInfo] = []
    blocks: list[Block] = []
    chars = 0
    for sheet in sheets:
        page = len(pages)
        found = _blocks(sheet, page, caps)
        if not found:
            continue  # an empty sheet is no page
        text = "\n".join(block_text(b) for b in found)
        chars += len(text)
        check_text(chars, caps)
        pages.append(PageInfo(page, 0.0, 0.0, text=text, name=sheet.name))
        blocks += found
    return Layout(pages=pages, blocks=blocks)


def _blocks(sheet: Sheet, page: int, caps: Caps) -> list[Block]:
    cells = {rc: t for rc, t in sheet.cells.items()
             if rc[0] not in sheet.hidden_rows and rc[1] not in sheet.hidden_cols}
    rows = sorted({r for r, _ in cells})
    pieces: dict[int, list[str]] = {r: [] for r in rows}  # a row's texts, left to right
    for (r, _), text in sorted(cells.items()):
        pieces[r].append(text)
    first, last = 0, len(rows)
    while first < last and _caption(pieces[rows[first]]):
        first += 1
    while last > first and _note(pieces[rows[last - 1]]):
        last -= 1
    blocks: list[Block] = [TextBlock("  ".join(pieces[r]), page=page) for r in rows[:first]]
    if first < last:
        blocks.append(_table(sheet, cells, rows[first:last], page, caps))
    blocks += [TextBlock("  ".join(pieces[r]), page=page) for r in rows[last:]]
    return blocks


def _caption(texts: list[str]) -> bool:
    return len(texts) == 1 or is_caption_row(texts)


def _note(texts: list[str]) -> bool:
    return len(texts) == 1 and texts[0].startswith(_NOTE_PREFIXES)


def _table(sheet: Sheet, cells: dict[tuple[int, int], str], rows: list[int], page: int,
           caps: Caps) -> TableBlock:
    """The grid of `rows` × the columns with text in them, merges clipped to it."""
    kept = set(rows)
    cols = sorted({c for r, c in cells if r in kept})
    check_cells(len(rows) * len(cols), caps, f"工作表 «{sheet.name}» 的表格")
    at_row = {r: i for i, r in enumerate(rows)}
    at_col = {c: j for j, c in enumerate(cols)}
    grid = [[Cell(cells.get((r, c), ""), page=page) for c in cols] for r in rows]
    merged, covered = False, 0
    for r0, c0, r1, c1 in sheet.merges:
        inside_rows = rows[bisect_left(rows, r0):bisect_right(rows, r1)]
        inside_cols = cols[bisect_left(cols, c0):bisect_right(cols, c1)]
        covered += len(inside_rows) * len(inside_cols)  # overlapping merges: a hostile file
        check_cells(covered, caps, f"工作表 «{sheet.name}» 的合并单元格")
        if len(inside_rows) * len(inside_cols) < 2:
            continue
        origin = at_row[inside_rows[0]], at_col[inside_cols[0]]
        grid[origin[0]][origin[1]].text = cells.get((r0, c0), "")
        for r in inside_rows:
            for c in inside_cols:
                if (at_row[r], at_col[c]) != origin:
                    grid[at_row[r]][at_col[c]] = Cell("", page=page, origin=origin)
        merged = True
    table = TableBlock(grid, page=page)
    return table if merged else infer_header_merges(table)
