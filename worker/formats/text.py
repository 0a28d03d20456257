"""Read the plain-text form of a disclosure into the layout IR.

Plain-text copies of these documents come from Word/WPS/Excel converters and encode tables in
one of two ways:

* **row per line** ("tsv"): every table row is one line, cells split by tab; a run of such lines
  is one table; blank cells stand where a header cell was merged.
* **cell per line** ("cell"): every cell is one line starting with a tab, a blank line ends a
  row, a second blank line ends the table. A merged cell is written once, so rows can be
  shorter than the grid; a cell's second paragraph is a plain line after the row.

The encoding is decided per document (the majority of tab lines) and per run of tab lines, so
a document mixing both still reads. Everything else is a paragraph (one `TextBlock` per line).
Converter artefacts (`[bookmark: …]`, Word field codes such as `TC … \\f A \\l 1`, "page
number" lines) are stripped, and leading caption rows (单位：万元, 编制部门：…, a title) leave
the table as paragraphs. Short rows are spread over the grid (see `_spread_rows`) and every
table is padded to a rectangle; covered positions stay empty and `Cell.origin` stays None,
because plain text cannot tell a merge from a blank. `infer_header_merges` is the opt-in,
heuristic way to get header merges back.
"""

from __future__ import annotations

import re
from dataclasses import replace

from worker.layout import Block, Cell, Layout, PageInfo, TableBlock, TextBlock

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff\u200b]")
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
# A Word field left in the text: keyword, optional argument, then one or more \switch [arg].
_FIELD = re.compile(
    r"\s*\b(?:TC|XE|TOC|PAGEREF|SEQ)\s+(?:\"[^\"]*\"|[^\\\n\"]*?)\s*"
    r"(?:\\[a-zA-Z*]+(?:\s+(?:\"[^\"]*\"|[^\s\\\"]{1,4}))?\s*)+"
)
_PAGE_ARTEFACT = re.compile(
    r"^(?:page number|-\s*\d+\s*-|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)$", re.I
)
_NUMBER = re.compile(r"^[-+−]?\(?[\d,，]*\d(?:\.\d+)?\)?%?$")
_YEAR_LINE = re.compile(r"^[（(]?\d{4}\s*年度?[）)]?$")
# A leading table row holding one of these is the table's caption line, not a header.
_CAPTION_PREFIXES = (
    "单位：", "单位:", "金额单位", "编制部门", "编制单位", "填报单位", "部门：", "部门:",
    "预算年度", "截止时间", "截至时间",
)  # fmt: skip
MAX_HEADER_ROWS = 4


def read_text(text: str) -> Layout:
    """Parse a plain-text disclosure into paragraphs and tables, in reading order."""
    lines = [
        _clean_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    lines = [line for line in lines if not _PAGE_ARTEFACT.match(line.strip())]
    cell_mode = _is_cell_mode(lines)
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line) and (cell_mode or _only_cell_lines(lines, i)):
            rows, i = _read_cell_table(lines, i)
            blocks.extend(_table_blocks(rows, spread=True))
        elif "\t" in line:  # a run of row-per-line rows (in a cell document: up to a cell)
            start = i
            i += 1
            while i < len(lines) and "\t" in lines[i]:
                if cell_mode and _is_cell_line(lines[i]):
                    break
                i += 1
            blocks.extend(_tsv_blocks(lines[start:i]))
        else:
            paragraph = _squash(line)
            if paragraph:
                blocks.append(TextBlock(paragraph))
            i += 1
    return Layout(pages=[PageInfo(0, 0.0, 0.0, text=text)], blocks=blocks)


def _clean_line(line: str) -> str:
    line = _CONTROL.sub("", line.replace("\f", ""))
    if "[" in line:
        line = _BOOKMARK.sub("", line)
    if "\\" in line:
        line = _FIELD.sub("", line)
    return line.rstrip(" \u3000") if "\t" in line else line


def _squash(line: str) -> str:
    """A paragraph line: tabs become spaces, surrounding whitespace goes."""
    return re.sub(r"\t+", " ", line).strip()


def _is_cell_line(line: str) -> bool:
    """One leading tab and no other (trailing tabs after a cell's text are noise)."""
    return line.startswith("\t") and "\t" not in line[1:].rstrip("\t")


def _is_cell_mode(lines: list[str]) -> bool:
    """Most tab lines hold exactly one leading tab: the cell-per-line encoding."""
    cell = sum(1 for line in lines if _is_cell_line(line))
    tsv = sum(1 for line in lines if "\t" in line) - cell
    return cell > tsv


def _only_cell_lines(lines: list[str], i: int) -> bool:
    """The run of tab lines at i is cell-per-line (one document may mix both encodings)."""
    while i < len(lines) and "\t" in lines[i]:
        if not _is_cell_line(lines[i]):
            return False
        i += 1
    return True


def _read_cell_table(lines: list[str], i: int) -> tuple[list[list[str]], int]:
    """Rows of one cell-per-line table starting at line i; returns them and the next line."""
    n = len(lines)
    rows: list[list[str]] = []
    while i < n and _is_cell_line(lines[i]):
        row = []
        while i < n and _is_cell_line(lines[i]):
            row.append(lines[i][1:].strip())
            i += 1
        rows.append(row)
        while True:  # a cell's later paragraphs, then either the next row or the table's end
            if i >= n or lines[i].strip():
                return rows, i  # text right after a cell: the converter lost the table's end
            j = i + 1
            if j < n and _is_cell_line(lines[j]):
                i = j
                break
            end = _continuation_end(lines, j)
            if end is None:
                return rows, i
            rows[-1][-1] = "\n".join([rows[-1][-1], *(_squash(x) for x in lines[j:end])]).strip()
            i = end
    return rows, i


def _continuation_end(lines: list[str], j: int) -> int | None:
    """End of a later paragraph of the last cell at line j, or None if j is past the table.

    The converter ends a table with two blank lines, so text after one blank line that is itself
    followed by another row or by the table's end still belongs to the last cell.
    """
    n = len(lines)
    if j >= n or not lines[j].strip():
        return None
    end = j
    while end < n and lines[end].strip() and not _is_cell_line(lines[end]):
        end += 1
    after = end + 1 if end < n and not lines[end].strip() else end
    if after >= n or not lines[after].strip() or _is_cell_line(lines[after]):
        return end
    return None


def _tsv_blocks(run: list[str]) -> list[Block]:
    rows = [[cell.strip() for cell in line.split("\t")] for line in run]
    if all(not any(r[1:]) for r in rows):  # only trailing tabs: paragraphs, not a table
        return [TextBlock(r[0]) for r in rows if r[0]]
    return _table_blocks(rows, spread=False)


def _table_blocks(rows: list[list[str]], *, spread: bool) -> list[Block]:
    """Caption rows become paragraphs; the rest becomes a rectangular table."""
    blocks: list[Block] = []
    while rows and (not any(rows[0]) or is_caption_row(rows[0])):
        caption = "  ".join(c for c in rows.pop(0) if c)
        if caption:
            blocks.append(TextBlock(caption))
    if not rows:
        return blocks
    width = max(len(row) for row in rows)
    grid = (
        _spread_rows(rows, width) if spread else [row + [""] * (width - len(row)) for row in rows]
    )
    while width > 1 and not any(row[width - 1] for row in grid):
        width -= 1
    blocks.append(TableBlock([[Cell(text) for text in row[:width]] for row in grid]))
    return blocks


def is_caption_row(cells: list[str]) -> bool:
    """A table's caption line (单位：万元, 编制部门：…, a title ending in 表), not its header."""
    filled = [c for c in cells if c]
    if any(_NUMBER.match(c) for c in filled):
        return False
    if any(c.startswith(_CAPTION_PREFIXES) for c in filled):
        return True
    title = len(filled) == 1 and cells[0] == filled[0]
    return title and (filled[0].endswith("表") or bool(_YEAR_LINE.match(filled[0])))


# --- spreading short rows (cell-per-line encoding) ------------------------------------------


def _spread_rows(rows: list[list[str]], width: int) -> list[list[str]]:
    """Place every row on a grid of `width` columns, bottom-up.

    A short row lost cells to horizontal merges. The row below tells where its cells sit: a
    real empty cell below is most likely the vertical continuation of a one-column cell above,
    while runs of filled cells below sit under one spanning parent.
    """
    placed: list[list[str]] = [[] for _ in rows]
    below_empty: list[bool] | None = None  # per column: the row below has a real empty cell
    below_text: list[str] = []
    for r in range(len(rows) - 1, -1, -1):
        starts = _place_row(len(rows[r]), width, below_empty, below_text)
        grid = [""] * width
        real_empty = [False] * width
        for text, col in zip(rows[r], starts, strict=True):
            grid[col] = text
            real_empty[col] = not text
        placed[r], below_empty, below_text = grid, real_empty, grid
    return placed


def _place_row(
    k: int, width: int, below_empty: list[bool] | None, below_text: list[str]
) -> list[int]:
    """Start column of each of a row's k cells."""
    if k >= width:
        return list(range(k))[:width]
    if below_empty is not None:
        starts = _anchored_starts(k, width, below_empty, below_text)
        if starts is not None:
            return starts
    if k == 1:
        return [0]
    return [0, *(1 + s for s in _split(width - 1, k - 1, []))]


def _anchored_starts(
    k: int, width: int, below_empty: list[bool], below_text: list[str]
) -> list[int] | None:
    segments: list[tuple[int, int]] = []  # (start, length): single empty columns or filled runs
    for col in range(width):
        if below_empty[col] or not segments or below_empty[segments[-1][0]]:
            segments.append((col, 1))
        else:
            segments[-1] = (segments[-1][0], segments[-1][1] + 1)
    extra = k - len(segments)
    if extra < 0:
        return None
    counts = [1] * len(segments)
    runs = sorted(
        (i for i, (s, n) in enumerate(segments) if not below_empty[s]),
        key=lambda i: -segments[i][1],
    )
    for i in runs:  # widest runs take the extra cells first
        take = min(extra, segments[i][1] - 1)
        counts[i] += take
        extra -= take
    if extra:
        return None
    starts: list[int] = []
    for (start, length), count in zip(segments, counts, strict=True):
        texts = below_text[start : start + length]
        starts.extend(start + s for s in _split(length, count, texts))
    return starts


def _split(length: int, count: int, texts: list[str]) -> list[int]:
    """Offsets splitting `length` columns among `count` cells.

    Prefer splitting where the row below repeats the run's first header (两栏 tables: 项目 |
    金额 | 项目 | 金额); otherwise split evenly, later cells wider (amount groups sit right).
    """
    if count <= 1:
        return [0]
    if texts and texts[0]:
        repeats = [i for i in range(1, length) if texts[i] == texts[0]]
        if len(repeats) == count - 1:
            return [0, *repeats]
    base, rest = divmod(length, count)
    sizes = [base + (1 if i >= count - rest else 0) for i in range(count)]
    return [sum(sizes[:i]) for i in range(count)]


# --- header heuristics (opt-in) ---------------------------------------------------------------


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.replace(" ", "")))


def guess_header_rows(table: TableBlock, max_rows: int = MAX_HEADER_ROWS) -> int:
    """Leading rows before the first row holding a number (栏次 and data rows hold numbers).

    At most `max_rows`; a table whose first row starts blank is a continuation without header.
    """
    if not table.rows or not table.rows[0][0].text:
        return 0
    for count, row in enumerate(table.rows[: max_rows + 1]):
        if any(_is_number(cell.text) for cell in row if cell.text):
            return count
    return 1  # no number near the top: a text table (指标 tables) or a form; trust one row


def infer_header_merges(table: TableBlock, header_rows: int | None = None) -> TableBlock:
    """A copy of `table` with header merges guessed from blank cells.

    In the header rows a blank cell continues the cell above when that cell is one column wide
    (or the whole width below a spanning cell is blank), else it continues its left neighbour
    when both sit under the same parent. Existing origins are kept.
    """
    n = guess_header_rows(table) if header_rows is None else header_rows
    if n == 0 or any(c.origin for row in table.rows for c in row):
        return table
    owner = _merge_regions([[c.text for c in row] for row in table.rows[:n]])
    rows = [[replace(c) for c in row] for row in table.rows]
    for r in range(n):
        for c, origin in enumerate(owner[r]):
            if origin is not None and origin != (r, c):
                rows[r][c].origin = origin
    return TableBlock(rows, page=table.page, bbox=table.bbox)


def _merge_regions(texts: list[list[str]]) -> list[list[tuple[int, int] | None]]:
    """For each header position, the (row, col) of the cell covering it (None if uncovered)."""
    width = len(texts[0])
    owner: list[list[tuple[int, int] | None]] = [[None] * width for _ in texts]
    box: dict[tuple[int, int], list[int]] = {}  # origin -> [r0, c0, r1, c1]
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            if text:
                owner[r][c] = (r, c)
                box[(r, c)] = [r, c, r, c]
        if r:
            _extend_down(texts, owner, box, r)
        for c in range(1, width):
            left = owner[r][c - 1]
            if row[c] or owner[r][c] or left is None or box[left][0] != r:
                continue
            if r and (owner[r - 1][c] is None or owner[r - 1][c] != owner[r - 1][c - 1]):
                continue
            owner[r][c] = left
            box[left][3] = c
    return owner


def _extend_down(
    texts: list[list[str]],
    owner: list[list[tuple[int, int] | None]],
    box: dict[tuple[int, int], list[int]],
    r: int,
) -> None:
    """Grow down every region that ends on row r-1 and has only blanks below it."""
    for origin, (_, c0, r1, c1) in list(box.items()):
        if r1 != r - 1 or any(texts[r][c] or owner[r][c] for c in range(c0, c1 + 1)):
            continue
        for c in range(c0, c1 + 1):
            owner[r][c] = origin
        box[origin][2] = r
