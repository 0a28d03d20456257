"""Stage 2, chunk: a loaded document → the format-agnostic layout (pages, text and table blocks)."""

from __future__ import annotations

from collections.abc import Callable

import docx
import openpyxl
import pymupdf
import xlrd

from schemas.records import FileKind
from worker.formats import reading
from worker.formats.docx import read_docx
from worker.formats.sheet import read_xls, read_xlsx
from worker.formats.text import read_text
from worker.layout import Layout
from worker.ocr import ENGINES
from worker.ocr.layer import read_pdf_ocr
from worker.ocr.orient import upright
from worker.ocr.quality import assess_page
from worker.pipeline.load import Loaded
from worker.pipeline.options import OcrOptions, Options


def chunk(loaded: Loaded, ocr: OcrOptions | None = None,
          on_page: Callable[[int], None] | None = None) -> Layout:
    """Pages without a usable text layer are OCR'd by `ocr.engine` from a render at `ocr.dpi`
    (Settings' defaults when not given). `on_page(n)`: the first n pages of a PDF are read.

    Raises DocumentRejected when PyMuPDF, python-docx, openpyxl or xlrd cannot read the content,
    OcrEngineError when the OCR engine is missing or fails (the installation's fault: the job is
    retried, then fails). Any other exception is a bug of ours and keeps its traceback.
    """
    ocr = ocr or Options.defaults().ocr
    if ocr.engine not in ENGINES:
        raise ValueError(f"unknown OCR engine {ocr.engine!r}; choose from {sorted(ENGINES)}")
    if loaded.pdf is not None:
        with reading("pdf", pymupdf):
            return _read_pdf(loaded.pdf, ocr, on_page)
    if loaded.docx is not None:
        with reading("docx", docx):
            return read_docx(loaded.docx, loaded.caps)
    if loaded.workbook is not None:
        read = read_xlsx if loaded.kind == FileKind.xlsx else read_xls
        with reading(loaded.kind.value, openpyxl, xlrd):
            return read(loaded.workbook, loaded.caps)
    return read_text(loaded.text or "")


def _read_pdf(pdf: pymupdf.Document, ocr: OcrOptions,
              on_page: Callable[[int], None] | None) -> Layout:
    # Scans stored turned (/Rotate, or sideways) are OCR'd from an upright copy; boxes map back.
    # Each page's text layer is judged once (~1 ms a page): both steps need the verdicts, and a
    # turned copy's verdict is its original's.
    quality = [assess_page(page) for page in pdf]
    turned = upright(pdf, quality, ocr.runtime)
    return turned.restore(read_pdf_ocr(turned.doc, engine=ocr.engine, dpi=ocr.dpi,
                                       quality=quality, on_page=on_page, runtime=ocr.runtime))
