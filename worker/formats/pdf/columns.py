"""Columns of a table without vertical rules, from how its body text lines up.

A column is a stripe of the page that body words fill and no body word crosses: the gutters
between columns are the x ranges no word touches. Each column remembers the extent of its
content and how that content is aligned (numbers flush right, labels and codes flush left),
because cell borders are not drawn: between two right-aligned columns the border sits just right
of the left column's numbers, between two left-aligned ones just left of the right column's
labels, elsewhere in the middle of the gutter. Header words are then placed over these columns
by centring (`pdf_header`), and may add columns the body leaves empty.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from worker.formats.pdf.page import Word

NUMBER = re.compile(r"[-+(]?[\d,，]*[.．]?\d+[%)]?|[-—–]+")
MIN_GUTTER = 0.3  # a gutter is at least this × line height wide
PAD = 0.3  # cell padding assumed between a flush edge and the border, × line height
ALIGNED = 0.15  # edges within this × line height are flush


def is_number(text: str) -> bool:
    return NUMBER.fullmatch(text) is not None


@dataclass(slots=True)
class Column:
    x0: float  # extent of the body content (the header's, for a column the body leaves empty)
    x1: float
    align: str = ""  # "left" | "right" | "centre" (a header over an empty column) | "" (mixed)
    words: int = 0  # body words in the column

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


class Columns:
    """Columns left to right, their separators, and the columns each word covers."""

    def __init__(self, cols: list[Column], height: float, left: float, right: float) -> None:
        self.cols = cols
        self.height = height
        self.left, self.right = left, right  # table edges when known (rules), else content
        self.xs: list[float] = []
        self.slack: list[float] = []
        self._of: dict[int, range] = {}  # id(word) -> columns, until separators move
        self.borders: dict[int, float] = {}  # separator index -> position a header showed
        self.header_words: set[str] = set()  # the header's words (a repeat reads as header)
        self.wide: dict[int, range] = {}  # id(word) -> columns, for header words placed by span
        self.separate()

    @property
    def n(self) -> int:
        return len(self.cols)

    def separate(self) -> None:
        """Separators from the columns' extents and alignment (see module docstring), and how
        far each may be off (`slack`)."""
        pad = PAD * self.height
        xs = [min(self.left, self.cols[0].x0 - pad)]
        slack = [pad]
        for a, b in pairwise(self.cols):
            gap = max(0.0, b.x0 - a.x1)
            if a.align == "right" and b.align != "left":
                x, off = a.x1 + min(pad, gap / 2), pad
            elif b.align == "left" and a.align != "right":
                x, off = b.x0 - min(pad, gap / 2), pad
            elif a.align == "centre" and slack[-1] < gap / 2:  # mirror its left border
                x, off = min(max(2 * a.cx - xs[-1], a.x1), b.x0), slack[-1]
            else:
                x, off = a.x1 + gap / 2, gap / 2
            if len(xs) in self.borders:
                x, off = self.borders[len(xs)], pad
            xs.append(x)
            slack.append(off)
        xs.append(max(self.right, self.cols[-1].x1 + pad))
        slack.append(pad)
        self.xs, self.slack = xs, slack
        self._of = {}

    def copy(self) -> Columns:
        """The same columns, to grow on their own (a part continued elsewhere)."""
        other = Columns(list(self.cols), self.height, self.left, self.right)
        other.borders = dict(self.borders)
        other.header_words = set(self.header_words)
        other.separate()
        return other

    def insert(self, col: Column) -> int:
        """Add a column (one the body leaves empty); returns its index."""
        i = sum(1 for c in self.cols if c.cx < col.cx)
        self.cols.insert(i, col)
        self.borders = {k + (k > i): x for k, x in self.borders.items()}
        self.separate()
        return i

    def border_from(self, k: int, centre: float) -> None:
        """A header centred at `centre` over column k alone: with the column's flush edge
        that fixes its other border (a separator otherwise only known to lie in a gutter)."""
        col, pad = self.cols[k], PAD * self.height
        if col.align == "right" and k > 0:
            at, x = k, 2 * centre - (col.x1 + pad)
            lo, hi = max(c.x1 for c in self.cols[:k]), col.x0
        elif col.align == "left" and k + 1 < self.n:
            at, x = k + 1, 2 * centre - (col.x0 - pad)
            lo, hi = col.x1, min(c.x0 for c in self.cols[k + 1 :])
        else:
            return
        if lo <= x <= hi and self.borders.get(at) != x:
            self.borders[at] = x
            self.separate()

    def col(self, x: float) -> int:
        return max(0, min(self.n - 1, bisect_right(self.xs, x, 1, len(self.xs) - 1) - 1))

    def of(self, word: Word) -> range:
        if id(word) in self.wide:
            return self.wide[id(word)]
        found = self._of.get(id(word))
        if found is None:
            found = self._of[id(word)] = self._of_word(word)
        return found

    def _of_word(self, word: Word) -> range:
        pad = 0.1 * word.height
        span = range(self.col(word.x0 + pad), self.col(word.x1 - pad) + 1)
        if len(span) > 1:  # over a separator: the columns whose content it overlaps say more
            hit = self.touched(word.x0 + pad, word.x1 - pad)
            if hit:
                return range(hit[0], hit[-1] + 1)
        return span

    def touched(self, x0: float, x1: float) -> list[int]:
        """Columns whose body content the stretch x0..x1 overlaps."""
        return [i for i, c in enumerate(self.cols) if c.words and x0 < c.x1 and x1 > c.x0]

    def region(self, a: int, b: int) -> tuple[float, float]:
        return self.xs[a], self.xs[b + 1]


def _stripes(spans: list[tuple[float, float]], min_width: float) -> list[tuple[float, float]]:
    """Empty x stripes (lo, hi) between the union of spans."""
    stripes: list[tuple[float, float]] = []
    spans = sorted(spans)
    reach = spans[0][1]
    for lo, hi in spans[1:]:
        if lo - reach >= min_width:
            stripes.append((reach, lo))
        reach = max(reach, hi)
    return stripes


def _gutters(body: list[list[Word]], height: float) -> list[tuple[float, float]]:
    """Stripes no body word touches. If a few spanning words hide stripes that the most
    regular lines show, those lines decide."""
    words = [w for ws in body for w in ws]
    stripes = _stripes([(w.x0, w.x1) for w in words], MIN_GUTTER * height)
    if len(stripes) + 1 < max(len(ws) for ws in body):
        modal = Counter(len(ws) for ws in body).most_common(1)[0][0]
        regular = [(w.x0, w.x1) for ws in body if len(ws) >= modal for w in ws]
        alt = _stripes(regular, MIN_GUTTER * height)
        stripes = alt if len(alt) > len(stripes) else stripes
    return stripes


def _amount(text: str) -> bool:
    """A figure, not a code: decimals, or a zero or dash standing for nothing."""
    return is_number(text) and (not text.isdigit() or text == "0")


def _align(words: list[Word], height: float) -> str:
    if len(words) < 2:
        return "right" if words and _amount(words[0].text) else ""
    tol = ALIGNED * height
    right = max(w.x1 for w in words)
    left = min(w.x0 for w in words)
    flush_r = sum(1 for w in words if right - w.x1 <= tol)
    flush_l = sum(1 for w in words if w.x0 - left <= tol)
    if max(flush_r, flush_l) < 0.6 * len(words):
        return ""
    if flush_r == flush_l:  # all one width: amounts are set flush right; codes, who knows
        return "right" if all(_amount(w.text) for w in words) else ""
    return "right" if flush_r > flush_l else "left"


def find_columns(
    body: list[list[Word]], height: float, edges: tuple[float, float] | None = None
) -> Columns | None:
    """Columns from the words of the body lines (each a list of words); None if fewer than 2.

    `edges`: the table's left and right edge when rules show them.
    """
    lines = [ws for ws in body if ws]
    if not lines:
        return None
    stripes = _gutters(lines, height)
    if not stripes:
        return None
    cuts = [(lo + hi) / 2 for lo, hi in stripes]
    groups: list[list[Word]] = [[] for _ in range(len(cuts) + 1)]
    for ws in lines:
        for w in ws:
            groups[sum(1 for c in cuts if c <= w.cx)].append(w)
    cols = [
        Column(min(w.x0 for w in g), max(w.x1 for w in g), _align(g, height), len(g))
        for g in groups
        if g
    ]
    if len(cols) < 2:
        return None
    left = edges[0] if edges else cols[0].x0
    right = edges[1] if edges else cols[-1].x1
    return Columns(cols, height, left, right)
