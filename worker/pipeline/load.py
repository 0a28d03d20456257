"""Stage 1, load: bytes → an opened document of a known kind, or a readable rejection."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from schemas.records import FileKind
from worker.errors import DocumentRejected
from worker.formats.caps import Caps, check_text, defuse_zip

KINDS = {f".{kind}": kind for kind in FileKind}


def kind_of(path: Path) -> FileKind | None:
    return KINDS.get(path.suffix.lower())


@dataclass
class Loaded:
    kind: FileKind
    pdf: pymupdf.Document | None = None
    docx: bytes | None = None
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
        raise DocumentRejected(f"unsupported file type {kind!r} (PDF, DOCX and TXT are accepted)")
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


def _load_docx(data: bytes, max_pages: int, caps: Caps) -> Loaded:
    """The DOCX re-packed uncompressed within `caps` (worker/formats/caps.py): python-docx
    then inflates nothing."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentRejected(f"not a DOCX (zip) file: it starts with {data[:16]!r}")
    defused = defuse_zip(data, caps, "DOCX")
    with zipfile.ZipFile(io.BytesIO(defused)) as z:
        if "word/document.xml" not in z.namelist():
            raise DocumentRejected("not a DOCX: the zip has no word/document.xml")
    return Loaded(FileKind.docx, docx=defused)


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


_LOADERS = {FileKind.pdf: _load_pdf, FileKind.docx: _load_docx, FileKind.txt: _load_txt}
