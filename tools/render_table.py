"""Table geometry for tools/render.py: merged regions, column widths, wrapping, row heights.

Pure measurement, no drawing (tools/render_draw.py draws), so the synthetic layout generator
can reuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pymupdf

from worker.formats.text import guess_header_rows
from worker.layout import TableBlock

Box = tuple[int, int, int, int]  # r0, c0, r1, c1 (inclusive)
_TOKENS = re.compile(r"[A-Za-z0-9.,:%+\-−/_@#&*≤≥<>=]+|\s+|.", re.S)
_NO_LINE_START = frozenset("，。、；：？！）》」』”’％%,.;:!?)]}")
NUMERIC = re.compile(r"^[-+−]?[\d,]*\.?\d+\s*%?$|^[-—–]+$")
_WIDTHS: dict[tuple[int, str], float] = {}  # text width at 1 pt, per font
_WIDTHS_MAX = 200_000
TEXT_COL_CAP_EM = 12.0  # a text column wider than this many characters wraps instead


def text_width(font: pymupdf.Font, text: str, size: float) -> float:
    key = (id(font), text)
    width = _WIDTHS.get(key)
    if width is None:
        if len(_WIDTHS) > _WIDTHS_MAX:  # long synthetic runs: keep memory bounded
            _WIDTHS.clear()
        width = _WIDTHS[key] = font.text_length(text, 1.0)
    return width * size


def wrap(
    text: str, width: float, font: pymupdf.Font, size: float, first_indent: float = 0.0
) -> list[str]:
    """Greedy line breaking: CJK anywhere, Latin/number runs whole, no line opening on 。，）."""
    out: list[str] = []
    limit = width - first_indent
    for para in text.split("\n"):
        line, used = "", 0.0
        for tok in _TOKENS.findall(para):
            w = text_width(font, tok, size)
            if used + w <= limit + 0.01:
                line, used = line + tok, used + w
                continue
            if tok in _NO_LINE_START and len(line.rstrip()) > 1:  # 。 may not open a line:
                out.append(line[:-1].rstrip())  # push the last character down with it
                line = line[-1] + tok
                used, limit = text_width(font, line, size), width
                continue
            if line.strip():
                out.append(line.rstrip())
                limit = width
            line, used = "", 0.0
            if tok.isspace():
                continue
            for ch in tok if w > limit else [tok]:
                cw = text_width(font, ch, size)
                if line and used + cw > limit + 0.01:
                    out.append(line)
                    line, used = "", 0.0
                line, used = line + ch, used + cw
        if line.strip():
            out.append(line.rstrip())
            limit = width
    return out


def regions(table: TableBlock) -> dict[tuple[int, int], Box]:
    """Every cell that holds text (its own origin) and the box of positions it covers."""
    box: dict[tuple[int, int], list[int]] = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            o = cell.origin
            valid = o is not None and o <= (r, c) and o[1] <= c and o in box
            key = o if valid and o is not None else (r, c)
            b = box.setdefault(key, [r, c, r, c])
            b[2], b[3] = max(b[2], r), max(b[3], c)
    return {k: (b[0], b[1], b[2], b[3]) for k, b in box.items()}


@dataclass
class TableLayout:
    table: TableBlock
    font_size: float
    col_x: list[float]  # column edges from the table's left edge
    heights: list[float]
    header: int  # header rows, covering every region that starts in them
    groups: list[list[int]]  # body rows that must stay on one page (vertical merges)
    regions: dict[tuple[int, int], Box]
    lines: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    natural_width: float = 0.0
    code_cols: set[int] = field(default_factory=set)  # integer codes (201, 2013701): left-aligned

    @property
    def pad(self) -> float:
        return self.font_size * 0.4

    @property
    def lead(self) -> float:
        return self.font_size * 1.3

    @property
    def header_height(self) -> float:
        return sum(self.heights[: self.header])

    @property
    def lead_in_height(self) -> float:
        """The first few body rows: a table should not start at a page's foot with fewer."""
        return sum(self.heights[r] for group in self.groups[:3] for r in group)


def layout_table(
    table: TableBlock, width: float, font_size: float, font: pymupdf.Font, stretch: bool = True
) -> TableLayout:
    """Fit `table` into `width` points, shrinking the font (to 4.5 pt) if even wrapping won't do."""
    boxes = regions(table)
    size = font_size
    for _ in range(4):
        natural, minimum = _column_widths(table, boxes, size, font)
        if sum(minimum) <= width or size <= 4.5:
            break
        size = max(4.5, size * width / sum(minimum) * 0.97)
    widths = _fit(natural, minimum, width, stretch)
    col_x = [0.0]
    for w in widths:
        col_x.append(col_x[-1] + w)
    tl = TableLayout(table, size, col_x, [], _header_rows(table, boxes), [], boxes)
    tl.natural_width = sum(natural)
    for origin, (_, c0, _, c1) in boxes.items():
        text = table.rows[origin[0]][origin[1]].text
        tl.lines[origin] = wrap(text, col_x[c1 + 1] - col_x[c0] - 2 * tl.pad, font, size)
    tl.heights = _row_heights(tl)
    tl.groups = _groups(tl)
    tl.code_cols = _code_columns(table, tl.header)
    return tl


def _code_columns(table: TableBlock, header: int) -> set[int]:
    """Body columns holding only integers of 3+ digits somewhere: codes, not amounts."""
    codes = set()
    for c in range(table.n_cols):
        texts = [row[c].text for row in table.rows[header:] if row[c].text]
        if texts and all(t.isdigit() for t in texts) and max(map(len, texts)) >= 3:
            codes.add(c)
    return codes


def natural_width(table: TableBlock, font_size: float, font: pymupdf.Font) -> float:
    """Width the table takes without wrapping (text columns capped at TEXT_COL_CAP_EM)."""
    return sum(_column_widths(table, regions(table), font_size, font)[0])


def _column_widths(
    table: TableBlock, boxes: dict[tuple[int, int], Box], size: float, font: pymupdf.Font
) -> tuple[list[float], list[float]]:
    pad2 = size * 0.8
    natural = [2 * size + pad2] * table.n_cols
    minimum = [1.5 * size + pad2] * table.n_cols
    for (r, c), (_, c0, _, c1) in boxes.items():
        text = table.rows[r][c].text
        if c0 != c1 or not text:
            continue
        if NUMERIC.match(text):
            longest = unbreakable = text_width(font, text, size)
        else:
            longest = max(text_width(font, p, size) for p in text.split("\n"))
            longest = min(longest, TEXT_COL_CAP_EM * size)
            unbreakable = max(text_width(font, t, size) for t in _TOKENS.findall(text))
            unbreakable = max(unbreakable, 2 * size)
        natural[c] = max(natural[c], longest + pad2)
        minimum[c] = max(minimum[c], min(unbreakable, TEXT_COL_CAP_EM * size) + pad2)
    natural = [max(n, m) for n, m in zip(natural, minimum, strict=True)]
    return natural, minimum


def _fit(natural: list[float], minimum: list[float], width: float, stretch: bool) -> list[float]:
    total = sum(natural)
    if total <= width:
        return [n * width / total for n in natural] if stretch and total else natural
    slack = total - sum(minimum)
    if slack <= 0 or sum(minimum) > width:
        return [m * width / sum(minimum) for m in minimum]
    cut = (total - width) / slack
    return [n - (n - m) * cut for n, m in zip(natural, minimum, strict=True)]


def _header_rows(table: TableBlock, boxes: dict[tuple[int, int], Box]) -> int:
    header = guess_header_rows(table)
    changed = True
    while changed and header:
        changed = False
        for r0, _, r1, _ in boxes.values():
            if r0 < header <= r1:
                header, changed = r1 + 1, True
    return min(header, len(table.rows))


def _row_heights(tl: TableLayout) -> list[float]:
    base = tl.lead + 2 * tl.pad
    heights = [base] * len(tl.table.rows)
    for origin, (r0, _, r1, _) in tl.regions.items():
        if r0 == r1:
            heights[r0] = max(heights[r0], len(tl.lines[origin]) * tl.lead + 2 * tl.pad)
    for origin, (r0, _, r1, _) in tl.regions.items():
        need = len(tl.lines[origin]) * tl.lead + 2 * tl.pad
        have = sum(heights[r0 : r1 + 1])
        if r0 != r1 and have < need:
            heights[r1] += need - have
    return heights


def _groups(tl: TableLayout) -> list[list[int]]:
    reach = list(range(len(tl.table.rows)))  # furthest row a region starting here reaches
    for r0, _, r1, _ in tl.regions.values():
        reach[r0] = max(reach[r0], r1)
    groups: list[list[int]] = []
    r = tl.header
    while r < len(reach):
        end = r
        k = r
        while k <= end:
            end = max(end, reach[k])
            k += 1
        groups.append(list(range(r, end + 1)))
        r = end + 1
    return groups
