"""Stage 1, load: bytes → an opened document of a known kind, or a readable rejection.

The kind a name claims picks the family, the content the reader: a zip named .docx, .xlsx or
.xls is a DOCX when it holds word/document.xml and an XLSX when it holds xl/workbook.xml, and an
OLE2 compound file is a legacy XLS when it holds a Workbook stream — or an encrypted (password
protected) XLSX or DOCX when it holds an EncryptedPackage, which is rejected as such. Departments
rename files freely; what is inside decides.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
import xlrd

from schemas.records import FileKind
from worker.errors import DocumentRejected
from worker.formats import reading
from worker.formats.caps import Caps, check_cells, check_text, defuse_zip, xlsx_cells

KINDS = {f".{kind}": kind for kind in FileKind}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_OFFICE = (FileKind.docx, FileKind.xlsx, FileKind.xls)  # told apart by content
_ZIP_PARTS = {"word/document.xml": FileKind.docx, "xl/workbook.xml": FileKind.xlsx}


def kind_of(path: Path) -> FileKind | None:
    return KINDS.get(path.suffix.lower())


@dataclass
class Loaded:
    kind: FileKind
    pdf: pymupdf.Document | None = None
    docx: bytes | None = None
    workbook: bytes | None = None  # XLSX (defused) or XLS bytes, by `kind`
    text: str | None = None
    warnings: list[str] = field(default_factory=list)
    caps: Caps = field(default_factory=Caps.defaults)  # what reading it may take

    @property
    def page_count(self) -> int:
        return self.pdf.page_count if self.pdf is not None else 1


def load(data: bytes, kind: str, max_pages: int, caps: Caps | None = None) -> Loaded:
    """`caps` default to Settings' defaults."""
    if not data:
        raise DocumentRejected("empty file (0 bytes)")
    loader = _LOADERS.get(kind)
    if loader is None:
        raise DocumentRejected(
            f"unsupported file type {kind!r} (PDF, DOCX, XLSX, XLS and TXT are accepted)")
    caps = caps or Caps.defaults()
    loaded = loader(data, max_pages, caps)
    loaded.caps = caps
    return loaded


def _load_pdf(data: bytes, max_pages: int, caps: Caps) -> Loaded:
    head = data[:1024]
    if b"%PDF-" not in head:
        raise DocumentRejected(f"not a PDF: the file starts with {data[:16]!r}")
    try:  # MuPDF raises a variety of errors for broken files, some only when counting pages
        doc = pymupdf.open(stream=data, filetype="pdf")
        encrypted = doc.needs_pass
        pages = 0 if encrypted else doc.page_count
    except Exception as exc:
        raise DocumentRejected(f"corrupt PDF, cannot be opened: {exc}") from exc
    if encrypted:
        raise DocumentRejected("encrypted PDF: it needs a password to open")
    if pages == 0:
        raise DocumentRejected("corrupt or empty PDF: no pages could be read")
    if pages > max_pages:
        raise DocumentRejected(
            f"{pages} pages exceeds the limit of {max_pages} (BUDGETLENS_MAX_PAGES)"
        )
    loaded = Loaded(FileKind.pdf, pdf=doc)
    if doc.is_repaired:
        loaded.warnings.append("the PDF was damaged and had to be repaired; content may be missing")
    return loaded


def _load_office(claimed: FileKind) -> Callable[[bytes, int, Caps], Loaded]:
    def load_office(data: bytes, max_pages: int, caps: Caps) -> Loaded:
        if data.startswith(_OLE2):
            return _load_ole2(data)
        if data.startswith(_ZIP) or zipfile.is_zipfile(io.BytesIO(data)):
            return _load_zip(data, claimed, caps)
        raise DocumentRejected(
            f"not {_a(claimed.upper())} file: it starts with {data[:16]!r} (neither a zip "
            "nor an OLE2 compound file)")
    return load_office


def _load_zip(data: bytes, claimed: FileKind, caps: Caps) -> Loaded:
    """The zip re-packed uncompressed within `caps` (worker/formats/caps.py): python-docx and
    openpyxl then inflate nothing; an XLSX's cells are counted before openpyxl sees them."""
    label = claimed.upper() if claimed != FileKind.xls else "XLSX"
    defused = defuse_zip(data, caps, label)
    with zipfile.ZipFile(io.BytesIO(defused)) as z:
        names = set(z.namelist())
        kind = next((k for part, k in _ZIP_PARTS.items() if part in names), None)
        if kind is None:
            raise DocumentRejected(f"not {_a(label)}: the zip has neither word/document.xml (DOCX) "
                                   "nor xl/workbook.xml (XLSX)")
        if kind == FileKind.docx:
            return Loaded(kind, docx=defused)
        check_cells(xlsx_cells(z), caps, "工作簿")
    return Loaded(kind, workbook=defused)


def _a(label: str) -> str:
    return f"an {label}" if label.startswith("X") else f"a {label}"


def _load_ole2(data: bytes) -> Loaded:
    """A legacy XLS, or an Office file encrypted with a password (ECMA-376 puts the encrypted
    XLSX/DOCX into an OLE2 container). The streams are found by xlrd's compound-file reader."""
    with reading("XLS", xlrd):
        doc = xlrd.compdoc.CompDoc(data, logfile=io.StringIO())
        streams = {d.name for d in doc.dirlist}
    if "EncryptedPackage" in streams:
        raise DocumentRejected("加密的 Office 文件：需要密码才能打开 (encrypted, password-protected "
                               "XLSX or DOCX: it needs a password to open)")
    if not streams & {"Workbook", "Book"}:
        found = "Word 97–2003 (.doc)" if "WordDocument" in streams else "no Excel workbook"
        raise DocumentRejected(f"the OLE2 compound file holds {found}, not an XLS workbook "
                               "(DOC, PPT and other legacy formats are not read)")
    return Loaded(FileKind.xls, workbook=data)


def _load_txt(data: bytes, max_pages: int, caps: Caps) -> Loaded:
    if b"\x00" in data[:4096]:
        raise DocumentRejected("not a text file: it contains NUL bytes")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        check_text(len(text), caps)
        return Loaded(FileKind.txt, text=text)
    raise DocumentRejected("text file is neither UTF-8 nor GB18030")


_LOADERS: dict[str, Callable[[bytes, int, Caps], Loaded]] = {
    FileKind.pdf: _load_pdf, FileKind.txt: _load_txt, **{k: _load_office(k) for k in _OFFICE}}
