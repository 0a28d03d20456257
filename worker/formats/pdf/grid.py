"""Table grids from ruling lines: merge segments, find connected rulings, build the cell grid.

Row and column separators are the distinct positions of the horizontal and vertical rulings of
one connected group. Between two neighbouring grid positions the separator either exists
(a ruling covers most of that stretch) or not: a missing interior stretch means the two
positions belong to one merged cell. Tables drawn with open sides (no outer verticals) get their
outer edges from the extent of the horizontal rules, and vice versa.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from worker.formats.pdf.page import BBox, Seg, Word

SNAP = 1.5  # rulings closer than this are one line (double borders, per-cell pieces)
JOIN = 3.0  # collinear pieces with gaps up to this are one ruling
BOUNDARY = (
    3.5  # separator positions closer than this are one separator (no real column is narrower)
)
TOUCH = 3.0  # a vertical and a horizontal ruling this close are connected
COVER = 0.7  # a separator exists along a cell side when rulings cover this share of it

Cell = tuple[int, int]


@dataclass(slots=True)
class Grid:
    """Separators and, for every grid position, the top-left position of its (merged) cell."""

    xs: list[float]
    ys: list[float]
    origin: list[list[Cell]]
    clear: bool = True  # False when a merged region was not a rectangle (split into several)
    ruled: bool = True  # separators drawn (False: inferred from text alignment)
    # Words already placed in cells (keyed by merged-cell origin) when the grid was built
    # from them; None: place words by where their centre falls.
    placed: dict[Cell, list[Word]] | None = None
    columns: Any = None  # pdf_columns.Columns of a grid inferred from text (continued parts)
    # Merged regions that are no rectangle, split into rectangles: (bounding box r0, c0, r1,
    # c1; the origins of its rectangles, the first first). A renderer centres such a region's
    # text on its bounding box, which may put it inside another cell.
    odd: list[tuple[tuple[int, int, int, int], list[Cell]]] | None = None

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    @property
    def bbox(self) -> BBox:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def locate(self, x: float, y: float) -> Cell | None:
        """The cell (merged-cell origin) holding a point, or None outside the grid."""
        c, r = bisect_right(self.xs, x) - 1, bisect_right(self.ys, y) - 1
        if 0 <= r < self.n_rows and 0 <= c < self.n_cols:
            return self.origin[r][c]
        return None

    def span(self, r0: int, c0: int) -> Cell:
        """Bottom-right grid position of the merged cell whose origin is (r0, c0)."""
        r1, c1 = r0, c0
        while r1 + 1 < self.n_rows and self.origin[r1 + 1][c0] == (r0, c0):
            r1 += 1
        while c1 + 1 < self.n_cols and self.origin[r0][c1 + 1] == (r0, c0):
            c1 += 1
        return r1, c1

    def box(self, r0: int, c0: int, r1: int, c1: int) -> BBox:
        return (self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1])


def merge_segments(segs: list[Seg]) -> list[Seg]:
    """Collinear and near-duplicate pieces -> one ruling per maximal run."""
    out: list[Seg] = []
    for group in _chain(sorted(segs), SNAP):
        pos = sum(s[0] for s in group) / len(group)
        runs: list[list[float]] = []
        for _, lo, hi in sorted(group, key=lambda s: s[1]):
            if runs and lo <= runs[-1][1] + JOIN:
                runs[-1][1] = max(runs[-1][1], hi)
            else:
                runs.append([lo, hi])
        out.extend((pos, lo, hi) for lo, hi in runs)
    return out


def _chain(items: list, tol: float) -> list[list]:
    """Split items sorted by their first field where neighbours are more than tol apart."""
    groups: list[list] = []
    for item in items:
        if groups and item[0] - groups[-1][-1][0] <= tol:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _components(hs: list[Seg], vs: list[Seg]) -> list[tuple[list[Seg], list[Seg]]]:
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for j, (x, y0, y1) in enumerate(vs):
        for i, (y, x0, x1) in enumerate(hs):
            if x0 - TOUCH <= x <= x1 + TOUCH and y0 - TOUCH <= y <= y1 + TOUCH:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Seg], list[Seg]]] = {}
    for i, seg in enumerate(hs + vs):
        group = groups.setdefault(find(i), ([], []))
        group[0 if i < len(hs) else 1].append(seg)
    return [g for g in groups.values() if g[0] and g[1]]


def _separators(segs: list[Seg], lo: float, hi: float) -> list[float]:
    """Distinct separator positions, plus the outer extent where rulings of the other
    direction reach beyond the last separator (tables with open sides)."""
    seps = [sum(g) / len(g) for g in _chain_values(sorted(s[0] for s in segs))]
    if lo < seps[0] - BOUNDARY:
        seps.insert(0, lo)
    if hi > seps[-1] + BOUNDARY:
        seps.append(hi)
    return seps


def _chain_values(values: list[float]) -> list[list[float]]:
    return [[v for (v,) in g] for g in _chain([(v,) for v in values], BOUNDARY)]


def _at(segs: list[Seg], pos: float) -> list[tuple[float, float]]:
    """The stretches rulings cover along the separator at `pos`."""
    return [(a, b) for p, a, b in segs if abs(p - pos) <= BOUNDARY]


def _covered(stretches: list[tuple[float, float]], lo: float, hi: float) -> bool:
    """Do the stretches cover most of lo..hi?"""
    if len(stretches) == 1:  # the common case, without a generator
        (a, b), = stretches
        total = max(0.0, min(b, hi) - max(a, lo))
    else:
        total = sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in stretches)
    return total >= COVER * (hi - lo)


def grid_from_rulings(hs: list[Seg], vs: list[Seg]) -> Grid | None:
    """The cell grid of one connected group of rulings; None if it is not at least 1 x 2."""
    xs = _separators(vs, min(h[1] for h in hs), max(h[2] for h in hs))
    ys = _separators(hs, min(v[1] for v in vs), max(v[2] for v in vs))
    if len(xs) < 3 or len(ys) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))  # grid position r * n_cols + c: row-major, as (r, c)

    def find(cell: int) -> int:
        while parent[cell] != cell:
            cell = parent[cell]
        return cell

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:  # keep the top-left position as the root
            parent[max(ra, rb)] = min(ra, rb)

    for c in range(1, n_cols):
        along = _at(vs, xs[c])
        for r in range(n_rows):
            if not _covered(along, ys[r], ys[r + 1]):
                union(r * n_cols + c - 1, r * n_cols + c)
    for r in range(1, n_rows):
        along = _at(hs, ys[r])
        for c in range(n_cols):
            if not _covered(along, xs[c], xs[c + 1]):
                union((r - 1) * n_cols + c, r * n_cols + c)
    return _grid(xs, ys, [find(cell) for cell in range(len(parent))])


def _grid(xs: list[float], ys: list[float], roots: list[int]) -> Grid:
    """The grid whose position i (row-major) belongs to the merged cell rooted at roots[i]."""
    n_cols = len(xs) - 1
    origin = [[(r, c) for c in range(n_cols)] for r in range(len(ys) - 1)]
    merged = {root for i, root in enumerate(roots) if root != i}  # roots of merged cells
    groups: dict[int, set[Cell]] = {}  # by root, in row-major order: a root comes first
    for i, root in enumerate(roots):
        if root in merged:
            groups.setdefault(root, set()).add(divmod(i, n_cols))
    odd: list[tuple[tuple[int, int, int, int], list[Cell]]] = []
    for cells in groups.values():
        boxes = _rectangles(cells)
        if len(boxes) > 1:
            rs, cs = [r for r, _ in cells], [c for _, c in cells]
            odd.append(((min(rs), min(cs), max(rs), max(cs)), [(b[0], b[1]) for b in boxes]))
        for r0, c0, r1, c1 in boxes:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    origin[r][c] = (r0, c0)
    return Grid(xs, ys, origin, not odd, odd=odd or None)


def _rectangles(cells: set[Cell]) -> list[tuple[int, int, int, int]]:
    """Cover a merged region with rectangles, row-major greedy: one for a real merged cell,
    several for a region no cell can be (an L from a missing border stretch)."""
    left = set(cells)
    boxes = []
    for r0, c0 in sorted(cells):
        if (r0, c0) not in left:
            continue
        c1 = c0
        while (r0, c1 + 1) in left:
            c1 += 1
        r1 = r0
        while all((r1 + 1, c) in left for c in range(c0, c1 + 1)):
            r1 += 1
        left -= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        boxes.append((r0, c0, r1, c1))
    return boxes


def find_grids(hsegs: list[Seg], vsegs: list[Seg]) -> tuple[list[Grid], list[Seg]]:
    """Ruled grids on a page, and the horizontal rulings that belong to none of them."""
    hs, vs = merge_segments(hsegs), merge_segments(vsegs)
    grids: list[Grid] = []
    used: set[Seg] = set()
    for h_group, v_group in _components(hs, vs):
        grid = grid_from_rulings(h_group, v_group)
        if grid is not None:
            grids.append(grid)
            used.update(h_group)
    return grids, [h for h in hs if h not in used]
