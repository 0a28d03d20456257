"""One PDF page read into primitives: words and ruling segments, in an upright working space.

MuPDF interprets the page once (a TextPage that also collects vector paths); words come from
`extractWORDS`, ruling lines from the vector blocks (stroked lines, and the thin filled
rectangles Word/WPS use for cell borders), chars from `extractRAWDICT` only when asked.

Coordinates: MuPDF reports text and paths in *unrotated* page space (PDF points, origin top-left
of the unrotated page, y down) whatever `/Rotate` says. Layout analysis needs text that reads
left to right, so each page is turned by quarter turns until its dominant text direction is
(1, 0) — this covers both `/Rotate` pages and landscape tables drawn rotated on portrait pages.
`to_page` turns a working-space box back; every bbox the reader stores is in unrotated space.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import pymupdf

from schemas.geometry import BBox

Seg = tuple[float, float, float]  # (position, lo, hi): y, x0, x1 for horizontal; x, y0, y1 vertical

_FLAGS = (
    pymupdf.TEXT_PRESERVE_WHITESPACE
    | pymupdf.TEXT_MEDIABOX_CLIP
    | pymupdf.TEXT_COLLECT_VECTORS
    | pymupdf.TEXT_CID_FOR_UNKNOWN_UNICODE
)
THIN = 3.0  # a path box at most this thick is a ruling line, not an area
BAND = 8.0  # height of the horizontal bands characters are indexed in
_WHITE = 0xFFFFFF
# Quarter turns (clockwise, y down) that bring a text direction to (1, 0).
_TURNS = {(1, 0): 0, (0, -1): 1, (-1, 0): 2, (0, 1): 3}


@dataclass(slots=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(slots=True)
class PageContent:
    index: int
    width: float  # unrotated page size, the space stored bboxes live in
    height: float
    turns: int  # quarter turns from page space to working space
    words: list[Word] = field(default_factory=list)
    hsegs: list[Seg] = field(default_factory=list)
    vsegs: list[Seg] = field(default_factory=list)
    textpage: pymupdf.TextPage | None = None
    _chars: list[Word] | None = None
    _bands: dict[int, tuple[list[float], list[Word]]] | None = None  # chars_in's index

    def to_work(self, box: BBox) -> BBox:
        if not self.turns:  # most pages: called per word, char and cell
            return box
        return _turn(box, self.turns, self.width, self.height)

    def to_page(self, box: BBox) -> BBox:
        if not self.turns:
            return box
        # Turning back is turning forward by the remaining quarter turns of the turned page.
        w, h = (self.height, self.width) if self.turns % 2 else (self.width, self.height)
        return _turn(box, (4 - self.turns) % 4, w, h)

    def chars(self) -> list[Word]:
        """Single characters (working space); extracted on first use, only for split words."""
        if self._chars is None:
            raw = self.textpage.extractRAWDICT() if self.textpage else {"blocks": []}
            self._chars = [
                Word(*self.to_work(ch["bbox"]), ch["c"])
                for block in raw["blocks"]
                if block["type"] == 0
                for line in block["lines"]
                for span in line["spans"]
                for ch in span["chars"]
                if not ch["c"].isspace()
            ]
        return self._chars

    def chars_in(self, box: BBox) -> list[Word]:
        """Characters whose centre lies in `box`, from an index of horizontal bands, each
        sorted by x: splitting many glued words stays linear in the page's text."""
        if self._bands is None:
            bands: dict[int, list[Word]] = {}
            for c in self.chars():
                bands.setdefault(int(c.cy // BAND), []).append(c)
            self._bands = {}
            for key, chars in bands.items():
                chars.sort(key=lambda c: c.cx)
                self._bands[key] = ([c.cx for c in chars], chars)
        x0, y0, x1, y1 = box
        out: list[Word] = []
        for key in range(int(y0 // BAND), int(y1 // BAND) + 1):
            xs, chars = self._bands.get(key, ((), ()))
            lo, hi = bisect_left(xs, x0), bisect_right(xs, x1)
            out += [c for c in chars[lo:hi] if y0 <= c.cy <= y1]
        return out


def _turn(box: BBox, turns: int, w: float, h: float) -> BBox:
    x0, y0, x1, y1 = box
    if turns == 0:
        return box
    if turns == 1:
        return (h - y1, x0, h - y0, x1)
    if turns == 2:
        return (w - x1, h - y1, w - x0, h - y0)
    return (y0, w - x1, y1, w - x0)


def _dominant_turns(page: pymupdf.Page, textpage: pymupdf.TextPage, words: list) -> int:
    """Quarter turns that make most text read left to right. Word boxes tell horizontal from
    vertical cheaply; only rotated pages or vertical text need the line directions."""
    tall = sum(1 for w in words if len(w[4]) > 1 and w[3] - w[1] > w[2] - w[0])
    if page.rotation == 0 and 2 * tall <= len(words):
        return 0
    votes: dict[int, int] = {}
    for block in textpage.extractDICT()["blocks"]:
        for line in block.get("lines", ()):
            dx, dy = line["dir"]
            turns = _TURNS.get((round(dx), round(dy)), 0)
            votes[turns] = votes.get(turns, 0) + len(line["spans"])
    return max(votes, key=votes.__getitem__) if votes else 0


def _segments(box: BBox, isrect: bool) -> list[tuple[str, Seg]]:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if h <= THIN and w > 2 * h:
        return [("h", ((y0 + y1) / 2, x0, x1))]
    if w <= THIN and h > 2 * w:
        return [("v", ((x0 + x1) / 2, y0, y1))]
    if isrect and w > THIN and h > THIN:  # a stroked or filled box: its four edges
        return [("h", (y0, x0, x1)), ("h", (y1, x0, x1)), ("v", (x0, y0, y1)), ("v", (x1, y0, y1))]
    return []  # curves, diagonals, dots


def _vector(info: str) -> bool:
    """A visible vector block (extractBLOCKS describes it in its text)."""
    return "alpha: 0," not in info and "color: #ffffff" not in info


def read_page(page: pymupdf.Page) -> PageContent:
    """Words and ruling segments of one page, turned upright (see module docstring)."""
    unrotated = page.rect * page.derotation_matrix
    textpage = page.get_textpage(flags=_FLAGS)
    raw_words = textpage.extractWORDS()
    turns = _dominant_turns(page, textpage, raw_words)
    content = PageContent(page.number, abs(unrotated.width), abs(unrotated.height), turns)
    content.textpage = textpage
    to_work = content.to_work
    for x0, y0, x1, y1, text, *_ in raw_words:
        if not text.isspace():
            content.words.append(
                Word(*to_work((x0, y0, x1, y1)), text) if turns else Word(x0, y0, x1, y1, text)
            )
    # extractBLOCKS is ~3x cheaper than extractDICT and describes vectors as text.
    for x0, y0, x1, y1, info, _, kind in textpage.extractBLOCKS():
        if kind != 3 or not _vector(info):
            continue
        for axis, seg in _segments(content.to_work((x0, y0, x1, y1)), "is-rect: true" in info):
            (content.hsegs if axis == "h" else content.vsegs).append(seg)
    return content
