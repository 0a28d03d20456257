"""Hostile zip-based (DOCX, XLSX) and oversized documents are rejected with a reason before they cost time or
memory (worker/formats/caps.py): measured by what was allocated (tracemalloc), not by a clock."""

from __future__ import annotations

import io
import random
import time
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest

from tests.support.hostile import (
    DOCX,
    docx_bomb,
    grid_span_docx,
    many_entries_docx,
    run_on_docx,
    run_on_text,
    zip_of,
)
from tests.support.workbooks import (
    encrypted_ooxml,
    many_cells_xlsx,
    ole2_with,
    seed_workbook,
    sparse_xlsx,
    xlsx_bomb,
)
from worker.errors import DocumentRejected
from worker.formats.caps import Caps, defuse_zip
from worker.formats.docx import read_docx
from worker.pipeline import Options, process

MB = 2**20


def _rejected(data: bytes, kind: str, options: Options | None = None) -> tuple[str, float]:
    """The reason `process` rejects `data` with, and the MB it allocated at the peak."""
    tracemalloc.start()
    try:
        with pytest.raises(DocumentRejected) as raised:
            process(data, kind, "d", f"d.{kind}", options)
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    return raised.value.reason, peak


def test_a_docx_bomb_is_refused_from_its_directory_before_inflating() -> None:
    """word/document.xml inflating to 300 MB (1.4 MB of zip): python-docx inflated all of it
    and parsed it (~1.7 GB RSS for 1 GB; more than 30 min of reading)."""
    bomb = docx_bomb(300)
    assert len(bomb) < 2 * MB
    reason, peak = _rejected(bomb, "docx")
    assert reason.startswith("DOCX 中的 word/document.xml 解压后 300 MB，超过 XML 上限 64 MB")
    assert "BUDGETLENS_MAX_XML_MB" in reason
    assert peak < 3 * len(bomb) / MB  # nothing inflated: a copy or two of the file at most


def test_a_lying_header_is_rejected_as_such_without_inflating_past_it() -> None:
    """The headers say 1 KB, the deflate data holds 300 MB: zipfile trusts the size, but
    inflated it all in one call before cutting it to 1 KB (and the CRC is that KB's); the cut
    1 KB then failed as unreadable XML, which said nothing of the zip."""
    reason, peak = _rejected(docx_bomb(300, lie=True), "docx")
    assert reason.startswith("DOCX 中的 word/document.xml 解压后超过压缩包头声明的 1,024 字节")
    assert "inflates past the 1,024 bytes its zip header declares" in reason
    assert peak < 20


@pytest.mark.parametrize("lie", ["size", "crc"])
def test_an_entry_shorter_than_declared_or_with_a_wrong_crc_is_a_corrupt_zip(lie: str) -> None:
    data = DOCX.read_bytes()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    central = next(at for at in range(len(data)) if data.startswith(b"PK\x01\x02", at)
                   and data[at + 46 : at + 46 + len(info.filename)] == info.filename.encode())
    field = {"size": (24, info.file_size + 1000), "crc": (16, info.CRC ^ 1)}[lie]
    for at in (info.header_offset + field[0] - 2, central + field[0]):  # local and central
        data = data[:at] + field[1].to_bytes(4, "little") + data[at + 4 :]
    reason, _ = _rejected(data, "docx")
    assert reason.startswith("损坏的 DOCX 文件 (corrupt DOCX: ")


def test_every_zip_total_is_capped() -> None:
    options = Options.defaults(max_unzipped_mb=1)
    reason, _ = _rejected(DOCX.read_bytes(), "docx", options)
    assert reason.startswith("DOCX 解压后 1 MB，超过上限 1 MB") and "MAX_UNZIPPED_MB" in reason


@pytest.mark.parametrize("entries", [6_000, 70_000])  # 70,000: the count is in the ZIP64 record
def test_too_many_entries_are_refused_from_the_end_record(entries: int) -> None:
    reason, _ = _rejected(many_entries_docx(entries), "docx")
    assert reason.startswith(f"DOCX 压缩包条目过多：{entries + 17:,} 个，上限 5,000")


def test_a_lying_end_record_is_caught_by_the_directory() -> None:
    data = bytearray(many_entries_docx(6_000))
    at = data.rindex(b"PK\x05\x06")
    data[at + 8 : at + 12] = (10).to_bytes(2, "little") * 2  # "10 entries"
    reason, _ = _rejected(bytes(data), "docx")
    assert reason.startswith("DOCX 压缩包条目过多：6,017 个")


def test_the_defused_copy_reads_as_the_original() -> None:
    """The re-packed (uncompressed) DOCX is the same document to python-docx."""
    data = DOCX.read_bytes()
    defused = defuse_zip(data, Caps.defaults(), "DOCX")
    with zipfile.ZipFile(io.BytesIO(defused)) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    assert read_docx(defused) == read_docx(data)
    assert len(process(data, "docx", "d", "d.docx").document.tables) == 10


@pytest.mark.parametrize(("kind", "make"), [
    ("txt", lambda: run_on_text(30).encode()),
    ("docx", lambda: run_on_docx(30)),
])
def test_text_longer_than_the_cap_is_rejected(kind: str, make: Callable[[], bytes]) -> None:
    reason, _ = _rejected(make(), kind, Options.defaults(max_text_chars=5_000))
    assert reason.startswith("文本过长：超过 5,000 字符的上限") and "MAX_TEXT_CHARS" in reason
    process(make(), kind, "d", f"d.{kind}")  # within the default cap it reads


def test_a_cell_spanning_a_hundred_million_columns_is_refused() -> None:
    """A few bytes of XML; python-docx laid out 10⁸ grid positions (> 5 min)."""
    reason, _ = _rejected(grid_span_docx(50_000_000), "docx")
    assert reason.startswith("表格过大：100,000,000 个单元格")


# --- workbooks: the same caps, and the cells -----------------------------------------------


def _fast_rejection(data: bytes, kind: str, options: Options | None = None) -> str:
    """The reason, asserting it came in milliseconds and without inflating the file."""
    start = time.perf_counter()
    reason, peak = _rejected(data, kind, options)
    assert time.perf_counter() - start < 1.0, reason
    assert peak < 20 + 3 * len(data) / MB, reason
    return reason


@pytest.mark.parametrize("lie", [False, True])
def test_an_xlsx_bomb_is_refused_from_its_directory(lie: bool) -> None:
    bomb = xlsx_bomb(300, lie=lie)
    assert len(bomb) < 2 * MB
    reason = _fast_rejection(bomb, "xlsx")
    expected = ("XLSX 中的 xl/worksheets/sheet1.xml 解压后超过压缩包头声明的 1,024 字节" if lie
                else "XLSX 中的 xl/worksheets/sheet1.xml 解压后 300 MB，超过 XML 上限 64 MB")
    assert reason.startswith(expected)


def test_a_workbook_with_too_many_cells_is_refused_before_openpyxl_reads_it() -> None:
    data = many_cells_xlsx(100, 30)  # 3,000 cells (and the 4 of the template)
    reason = _fast_rejection(data, "xlsx", Options.defaults(max_cells=2_000))
    assert reason.startswith("工作簿单元格过多：3,000 个，上限 2,000") and "MAX_CELLS" in reason
    assert len(process(data, "xlsx", "d", "d.xlsx").document.tables) <= 1  # the default reads it


def test_a_sparse_sheet_spanning_a_huge_grid_is_refused() -> None:
    """6,000 cells, but a table of 3,000 × 3,001 positions had it been built densely."""
    reason = _fast_rejection(sparse_xlsx(3_000), "xlsx")
    assert reason.startswith("工作表 «Sheet» 的表格单元格过多：9,003,000 个，上限 2,000,000")


def test_an_xls_with_too_many_cells_is_refused() -> None:
    reason = _fast_rejection(seed_workbook("001", "xls"), "xls", Options.defaults(max_cells=50))
    assert reason.startswith("工作簿单元格过多：") and "上限 50 " in reason


@pytest.mark.parametrize(("name", "kind", "make", "expected"), [
    ("truncated xlsx", "xlsx", lambda: seed_workbook("001", "xlsx")[:30_000],
     "损坏的 XLSX 文件 (corrupt XLSX: "),
    ("random bytes .xls", "xls", lambda: random.Random(1).randbytes(50_000),
     "not an XLS file: it starts with "),
    ("random bytes in an OLE2 header", "xls",
     lambda: bytes.fromhex("d0cf11e0a1b11ae1") + random.Random(2).randbytes(50_000),
     "cannot read the XLS content: "),
    ("truncated xls", "xls", lambda: seed_workbook("001", "xls")[:20_000],
     "cannot read the XLS content: "),
    ("password-protected xlsx", "xlsx", encrypted_ooxml,
     "加密的 Office 文件：需要密码才能打开 (encrypted, password-protected XLSX or DOCX"),
    ("a .doc named .xls", "xls", lambda: ole2_with("WordDocument"),
     "the OLE2 compound file holds Word 97–2003 (.doc), not an XLS workbook"),
    ("a zip that is neither", "xlsx", lambda: zip_of({"a.txt": b"x"}),
     "not an XLSX: the zip has neither word/document.xml (DOCX) nor xl/workbook.xml (XLSX)"),
])
def test_a_broken_workbook_is_rejected_with_its_reason(name: str, kind: str,
                                                       make: Callable[[], bytes],
                                                       expected: str) -> None:
    assert _fast_rejection(make(), kind).startswith(expected), name


def test_a_workbook_with_more_text_than_the_cap_is_rejected() -> None:
    reason, _ = _rejected(seed_workbook("003", "xlsx"), "xlsx",
                          Options.defaults(max_text_chars=5_000))
    assert reason.startswith("文本过长：超过 5,000 字符的上限")
