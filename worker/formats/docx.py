"""DOCX → layout IR. Word tables are real tables, so merges come straight from the file."""

from __future__ import annotations

import io

import docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from worker.layout import Block, Cell, Layout, PageInfo, TableBlock, TextBlock


def read_docx(data: bytes) -> Layout:
    document = docx.Document(io.BytesIO(data))
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text.strip()
            if text:
                blocks.append(TextBlock(text))
        elif isinstance(item, DocxTable):
            table = _table(item)
            if table.rows:
                blocks.append(table)
    text = "\n".join(_block_text(b) for b in blocks)
    return Layout(pages=[PageInfo(0, 0.0, 0.0, text=text)], blocks=blocks)


def _table(table: DocxTable) -> TableBlock:
    n_cols = len(table.columns)
    cells = table._cells  # resolves gridSpan and vMerge: a merged cell repeats at each position
    seen: dict[int, tuple[int, int]] = {}
    rows: list[list[Cell]] = []
    for r in range(len(cells) // n_cols if n_cols else 0):
        row: list[Cell] = []
        for c in range(n_cols):
            tc = cells[r * n_cols + c]
            origin = seen.setdefault(id(tc._tc), (r, c))
            if origin == (r, c):
                row.append(Cell("".join(p.text.strip() for p in tc.paragraphs)))
            else:
                row.append(Cell("", origin=origin))
        rows.append(row)
    return TableBlock(rows)


def _block_text(block: Block) -> str:
    if isinstance(block, TextBlock):
        return block.text
    return "\n".join("\t".join(c.text for c in row) for row in block.rows)
