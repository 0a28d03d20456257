"""Stage 2, chunk: a loaded document → the format-agnostic layout (pages, text and table blocks)."""

from __future__ import annotations

from worker.errors import DocumentRejected
from worker.formats.docx import read_docx
from worker.formats.text import read_text
from worker.layout import Layout
from worker.load import Loaded
from worker.ocr_layer import read_pdf_ocr


def chunk(loaded: Loaded) -> Layout:
    try:
        if loaded.pdf is not None:
            return read_pdf_ocr(loaded.pdf)  # OCRs only pages without a usable text layer
        if loaded.docx is not None:
            return read_docx(loaded.docx)
        return read_text(loaded.text or "")
    except DocumentRejected:
        raise
    except (ValueError, RuntimeError, KeyError) as exc:  # the reader choked on this file's content
        raise DocumentRejected(f"cannot read the {loaded.kind} content: {exc}") from exc
