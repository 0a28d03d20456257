"""PDF -> Layout: text blocks and table grids per page, from the text layer and ruling lines.

Fast path, per page: one MuPDF interpretation gives words and vector paths
(`pdf_page.read_page`); ruling lines become cell grids with merged cells (`pdf_grid`); text that
lines up in columns without full ruling becomes tables too (`pdf_stream`); what is left is
grouped into paragraphs. A ruled grid whose merged regions are not rectangles (a border stretch
missing where no cell could end) is "unclear": by default its regions are split into rectangles
(cheap), the first taking the text centred on the region's bounds (a title merged with its own
column as an L); with `fallback=True` PyMuPDF's `find_tables` re-grids it instead (seconds per
page on such pages). `PdfStats.unclear` / `.fallbacks` count how often.

Parts of a table inferred from text that follow each other (at the top of the next page, maybe
under the title repeated, or under a header repeated on the same page) are read again on the
first part's columns: a column may be blank in one part, and a part whose value cells are all
blank reads as short paragraphs.

Boxes: every bbox stored (cells, blocks) is in PDF points in *unrotated* page space, the space
`page.get_text` reports (origin top-left, y down), whatever `/Rotate` says. `PageInfo.width` and
`height` are the unrotated page size. Reading order is top to bottom as the page is read
(after turning it upright). A table continued on the next page (nothing but margin text
between the two parts, same columns) is one TableBlock: its `page`/`bbox` are the first part's,
each cell keeps its own `page` and `bbox`, and a header repeated on the next page is dropped.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

import pymupdf

from worker.formats.pdf.columns import Columns
from worker.formats.pdf.grid import Grid, find_grids, grid_from_rulings
from worker.formats.pdf.lines import Line, block_text, build_lines, paragraphs
from worker.formats.pdf.page import PageContent, Seg, Word, read_page
from worker.formats.pdf.stream import find_stream_tables, restream
from worker.formats.textnorm import clean_cell, normalize_text
from worker.layout import Block, Cell, Layout, PageInfo, TableBlock, TextBlock

MARGIN = 0.08  # page numbers this close (share of page height) to the top/bottom edge are ignored
log = logging.getLogger(__name__)
_PAGE_NUMBER = re.compile(r"[-—\s第页共/|\dPpage.]*")
COLUMN_TOL = 3.0  # continued tables have column separators within this many points
STREAM_COLUMN_TOL = 12.0  # ... or this many when the separators were inferred from text


@dataclass(slots=True)
class PdfStats:
    """Counters a caller may pass in to see what the reader did."""

    pages: int = 0
    ruled_tables: int = 0
    stream_tables: int = 0
    unclear: int = 0  # ruled grids with a merged region that is not a rectangle
    fallbacks: int = 0  # ... of those, re-gridded by PyMuPDF find_tables (fallback=True)
    split_words: int = 0  # words that crossed a cell border and were split into chars
    joined_tables: int = 0  # tables continued across a page break


@dataclass(slots=True)
class _Placed:
    """A block with what continuing it across pages needs."""

    block: Block
    top: float  # working-space position, for reading order and margins
    bottom: float
    grid: Grid | None = None
    page_height: float = 0.0
    content: PageContent | None = None  # a table inferred from text: what re-reading it needs
    lines: list[Line] = field(default_factory=list)
    rules: list[Seg] = field(default_factory=list)


@dataclass(slots=True)
class _Page:
    info: PageInfo
    placed: list[_Placed] = field(default_factory=list)


def read_pdf(
    doc: pymupdf.Document,
    *,
    join_pages: bool = True,
    fallback: bool = False,
    stats: PdfStats | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Layout:
    """Read every page of `doc` into the layout IR (pages 0-based; see module docstring).
    `on_page(n)` is told when the first n pages are read (progress for the Queue page)."""
    stats = stats if stats is not None else PdfStats()
    pages = []
    for i in range(doc.page_count):
        pages.append(_read_page(doc[i], stats, fallback))
        if on_page is not None:
            on_page(i + 1)
    blocks: list[Block] = []
    previous: _Placed | None = None
    if join_pages:
        _chain_parts(pages)
    for page in pages:
        for i, placed in enumerate(page.placed):
            head = previous if join_pages and i == _first_content(page.placed) else None
            if head is not None and _continues(head, placed):
                _append_rows(head.block, placed.block)  # type: ignore[arg-type]
                placed.block = head.block  # a third part continues the same table
                stats.joined_tables += 1
                continue
            blocks.append(placed.block)
        last = _last_content(page.placed)
        previous = page.placed[last] if last is not None else None
        if previous is not None and previous.grid is None:
            previous = None
    return Layout(pages=[p.info for p in pages], blocks=blocks)


def _read_page(page: pymupdf.Page, stats: PdfStats, fallback: bool) -> _Page:
    content = read_page(page)
    stats.pages += 1
    grids, free_rules = find_grids(content.hsegs, content.vsegs)
    placed: list[_Placed] = []
    words = content.words
    for grid in grids:
        if not grid.clear:
            stats.unclear += 1
            log.info("page %d: a ruled table whose merges are not rectangles, %s", page.number + 1,
                     "re-gridded by find_tables" if fallback else "split into rectangles")
            if fallback:
                grid = _fallback(page, content, grid, stats)
        inside, words = _split_inside(words, grid)
        placed.append(_table(content, grid, _split_crossing(content, grid, inside, stats)))
        stats.ruled_tables += 1
    lines = build_lines(words)
    taken: set[int] = set()
    for grid, table_lines in find_stream_tables(lines, free_rules):
        part = _table(content, grid, [])
        part.content, part.lines, part.rules = content, table_lines, free_rules
        placed.append(part)
        taken.update(id(ln) for ln in table_lines)
        stats.stream_tables += 1
    free = [ln for ln in lines if id(ln) not in taken]
    for group in paragraphs(free):
        text = _text_block(content, group)
        text.content, text.lines, text.rules = content, group, free_rules
        placed.append(text)
    placed.sort(key=lambda p: p.top)
    h = content.height if content.turns % 2 == 0 else content.width
    for p in placed:
        p.page_height = h
    info = PageInfo(content.index, content.width, content.height, text=_page_text(placed))
    content.textpage = None  # free MuPDF memory early
    return _Page(info, placed)


def _split_inside(words: list[Word], grid: Grid) -> tuple[list[Word], list[Word]]:
    x0, y0, x1, y1 = grid.bbox
    inside: list[Word] = []
    outside: list[Word] = []
    for w in words:
        (inside if x0 <= w.cx <= x1 and y0 <= w.cy <= y1 else outside).append(w)
    return inside, outside


def _split_crossing(
    content: PageContent, grid: Grid, words: list[Word], stats: PdfStats
) -> list[Word]:
    """Words whose two ends sit in different cells (no gap between cell texts) -> their chars."""
    out: list[Word] = []
    xs = grid.xs
    for w in words:
        pad = min(0.3 * w.height, 0.25 * (w.x1 - w.x0))
        left, right = w.x0 + pad, w.x1 - pad
        # both ends on one row: in one column they are in one cell (no locate needed)
        if bisect_right(xs, left) == bisect_right(xs, right) or (
            grid.locate(left, w.cy) == grid.locate(right, w.cy)
        ):
            out.append(w)
            continue
        out.extend(_chars_of(content, w))
        stats.split_words += 1
    return out


def _chars_of(content: PageContent, word: Word) -> list[Word]:
    """The characters of one word. Its box may overlap other text (MuPDF glues neighbouring
    cells into one word across baselines), so take only chars the word's text names."""
    pool = content.chars_in((word.x0, word.y0, word.x1, word.y1))
    chars = []
    for ch in word.text:
        match = next((c for c in pool if c.text == ch), None)
        if match is None:
            return [word]
        pool.remove(match)
        chars.append(match)
    return chars


def _fallback(page: pymupdf.Page, content: PageContent, grid: Grid, stats: PdfStats) -> Grid:
    """Re-grid an unclear ruled table from PyMuPDF's find_tables cells (slow, rare)."""
    stats.fallbacks += 1
    clip = pymupdf.Rect(content.to_page(grid.bbox))
    clip.x0, clip.y0, clip.x1, clip.y1 = clip.x0 - 2, clip.y0 - 2, clip.x1 + 2, clip.y1 + 2
    hs, vs = [], []
    for table in page.find_tables(clip=clip, strategy="lines").tables:
        for cell in table.cells:
            if cell is None:
                continue
            x0, y0, x1, y1 = content.to_work(tuple(cell))
            hs += [(y0, x0, x1), (y1, x0, x1)]
            vs += [(x0, y0, y1), (x1, y0, y1)]
    better = grid_from_rulings(hs, vs) if hs else None
    return better if better is not None and better.clear else grid


def _table(content: PageContent, grid: Grid, words: list[Word]) -> _Placed:
    buckets: dict[tuple[int, int], list[Word]] = grid.placed or {}
    words = _claim_centred(grid, words, buckets)
    for w in words:
        cell = grid.locate(w.cx, w.cy)
        if cell is not None:
            buckets.setdefault(cell, []).append(w)
    rows = []
    to_page, index = content.to_page, content.index
    for r, origins in enumerate(grid.origin):
        row = []
        for c, origin in enumerate(origins):
            if origin != (r, c):
                row.append(Cell("", index, to_page(grid.box(r, c, r, c)), origin=origin))
                continue
            held = buckets.get(origin)
            text = clean_cell(block_text(held)) if held else ""
            row.append(Cell(text, index, to_page(grid.box(r, c, *grid.span(r, c)))))
        rows.append(row)
    block = TableBlock(rows, content.index, content.to_page(grid.bbox))
    return _Placed(block, grid.ys[0], grid.ys[-1], grid)


def _claim_centred(
    grid: Grid, words: list[Word], buckets: dict[tuple[int, int], list[Word]]
) -> list[Word]:
    """Give a merged region that is no rectangle (a group title over its own column and its
    sub-columns, drawn as an L) the text centred on its bounding box, when that text landed
    in another cell; returns the words left to place by position."""
    for (r0, c0, r1, c1), region in grid.odd or []:
        x0, y0, x1, y1 = grid.box(r0, c0, r1, c1)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        mine = [w for w in words if grid.locate(w.cx, w.cy) in region]
        centred = [
            w
            for w in words
            if abs(w.cy - cy) <= 0.3 * w.height
            and abs(w.cx - cx) <= 0.3 * (x1 - x0)
            and grid.locate(w.cx, w.cy) not in region
        ]
        if centred and not mine:
            buckets.setdefault(region[0], []).extend(centred)
            words = [w for w in words if all(w is not c for c in centred)]
    return words


def _text_block(content: PageContent, group: list[Line]) -> _Placed:
    words = [w for line in group for w in line.words]
    box = (
        min(w.x0 for w in words),
        group[0].y0,
        max(w.x1 for w in words),
        max(ln.y1 for ln in group),
    )
    text = normalize_text(block_text(words))
    return _Placed(TextBlock(text, content.index, content.to_page(box)), box[1], box[3])


def _page_text(placed: list[_Placed]) -> str:
    parts = []
    for p in placed:
        if isinstance(p.block, TextBlock):
            parts.append(p.block.text)
        else:
            parts.extend("\t".join(cell.text for cell in row) for row in p.block.rows)
    return "\n".join(parts)


# ---- tables continued across a page break ------------------------------------------------


def _chain_parts(pages: list[_Page]) -> None:
    """Parts of a table inferred from text, one after the other (the next part at the top of
    the next page, maybe under the title and captions repeated, or under a header repeated
    on the same page), are read again on the columns of the part before when their text
    fits them: a column may be blank in one part, a header may split differently, and a part
    whose value cells are all blank reads as a column of short paragraphs."""
    before: _Placed | None = None
    said: list[str] = []  # the texts over the part before (its title, captions)
    lead: list[str] = []  # texts since the last table
    for page in pages:
        top = True  # nothing but page furniture and repeated titles on this page so far
        for i, placed in enumerate(page.placed):
            if _in_margin(placed):
                continue
            text = placed.block.text if isinstance(placed.block, TextBlock) else None
            columns: Columns | None = before.grid.columns if before and before.grid else None
            if columns is not None and top and text is not None and text in said:
                continue  # a title repeated over the next part
            if columns is not None:
                _on_columns(page, i, columns, texts=top)
                placed = page.placed[i]
            top = False
            if placed.grid is not None:
                before, said, lead = placed, lead or said, []
            else:
                before = None
                lead.append(placed.block.text)  # type: ignore[union-attr]


def _on_columns(page: _Page, i: int, columns: Columns, texts: bool) -> None:
    """Read the table at i on `columns`, with the rows of the same type size that follow it
    as text (a part whose value cells are blank); or, if `texts`, such text blocks alone."""
    if isinstance(page.placed[i].block, TextBlock) and not texts:
        return
    end = i + 1
    while end < len(page.placed) and _row_like(page.placed[end], columns.height):
        end += 1
    for stop in range(end, i, -1):  # notes may follow a part: try shorter runs
        parts = page.placed[i:stop]
        if any(p.content is None for p in parts):
            continue
        lines = sorted((ln for p in parts for ln in p.lines), key=lambda ln: ln.cy)
        grid = restream(lines, parts[0].rules, columns)
        if grid is not None:
            again = _table(parts[0].content, grid, [])  # type: ignore[arg-type]
            again.page_height = parts[0].page_height
            again.content, again.lines, again.rules = parts[0].content, lines, parts[0].rules
            page.placed[i:stop] = [again]
            page.info.text = _page_text(page.placed)
            return


def _row_like(placed: _Placed, height: float) -> bool:
    """A table inferred from text, or text whose lines are of a table's type size (rows whose
    value cells are all blank, a header read as text): maybe more of the same table."""
    if placed.content is None or _in_margin(placed):
        return False
    return placed.grid is not None or all(
        abs(ln.height - height) <= 0.12 * height for ln in placed.lines
    )


def _in_margin(p: _Placed) -> bool:
    """A page number (or the like) at the top or bottom edge: not content between two parts."""
    return (
        isinstance(p.block, TextBlock)
        and (p.bottom <= MARGIN * p.page_height or p.top >= (1 - MARGIN) * p.page_height)
        and _PAGE_NUMBER.fullmatch(p.block.text) is not None
    )


def _first_content(placed: list[_Placed]) -> int | None:
    return next((i for i, p in enumerate(placed) if not _in_margin(p)), None)


def _last_content(placed: list[_Placed]) -> int | None:
    return next((i for i in range(len(placed) - 1, -1, -1) if not _in_margin(placed[i])), None)


def _continues(head: _Placed, tail: _Placed) -> bool:
    if head.grid is None or tail.grid is None:
        return False
    a, b = head.grid.xs, tail.grid.xs
    # Separators inferred from text move with the content; drawn ones do not.
    tol = COLUMN_TOL if head.grid.ruled and tail.grid.ruled else STREAM_COLUMN_TOL
    if len(a) != len(b) or any(abs(x - y) > tol for x, y in zip(a, b, strict=True)):
        return False
    # Same template, new instance (per-project forms): the first row starts with the same
    # label as the head's first row but is not a repeated header.
    first, again = head.block.rows[0], tail.block.rows[0]  # type: ignore[union-attr]
    return not (
        first[0].text and first[0].text == again[0].text and _texts([first]) != _texts([again])
    )


def _texts(rows: list[list[Cell]]) -> list[list[str]]:
    return [[c.text for c in row] for row in rows]


def _append_rows(head: TableBlock, tail: TableBlock) -> None:
    texts = _texts(head.rows)
    skip = 0
    for k in range(min(5, len(tail.rows) - 1), 0, -1):  # a header repeated on the new page
        # (the first part may start with caption rows the repeat lacks)
        if any(_texts(tail.rows[:k]) == texts[at : at + k] for at in range(3)):
            skip = k
            break
    offset = len(head.rows) - skip
    for row in tail.rows[skip:]:
        for cell in row:
            if cell.origin is not None:
                cell.origin = (cell.origin[0] + offset, cell.origin[1])
        head.rows.append(row)
