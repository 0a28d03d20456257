"""Small PDFs and broken files made in code for tests (no binary fixtures)."""

from __future__ import annotations

import pymupdf


def text_pdf(pages: int = 1, text: str = "2024年度中共测试市委网络安全和信息化委员会办公室部门预算") -> bytes:
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page()
        page.insert_text((72, 72), f"{text} 第{i + 1}页", fontname="china-s", fontsize=11)
    return doc.tobytes(garbage=3, deflate=True)


def encrypted_pdf() -> bytes:
    doc = pymupdf.open(stream=text_pdf(), filetype="pdf")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")


def truncated_pdf() -> bytes:
    data = text_pdf(pages=3)
    return data[: len(data) // 3]


def long_pdf(copies: int) -> bytes:
    """A long document with real tables: sample 003 (52 pages) `copies` times over — seconds
    to read, a fraction of a second to make."""
    from tests.support.samples import SAMPLES

    src = pymupdf.open(SAMPLES / "003_10d8e44b991496ab.pdf")
    doc = pymupdf.open()
    for _ in range(copies):
        doc.insert_pdf(src)
    return doc.tobytes()
