"""Words -> text lines -> phrases and paragraphs, all by geometry (never by content-stream order).

Broken producers emit characters out of order (a cell reading `4914\\n.` for 49.14); MuPDF then
cuts them into separate words, so sorting words by x inside a line and gluing touching ones
restores the printed string.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from worker.formats.pdf.page import BBox, Word
from worker.formats.textnorm import is_cjk, join_lines

SPACE_GAP = 0.12  # a gap wider than this × line height is a space
PHRASE_GAP = 1.0  # ... wider than this × line height separates table phrases (cells)
_SAME_LINE = 0.45  # centres closer than this × height sit on one line


@dataclass(slots=True)
class Line:
    words: list[Word] = field(default_factory=list)
    _height: float = -1.0  # median word height, once the line is complete
    colnum: bool | None = None  # a column-number row (pdf_stream), once asked
    _box: tuple[float, float, float] | None = None

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self._extent()[0]

    @property
    def y0(self) -> float:
        return self._extent()[1]

    @property
    def y1(self) -> float:
        return self._extent()[2]

    def _extent(self) -> tuple[float, float, float]:
        """x1, y0, y1, once the line is complete (lines are read far more than built)."""
        if self._box is None:
            words = self.words
            self._box = (
                max(w.x1 for w in words),
                min(w.y0 for w in words),
                max(w.y1 for w in words),
            )
        return self._box

    @property
    def height(self) -> float:
        if self._height < 0:
            heights = sorted(w.y1 - w.y0 for w in self.words)
            self._height = heights[len(heights) // 2]
        return self._height

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def text(self) -> str:
        return words_text(self.words)


def build_lines(words: list[Word]) -> list[Line]:
    """Group words whose vertical centres agree; each line's words sorted left to right."""
    lines: list[Line] = []
    centre = height = 0.0
    for word in sorted(words, key=lambda w: w.cy):
        h = word.height
        if lines and abs(word.cy - centre) <= _SAME_LINE * min(h, height):
            lines[-1].words.append(word)
            continue
        lines.append(Line([word]))
        centre, height = word.cy, h
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def words_text(words: list[Word]) -> str:
    """Words of one line, left to right: touching words glued, a space only between non-CJK."""
    out = ""
    prev: Word | None = None
    for word in words:
        if prev is not None:
            gap = word.x0 - prev.x1
            if gap > SPACE_GAP * max(prev.height, word.height) and not (
                is_cjk(prev.text[-1]) or is_cjk(word.text[0])
            ):
                out += " "
        out += word.text
        prev = word
    return out


def block_text(words: list[Word]) -> str:
    """Words of a cell or paragraph: lines top to bottom, wrapped lines joined (see join_lines)."""
    if len(words) == 1:
        return words[0].text
    return join_lines(line.text for line in build_lines(words))


def phrases(line: Line, gap: float = PHRASE_GAP) -> list[list[Word]]:
    """Split a line where the gap between words is wide: the pieces a table would put in cells."""
    out = [[line.words[0]]]
    limit = gap * line.height
    for prev, word in zip(line.words, line.words[1:], strict=False):
        if word.x0 - prev.x1 > limit:
            out.append([word])
        else:
            out[-1].append(word)
    return out


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group consecutive lines into paragraphs: close below, not indented, previous line full.

    "Full" is measured against the right edge of all the lines given (the text column), so a
    short heading or a list item ends its paragraph even when its neighbours are short too.
    """
    groups: list[list[Line]] = []
    right = max((ln.x1 for ln in lines), default=0.0)
    left = 0.0
    for line in lines:
        if groups and _continues(groups[-1][-1], line, left, right):
            groups[-1].append(line)
            left = min(left, line.x0)
        else:
            groups.append([line])
            left = line.x0
    return groups


def _continues(prev: Line, line: Line, left: float, right: float) -> bool:
    h = max(prev.height, line.height)
    return (
        -0.5 * h <= line.y0 - prev.y1 <= 0.8 * h  # the next line, not far below
        and abs(line.height - prev.height) <= 0.25 * h  # same type size
        and line.x0 <= left + 1.5 * h  # not a new indented paragraph
        and prev.x1 >= right - 2.0 * h  # the previous line ran to the margin
        and line.x0 < right
    )
