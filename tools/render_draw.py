"""Drawing a laid-out table (tools/render_table.py) onto pages, continuing it over as many
pages as it needs, and recording what was drawn where (the ground truth of a rendered PDF).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pymupdf

from tools.render_table import NUMERIC, TableLayout, text_width
from worker.layout import Block, Cell, TableBlock

if TYPE_CHECKING:
    from tools.render import RenderStyle


class Writer(Protocol):
    """What draw_table needs from the page writer in tools/render.py."""

    style: RenderStyle
    y: float
    font: pymupdf.Font
    page: pymupdf.Page

    @property
    def bottom(self) -> float: ...

    def new_page(self, landscape: bool | None = None) -> None: ...
    def paragraph(self, text: str, role: str | None = None) -> None: ...
    def put(self, text: str, x: float, baseline: float, size: float) -> None: ...
    def line(self, x0: float, y0: float, x1: float, y1: float, width: float) -> None: ...
    def fill(self, rect: pymupdf.Rect, color: tuple[float, float, float]) -> None: ...
    def record(self, block: Block) -> None: ...


def draw_table(w: Writer, tl: TableLayout, titles: list[str], title_role: list[str]) -> None:
    """Draw the table from w.y on, continuing on new pages as the style says."""
    style = w.style
    every: int | None = style.page_break_inside_tables
    header = list(range(tl.header))
    rows, body = list(header), 0
    top = style.margins[1]
    for group in _fitting_groups(tl, w.bottom - top - tl.header_height):
        height = sum(tl.heights[r] for r in group)
        used = sum(tl.heights[r] for r in rows)
        if body and (w.y + used + height > w.bottom or (every and body >= every)):
            _draw_rows(w, tl, rows)
            w.new_page()
            if style.title_on_continuation:
                for text, role in zip(titles, title_role, strict=True):
                    w.paragraph(text, role)
            rows = list(header) if style.repeat_header_on_continuation else []
            body = 0
        rows += group
        body += 1
    _draw_rows(w, tl, rows)


def _fitting_groups(tl: TableLayout, room: float) -> list[list[int]]:
    """Groups, with any group taller than a page split into single rows."""
    out: list[list[int]] = []
    for group in tl.groups or []:
        if len(group) > 1 and sum(tl.heights[r] for r in group) > room:
            out.extend([r] for r in group)
        else:
            out.append(group)
    return out


def _draw_rows(w: Writer, tl: TableLayout, rows: list[int]) -> None:
    if not rows:
        return
    style = w.style
    left = style.margins[0]
    ys: dict[int, float] = {}
    y = w.y
    for r in rows:
        ys[r] = y
        y += tl.heights[r]
    lw = style.line_width
    ruling = style.ruling
    edges: dict[tuple[float, float, float, float], float] = {}  # line -> width
    for origin, (r0, c0, r1, c1) in tl.regions.items():
        present = [r for r in range(r0, r1 + 1) if r in ys]
        if not present:
            continue
        rect = pymupdf.Rect(
            left + tl.col_x[c0], ys[present[0]], left + tl.col_x[c1 + 1],
            ys[present[-1]] + tl.heights[present[-1]],
        )  # fmt: skip
        fill = style.header_fill
        if fill and r0 < tl.header:
            w.fill(rect, fill)
        for edge in _cell_edges(rect, ruling):
            edges[edge] = lw
        if r0 in ys:
            _draw_text(w, tl, origin, rect, header=r0 < tl.header)
    if ruling == "three_line":
        x0, x1 = round(left, 2), round(left + tl.col_x[-1], 2)
        for yy, width in ((ys[rows[0]], 2 * lw), (y, 2 * lw), (_header_bottom(tl, ys), lw)):
            if yy is not None:
                edges[(x0, round(yy, 2), x1, round(yy, 2))] = width
    for x0, y0, x1, y1, width in _joined(edges):
        w.line(x0, y0, x1, y1, width)
    w.record(_drawn_part(tl, rows, ys, left, w.page.number))
    w.y = y


def _drawn_part(
    tl: TableLayout, rows: list[int], ys: dict[int, float], left: float, page: int
) -> TableBlock:
    """The rows drawn on one page as a TableBlock with page and boxes (ground truth)."""
    index = {r: i for i, r in enumerate(rows)}
    x = [left + cx for cx in tl.col_x]

    def box(i0: int, c0: int, i1: int, c1: int) -> tuple[float, float, float, float]:
        r0, r1 = rows[i0], rows[i1]
        return (x[c0], ys[r0], x[c1 + 1], ys[r1] + tl.heights[r1])

    n = len(rows)
    grid = [[Cell("", page, box(i, c, i, c)) for c in range(tl.table.n_cols)] for i in range(n)]
    for origin, (r0, c0, r1, c1) in tl.regions.items():
        present = [index[r] for r in range(r0, r1 + 1) if r in index]
        if not present:
            continue
        top, bottom = present[0], present[-1]
        text = tl.table.rows[origin[0]][origin[1]].text if r0 in index else ""
        grid[top][c0] = Cell(text, page, box(top, c0, bottom, c1))
        for i in present:
            for c in range(c0, c1 + 1):
                if (i, c) != (top, c0):
                    grid[i][c].origin = (top, c0)
    return TableBlock(grid, page, box(0, 0, n - 1, tl.table.n_cols - 1))


def _joined(edges: dict[tuple[float, float, float, float], float]) -> list[tuple[float, ...]]:
    """Collinear cell edges that touch, as one line each (as Excel and WPS draw them)."""
    out: list[tuple[float, ...]] = []
    for (x0, y0, x1, y1), width in sorted(edges.items(), key=lambda e: _line_key(e[0])):
        if out:
            px0, py0, px1, py1, pw = out[-1]
            same_h = y0 == y1 == py0 == py1 and px0 <= x0 <= px1 + 0.01
            same_v = x0 == x1 == px0 == px1 and py0 <= y0 <= py1 + 0.01
            if (same_h or same_v) and width == pw:
                out[-1] = (px0, py0, max(px1, x1), max(py1, y1), pw)
                continue
        out.append((x0, y0, x1, y1, width))
    return out


def _line_key(edge: tuple[float, float, float, float]) -> tuple[int, float, float]:
    x0, y0, _, y1 = edge
    return (0, y0, x0) if y0 == y1 else (1, x0, y0)


def _cell_edges(rect: pymupdf.Rect, ruling: str) -> list[tuple[float, float, float, float]]:
    x0, y0, x1, y1 = (round(v, 2) for v in (rect.x0, rect.y0, rect.x1, rect.y1))
    horizontal = [(x0, y0, x1, y0), (x0, y1, x1, y1)]
    if ruling == "grid":
        return [*horizontal, (x0, y0, x0, y1), (x1, y0, x1, y1)]
    return horizontal if ruling == "horizontal" else []


def _header_bottom(tl: TableLayout, ys: dict[int, float]) -> float | None:
    last = tl.header - 1
    return ys[last] + tl.heights[last] if last >= 0 and last in ys else None


def _draw_text(
    w: Writer, tl: TableLayout, origin: tuple[int, int], rect: pymupdf.Rect, header: bool
) -> None:
    lines = tl.lines[origin]
    if not lines:
        return
    size, lead, pad = tl.font_size, tl.lead, tl.pad
    text = tl.table.rows[origin[0]][origin[1]].text
    amount = NUMERIC.match(text) and origin[1] not in tl.code_cols
    align = "center" if header else ("right" if amount else "left")
    top = rect.y0 + max(pad, (rect.height - len(lines) * lead) / 2)
    for k, line in enumerate(lines):
        baseline = top + k * lead + lead * 0.78
        if baseline > rect.y1:
            break  # only a row taller than a page gets here; its tail is cut
        width = text_width(w.font, line, size)
        x = {
            "left": rect.x0 + pad,
            "right": rect.x1 - pad - width,
            "center": rect.x0 + (rect.width - width) / 2,
        }[align]
        w.put(line, x, baseline, size)
