"""Workbooks built at test time: the seeds as departments publish their tables in XLSX and XLS
(tools/render_xlsx.py: a sheet per table, title and unit rows, merged headers, amounts as
formatted numbers), small hand-made sheets, and hostile ones (zip bomb, too many cells, an
encrypted Office container)."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import openpyxl

from tests.support.hostile import zip_bomb, zip_of
from tests.support.samples import NAMES, SAMPLES
from tools.make_samples import sample_blocks
from tools.render_xlsx import render_xls, render_xlsx

_SHEET = "xl/worksheets/sheet1.xml"


@cache
def seed_workbook(seed: str, ext: str) -> bytes:
    """The seed's tables as an `ext` ("xlsx" or "xls") workbook."""
    blocks = sample_blocks((SAMPLES / f"{NAMES[seed]}.txt").read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"seed.{ext}"
        (render_xlsx if ext == "xlsx" else render_xls)(blocks, path)
        return path.read_bytes()


def xlsx_of(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def with_cached_values(data: bytes, values: dict[str, str], sheet: int = 1) -> bytes:
    """The XLSX with `values` (cell ref → number) cached for the formulas of its `sheet`-th
    sheet, as Excel saves them (openpyxl writes a formula without its value)."""
    parts = parts_of(data)
    name = f"xl/worksheets/sheet{sheet}.xml"
    xml = parts[name].decode()
    for ref, value in values.items():
        xml, n = re.subn(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v>[^<]*</v>)?',
                         rf"\1<v>{value}</v>", xml)
        assert n == 1, ref
    parts[name] = xml.encode()
    return zip_of(parts)


def small_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"], book.active["B1"] = "项目", "金额"
    book.active["A2"], book.active["B2"] = "合计", 1.5
    return xlsx_of(book)


def xlsx_bomb(inflated_mb: int, *, lie: bool = False) -> bytes:
    """A small XLSX whose first sheet's XML inflates to `inflated_mb` MB of rows."""
    parts = parts_of(small_xlsx())
    xml = parts.pop(_SHEET)
    at = xml.index(b"</sheetData>")
    row = b'<row><c t="inlineStr"><is><t>' + "一般公共服务支出".encode() * 8 + b"</t></is></c></row>"
    return zip_bomb(parts, _SHEET, (xml[:at], row, xml[at:]), inflated_mb, lie=lie)


def many_cells_xlsx(rows: int, cols: int) -> bytes:
    """One sheet of rows × cols numbers, written straight into its XML (fast at any size)."""
    parts = parts_of(small_xlsx())
    xml = parts[_SHEET]
    start, end = xml.index(b"<sheetData>") + len(b"<sheetData>"), xml.index(b"</sheetData>")
    row = b"".join(b"<c><v>%d</v></c>" % c for c in range(cols))
    body = b"".join(b'<row r="%d">' % (r + 1) + row + b"</row>" for r in range(rows))
    parts[_SHEET] = xml[:start] + body + xml[end:]
    return zip_of(parts)


def sparse_xlsx(rows: int) -> bytes:
    """A number in column A and one on the diagonal of each row: 2 × rows cells, a table of
    rows × (rows + 1) positions."""
    parts = parts_of(small_xlsx())
    xml = parts[_SHEET]
    start, end = xml.index(b"<sheetData>") + len(b"<sheetData>"), xml.index(b"</sheetData>")
    body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="%s%d"><v>2</v></c></row>'
                    % (i + 1, i + 1, _col(i + 1), i + 1) for i in range(rows))
    parts[_SHEET] = xml[:start] + body + xml[end:]
    return zip_of(parts)


def _col(index: int) -> bytes:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name.encode()


def small_xls() -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("表1")
    sheet.write(0, 0, "项目")
    sheet.write(0, 1, "金额")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encrypted_ooxml() -> bytes:
    """An OLE2 compound file holding an EncryptedPackage stream, as Excel and Word save a
    password-protected XLSX / DOCX (ECMA-376 §2.3.4)."""
    return ole2_with("EncryptedPackage")


def ole2_with(stream: str) -> bytes:
    """xlwt's OLE2 container with its Workbook stream renamed `stream` (the directory entry's
    UTF-16 name and its byte length): WordDocument makes it look like a .doc."""
    data = bytearray(small_xls())
    old = "Workbook".encode("utf-16-le")
    at = data.index(old)
    new = stream.encode("utf-16-le") + b"\x00\x00"
    data[at : at + 64] = new.ljust(64, b"\x00")
    data[at + 64 : at + 66] = len(new).to_bytes(2, "little")
    return bytes(data)
