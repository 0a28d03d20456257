"""Builders for the small PDFs the PDF-reader tests run on, drawn with PyMuPDF in code.

Each builder returns an in-memory `pymupdf.Document`; `python tests/support/pdf_builders.py DIR`
writes them all to DIR for a look in a viewer. Tables are drawn from a `TableSpec`: grid texts,
merges and a border style, so a test states the grid it expects next to the grid it drew.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

FONT = pymupdf.Font("china-s")  # Droid Sans Fallback, shipped inside MuPDF
FONTNAME = "dsf"  # embedded (then subset) so the PDF carries real glyph widths and a ToUnicode
SIZE = 9.0

# Border styles: every cell edge as a stroked line / as a thin filled rectangle / horizontal
# rules between all rows / three-line table (top, under the header, bottom) / nothing at all.
STYLES = ("grid", "rects", "hlines", "three_line", "none")


@dataclass
class TableSpec:
    rows: list[list[str]]
    col_widths: list[float]
    x: float = 50.0
    y: float = 100.0
    row_height: float = 18.0
    style: str = "grid"
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 incl.
    align: str = ""  # one letter per column: l / r / c; default: numbers right, text left
    header_rows: int = 1
    shuffle_numbers: bool = False  # emit the chars of numbers in a random order
    centre_header: bool = False  # header rows centred in their cells (group titles over spans)

    @property
    def width(self) -> float:
        return sum(self.col_widths)

    @property
    def bottom(self) -> float:
        return self.y + self.row_height * len(self.rows)


def _is_number(text: str) -> bool:
    return bool(text) and all(ch in "0123456789.,-%" for ch in text)


def _covered(spec: TableSpec) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """Grid position -> the merge that covers it (top-left included)."""
    out = {}
    for r0, c0, r1, c1 in spec.merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                out[(r, c)] = (r0, c0, r1, c1)
    return out


def _cell_rect(spec: TableSpec, r0: int, c0: int, r1: int, c1: int) -> pymupdf.Rect:
    xs = [spec.x + sum(spec.col_widths[:i]) for i in range(len(spec.col_widths) + 1)]
    y0 = spec.y + r0 * spec.row_height
    return pymupdf.Rect(xs[c0], y0, xs[c1 + 1], spec.y + (r1 + 1) * spec.row_height)


def put_text(page: pymupdf.Page, x: float, y: float, text: str, shuffle: bool = False) -> None:
    """Write `text` with its baseline at y; shuffled: one char at a time in random order."""
    if not shuffle:
        page.insert_text((x, y), text, fontname=FONTNAME, fontsize=SIZE)
        return
    positions = []
    for ch in text:
        positions.append((x, ch))
        x += FONT.text_length(ch, SIZE)
    random.Random(len(text)).shuffle(positions)
    for px, ch in positions:
        page.insert_text((px, y), ch, fontname=FONTNAME, fontsize=SIZE)


def _draw_text(
    page: pymupdf.Page, spec: TableSpec, text: str, rect: pymupdf.Rect, col: int
) -> None:
    lines = text.split("\n")
    align = spec.align[col] if spec.align else ("r" if _is_number(text) else "l")
    if spec.centre_header and rect.y0 < spec.y + spec.header_rows * spec.row_height:
        align = "c"
    top = rect.y0 + (rect.height - len(lines) * SIZE * 1.2) / 2 + SIZE
    for i, line in enumerate(lines):
        width = FONT.text_length(line, SIZE)
        x = {"l": rect.x0 + 2, "r": rect.x1 - 2 - width, "c": (rect.x0 + rect.x1 - width) / 2}[
            align
        ]
        shuffle = spec.shuffle_numbers and _is_number(line)
        put_text(page, x, top + i * SIZE * 1.2, line, shuffle)


def _edge(page: pymupdf.Page, p: pymupdf.Point, q: pymupdf.Point, style: str) -> None:
    if style == "rects":  # Word/WPS export: each border a 0.5 pt filled rectangle
        rect = pymupdf.Rect(p.x - 0.25, p.y - 0.25, q.x + 0.25, q.y + 0.25)
        page.draw_rect(rect, color=None, fill=(0, 0, 0))
    else:
        page.draw_line(p, q, width=0.5)


def _draw_borders(page: pymupdf.Page, spec: TableSpec) -> None:
    covered = _covered(spec)
    n_rows, n_cols = len(spec.rows), len(spec.col_widths)
    full = spec.style in ("grid", "rects")
    for r in range(n_rows):
        for c in range(n_cols):
            box = _cell_rect(spec, r, c, r, c)
            merge = covered.get((r, c))
            # An edge is drawn unless both sides belong to the same merge.
            top = (
                full
                or spec.style == "hlines"
                or (spec.style == "three_line" and r in (0, spec.header_rows))
            )
            if top and (r == 0 or not merge or covered.get((r - 1, c)) != merge):
                _edge(page, box.tl, box.tr, spec.style)
            if full and (c == 0 or not merge or covered.get((r, c - 1)) != merge):
                _edge(page, box.tl, box.bl, spec.style)
    if spec.style != "none":
        bottom = spec.y + n_rows * spec.row_height
        _edge(
            page,
            pymupdf.Point(spec.x, bottom),
            pymupdf.Point(spec.x + spec.width, bottom),
            spec.style,
        )
    if full:
        right = spec.x + spec.width
        _edge(page, pymupdf.Point(right, spec.y), pymupdf.Point(right, spec.bottom), spec.style)


def draw_table(page: pymupdf.Page, spec: TableSpec) -> None:
    covered = _covered(spec)
    for r, row in enumerate(spec.rows):
        for c, text in enumerate(row):
            merge = covered.get((r, c))
            if merge and merge[:2] != (r, c):
                continue
            rect = _cell_rect(spec, *(merge or (r, c, r, c)))
            if text:
                _draw_text(page, spec, text, rect, c)
    _draw_borders(page, spec)


def new_page(doc: pymupdf.Document, landscape: bool = False) -> pymupdf.Page:
    width, height = (842, 595) if landscape else (595, 842)
    page = doc.new_page(width=width, height=height)
    page.insert_font(fontname=FONTNAME, fontbuffer=FONT.buffer)
    return page


def finish(doc: pymupdf.Document) -> pymupdf.Document:
    """Subset the embedded font (3.5 MB -> a few kB) and reopen as a saved file would be."""
    doc.subset_fonts()
    return pymupdf.open("pdf", doc.tobytes(garbage=3, deflate=True))


_CMAP = """/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
{n} beginbfchar
{pairs}
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def break_to_unicode(doc: pymupdf.Document, subs: dict[str, str]) -> pymupdf.Document:
    """Rewrite the font's ToUnicode so some glyphs map to other code points (e.g. radicals).

    This is how real broken PDFs look: the glyph is right, its Unicode mapping is not.
    """
    glyphs: dict[int, str] = {}
    for page in doc:
        for span in page.get_texttrace():
            for uni, gid, _origin, _bbox in span["chars"]:
                glyphs[gid] = subs.get(chr(uni), chr(uni))
    pairs = "\n".join(f"<{gid:04x}> <{ord(ch):04x}>" for gid, ch in sorted(glyphs.items()))
    for xref in range(1, doc.xref_length()):
        kind, value = doc.xref_get_key(xref, "ToUnicode")
        if kind == "xref":
            doc.update_stream(
                int(value.split()[0]), _CMAP.format(n=len(glyphs), pairs=pairs).encode()
            )
    return pymupdf.open("pdf", doc.tobytes())  # reopened: MuPDF caches the loaded font


# ---- the documents ------------------------------------------------------------------------

BUDGET_ROWS = [
    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
    ["201", "一般公共服务支出", "1234.56", "1000.00", "234.56"],
    ["20137", "网信事务", "1234.56", "1000.00", "234.56"],
    ["2013701", "行政运行", "1000.00", "1000.00", ""],
    ["2013799", "其他网信事务支出", "234.56", "", "234.56"],
    ["", "合计", "1234.56", "1000.00", "234.56"],
]
BUDGET_WIDTHS = [60.0, 150.0, 80.0, 80.0, 80.0]


def merged_header_rows() -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    rows = [
        ["科目编码", "科目名称", "本年支出", "", ""],
        ["", "", "合计", "基本支出", "项目支出"],
        *BUDGET_ROWS[1:],
    ]
    return rows, [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 4)]


def doc_with_table(style: str, **kwargs) -> pymupdf.Document:
    doc = pymupdf.open()
    page = new_page(doc)
    put_text(page, 50, 70, "一般公共预算支出表")
    spec = TableSpec(
        rows=kwargs.pop("rows", BUDGET_ROWS),
        col_widths=kwargs.pop("widths", BUDGET_WIDTHS),
        style=style,
        **kwargs,
    )
    draw_table(page, spec)
    put_text(page, 50, spec.bottom + 30, "注：本表金额单位为万元。")
    return finish(doc)


def doc_merged_header(style: str = "grid", centre: bool = False) -> pymupdf.Document:
    rows, merges = merged_header_rows()
    return doc_with_table(style, rows=rows, merges=merges, header_rows=2, centre_header=centre)


def doc_split_table(
    style: str = "grid", page_number: bool = True, title2: str = ""
) -> pymupdf.Document:
    """A 60-row table continued on the next page with its header repeated (or, with a title
    over the second part, a table followed by another of the same shape)."""
    body = [
        [f"{2013700 + i}", f"项目{i}", f"{i * 10}.50", f"{i}.25", f"{i * 10 - i}.25"]
        for i in range(1, 61)
    ]
    doc = pymupdf.open()
    first = TableSpec([BUDGET_ROWS[0], *body[:38]], BUDGET_WIDTHS, y=80, style=style)
    page = new_page(doc)
    put_text(page, 50, 60, "项目支出表")
    draw_table(page, first)
    if page_number:  # a running footer between the two parts must not stop the join
        put_text(page, 290, 820, "- 1 -")
    second = TableSpec([BUDGET_ROWS[0], *body[38:]], BUDGET_WIDTHS, y=60, style=style)
    page = new_page(doc)
    if title2:
        put_text(page, 50, 45, title2)
    draw_table(page, second)
    put_text(page, 50, second.bottom + 30, "以上为项目支出明细。")
    return finish(doc)


def doc_rotated() -> pymupdf.Document:
    """A portrait page with /Rotate 90 whose content was drawn to read as landscape."""
    src = doc_with_table("grid")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(90)
    # show_pdf_page places the source page upright in the rotated page's display space.
    page.show_pdf_page(page.rect, src, 0, rotate=90)
    return finish(doc)


def doc_radicals() -> pymupdf.Document:
    """门 金 一 drawn right but mapped to radical code points; full-width digits; split numbers."""
    rows = [
        ["部门", "金额"],
        ["一般公共服务", "１２３．４５"],
        ["合计", "1 234.56"],
        ["其他", "12 .5"],
    ]
    doc = doc_with_table("grid", rows=rows, widths=[150.0, 100.0])
    return break_to_unicode(doc, {"门": "\u2ed4", "金": "\u2fa6", "一": "\u2f00"})


def doc_narrative() -> pymupdf.Document:
    doc = pymupdf.open()
    page = new_page(doc)
    text = "一、收入支出预算总体情况。" + "收入总计1234.56万元，支出总计1234.56万元。" * 4
    page.insert_htmlbox(pymupdf.Rect(50, 60, 545, 200), f"<p style='font-size:10pt'>{text}</p>")
    return finish(doc)


BUILDERS = {
    "grid": lambda: doc_with_table("grid"),
    "rects": lambda: doc_with_table("rects"),
    "hlines": lambda: doc_with_table("hlines"),
    "three_line": lambda: doc_with_table("three_line"),
    "none": lambda: doc_with_table("none"),
    "merged": doc_merged_header,
    "split": doc_split_table,
    "rotated": doc_rotated,
    "radicals": doc_radicals,
    "shuffled": lambda: doc_with_table("grid", shuffle_numbers=True),
}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    for name, build in BUILDERS.items():
        build().save(out / f"{name}.pdf")
