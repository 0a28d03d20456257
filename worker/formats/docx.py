"""DOCX → layout IR. Word tables are real tables, so merges come straight from the file."""

from __future__ import annotations

import io

import docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from worker.errors import DocumentRejected
from worker.formats.caps import Caps, check_text
from worker.layout import Block, Cell, Layout, PageInfo, TableBlock, TextBlock, block_text


def read_docx(data: bytes, caps: Caps | None = None) -> Layout:
    """Raises DocumentRejected as soon as the text read passes `caps.text_chars` (the zip
    itself is checked at load: worker/formats/caps.py)."""
    caps = caps or Caps.defaults()
    document = docx.Document(io.BytesIO(data))
    blocks: list[Block] = []
    chars = 0
    for item in document.iter_inner_content():
        block: Block | None = None
        if isinstance(item, Paragraph):
            text = item.text.strip()
            block = TextBlock(text) if text else None
        elif isinstance(item, DocxTable):
            _check_grid(item, caps)
            table = _table(item)
            block = table if table.rows else None
        if block is not None:
            blocks.append(block)
            chars += len(block_text(block))
            check_text(chars, caps)
    text = "\n".join(block_text(b) for b in blocks)
    return Layout(pages=[PageInfo(0, 0.0, 0.0, text=text)], blocks=blocks)


def _check_grid(table: DocxTable, caps: Caps) -> None:
    """A table's grid positions, counted from its cells' spans before python-docx lays them
    out: a few bytes of XML can span a cell over 10⁸ columns (minutes in `_cells`)."""
    positions = sum(tc.grid_span for tc in table._tbl.iter_tcs())
    if positions > caps.text_chars:
        raise DocumentRejected(
            f"表格过大：{positions:,} 个单元格，超过上限 {caps.text_chars:,} (a table of "
            f"{positions:,} grid cells, above the limit of {caps.text_chars:,}, "
            "BUDGETLENS_MAX_TEXT_CHARS counts a cell as a character)")


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
