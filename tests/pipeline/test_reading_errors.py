"""Where a document's problem ends and our bug begins: a library that cannot read the file
rejects the document; an exception raised in our own code keeps its type and traceback."""

from __future__ import annotations

import io
import traceback
import zipfile

import pytest

import worker.formats.docx
import worker.formats.pdf
import worker.formats.sheet
from tests.support.pdfs import text_pdf
from tests.support.samples import SAMPLES
from tests.support.workbooks import seed_workbook
from worker.errors import DocumentRejected
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load

DOCX = SAMPLES / "000_954316b1df943981.docx"


def _docx_with(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(DOCX) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, document_xml if name == "word/document.xml" else data)
    return out.getvalue()


def test_malformed_docx_xml_rejects_the_document() -> None:
    """lxml's XMLSyntaxError, raised under python-docx, used to escape as an infrastructure
    failure (retried three times, then `failed` with a parser message)."""
    with zipfile.ZipFile(DOCX) as z:
        xml = z.read("word/document.xml")
    with pytest.raises(DocumentRejected, match=r"^cannot read the docx content: "):
        chunk(load(_docx_with(xml[: len(xml) // 2]), "docx", 10))


def test_docx_naming_a_part_it_lacks_rejects_the_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(DOCX) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name != "[Content_Types].xml":
                dst.writestr(name, src.read(name))
    with pytest.raises(DocumentRejected, match="Content_Types"):
        chunk(load(out.getvalue(), "docx", 10))


def test_pdf_whose_pages_cannot_be_counted_is_rejected_at_load() -> None:
    """MuPDF opens this truncated file but fails counting its pages (it used to escape load)."""
    data = (SAMPLES / "000_954316b1df943981.pdf").read_bytes()
    with pytest.raises(DocumentRejected, match=r"^corrupt PDF, cannot be opened: .*pages"):
        load(data[: len(data) // 60], "pdf", 500)


def _fails(exc: Exception):
    def broken(*args: object, **kwargs: object) -> None:
        raise exc
    return broken


@pytest.mark.parametrize("exc", [ValueError("bug"), KeyError("bug"), RuntimeError("bug")])
def test_a_bug_in_our_pdf_reader_keeps_its_type_and_traceback(
    monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    monkeypatch.setattr(worker.formats.pdf, "_read_page", _fails(exc))
    with pytest.raises(type(exc)) as raised:
        chunk(load(text_pdf(2), "pdf", 10))
    assert raised.value is exc
    assert traceback.extract_tb(raised.tb)[-1].name == "broken"


def test_a_bug_in_our_docx_reader_keeps_its_type_and_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker.formats.docx, "_table", _fails(IndexError("bug")))
    with pytest.raises(IndexError, match="bug"):
        chunk(load(DOCX.read_bytes(), "docx", 10))


def _xlsx_with(name: str, data: bytes | None) -> bytes:
    """The 001 seed's XLSX with the part `name` replaced (None: left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed_workbook("001", "xlsx"))) as src, \
            zipfile.ZipFile(out, "w") as dst:
        for part in src.namelist():
            if part != name:
                dst.writestr(part, src.read(part))
            elif data is not None:
                dst.writestr(part, data)
    return out.getvalue()


def test_malformed_sheet_xml_rejects_the_workbook() -> None:
    with zipfile.ZipFile(io.BytesIO(seed_workbook("001", "xlsx"))) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    broken = _xlsx_with("xl/worksheets/sheet1.xml", xml[: len(xml) // 2])
    with pytest.raises(DocumentRejected, match=r"^cannot read the xlsx content: "):
        chunk(load(broken, "xlsx", 10))


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/styles.xml"])
def test_an_xlsx_without_a_part_it_names_rejects_the_workbook(part: str) -> None:
    with pytest.raises(DocumentRejected, match=r"^cannot read the xlsx content: "):
        chunk(load(_xlsx_with(part, None), "xlsx", 10))


def test_a_sheet_whose_part_is_missing_is_a_problem_not_silence() -> None:
    """openpyxl leaves such a sheet out without a word; its table would be lost unnoticed."""
    layout = chunk(load(_xlsx_with("xl/worksheets/sheet1.xml", None), "xlsx", 10))
    full = chunk(load(seed_workbook("001", "xlsx"), "xlsx", 10))
    assert len(layout.pages) == len(full.pages) - 1
    [problem] = layout.problems
    assert problem.message.startswith("工作表「1 部门预算收支总表」在文件中缺失，未读")


@pytest.mark.parametrize("ext", ["xlsx", "xls"])
def test_a_bug_in_our_sheet_reader_keeps_its_type_and_traceback(
    monkeypatch: pytest.MonkeyPatch, ext: str
) -> None:
    monkeypatch.setattr(worker.formats.sheet, "_table", _fails(IndexError("bug")))
    with pytest.raises(IndexError, match="bug"):
        chunk(load(seed_workbook("001", ext), ext, 10))
