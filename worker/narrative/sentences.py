"""Text blocks → headings and sentences, in one pass (linear in the text's length).

A sentence ends at 。！？; one that runs on without them is cut at MAX_SENTENCE characters (at
the last clause mark before it), so no sentence — and no fact quoting it — grows with the
document. Page furniture between the parts of a sentence continued on the next page (page
numbers, a running header printed on many pages) is dropped, and a heading printed in the same
block as the text after it ('（四）财政拨款收支预算情况的总体说明（详见表4）2026年…') is split off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from worker.layout import BBox, TextBlock
from worker.tables.titles import is_page_furniture

MAX_SENTENCE = 2000  # characters; real sentences (a list of 14 projects) stay far below
MAX_HEADING = 40
_END = re.compile(r"[。！？]")
_CLAUSE_MARK = re.compile(r"[，,；;、\s]")
_MARKER = r"(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}、)"
_HEADING = re.compile(rf"^\s*({_MARKER})")
_LEVELS = [re.compile(p) for p in (r"第", r"[一二三四五六七八九十]+、", r"[（(]", r"\d")]
_CLAUSE = re.compile(r"[，,；;]|。(?=.)")
_SHORT_ITEM = 15
# A heading run into its text: marker, a title ending in 说明 / 情况 / 概况 (and a '(详见表4)').
_HEAD_PREFIX = re.compile(
    rf"^\s*{_MARKER}[^。；;：:，,！？]{{1,{MAX_HEADING}}}(?:说明|情况|概况)"
    r"(?:[（(][^（）()]{0,15}[）)])?"
)
# An enumerated item starts a sentence even when the line before has no 。 — unless that line
# announces or continues a list ('其中：', '…万元；').
_GOES_ON = ("：", ":", "；", ";", "，", ",", "、")
_ITEM = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、](?!\d)|[一二三四五六七八九十]+、|[①-⑳])")
_INNER_MARKER = re.compile(r"(?<=.)[（(][一二三四五六七八九十]+[）)]")
_AMOUNT = re.compile(r"\d\s*(?:万元|亿元|元|%)")
_REPEATED_ON = 3  # a short line printed on this many pages is a running header or footer
_SHORT = 40
_COLON = re.compile(r"[：:]")


@dataclass(slots=True)
class Piece:
    text: str
    page: int | None  # 1-based
    bbox: BBox | None
    heading: bool = False


def is_heading(text: str) -> bool:
    """A short enumerated line with no figure and no clause in it (an item ending in 。 only
    when it is a few words: '（二）项目支出。')."""
    return (
        len(text) <= MAX_HEADING
        and bool(_HEADING.match(text))
        and not _AMOUNT.search(text)
        and not _CLAUSE.search(text)
        and (not text.endswith("。") or len(text) <= _SHORT_ITEM)
    )


def heading_level(text: str) -> int:
    """0 第一部分, 1 一、, 2 （一）, 3 1、 — a heading holds until one of its level or higher."""
    m = _HEADING.match(text)
    marker = m.group(1) if m else ""
    return next((n for n, p in enumerate(_LEVELS) if p.match(marker)), len(_LEVELS))


def pieces(blocks: Iterable[TextBlock]) -> Iterator[Piece]:
    """Headings and sentences of the text blocks, in order; every character is looked at a
    bounded number of times."""
    blocks = list(blocks)
    furniture = _running_lines(blocks)
    buf: list[str] = []
    size = 0
    start: Piece | None = None  # where the buffered sentence began
    for block in blocks:
        text = _flat(block.text)
        if not text or is_page_furniture(text) or text in furniture:
            continue
        page = block.page + 1 if block.page is not None else None
        for head, body in _headings(text):
            if head:
                if buf:
                    yield _sentence(buf, start)
                    buf, size = [], 0
                yield Piece(head, page, block.bbox, heading=True)
                continue
            if buf and _ITEM.match(body) and not buf[-1].endswith(_GOES_ON):
                yield _sentence(buf, start)  # '（一）本年财政拨款收入5,131.71万元' ends its line
                buf, size = [], 0
            pos = 0
            for m in _END.finditer(body):
                if not buf:
                    start = Piece("", page, block.bbox)
                buf.append(body[pos : m.end()])
                yield _sentence(buf, start)
                buf, size, pos = [], 0, m.end()
            tail = body[pos:]
            if tail:
                if not buf:
                    start = Piece("", page, block.bbox)
                buf.append(tail)
                size += len(tail)
            if size > MAX_SENTENCE:  # no sentence end in sight: cut, keep the rest
                joined, pos = "".join(buf), 0
                while len(joined) - pos > MAX_SENTENCE:
                    cut = _cut(joined, pos)
                    yield _sentence([joined[pos:cut]], start)
                    pos = cut
                buf, size = [joined[pos:]], len(joined) - pos
    if buf:
        yield _sentence(buf, start)


def _sentence(buf: list[str], start: Piece | None) -> Piece:
    page, bbox = (start.page, start.bbox) if start else (None, None)
    return Piece("".join(buf), page, bbox)


def _cut(text: str, pos: int) -> int:
    """Where the MAX_SENTENCE characters from `pos` end: after their last clause mark past the
    half (so each cut moves on by at least half of it), else at the limit."""
    end = pos + MAX_SENTENCE
    marks = [m.end() for m in _CLAUSE_MARK.finditer(text, pos + MAX_SENTENCE // 2, end)]
    return marks[-1] if marks else end


def _headings(text: str) -> Iterator[tuple[str, str]]:
    """(heading, '') for each heading the block starts with, then ('', the rest)."""
    while text:
        if is_heading(text):
            head, rest = _split_colon(text)
            yield head, ""
            if not rest:
                return
            text = rest.strip()  # '（一）机关运行经费：2025年…机关运行经费' runs on below
            continue
        m = _HEAD_PREFIX.match(text)
        if m is None or _AMOUNT.search(m.group()):
            break
        head = m.group()
        inner = _INNER_MARKER.search(head)
        if inner is not None:  # '二、…情况说明（一）收支预算情况…': two headings
            head = head[: inner.start()]
        yield head.strip(), ""
        text = text[len(head) :].strip()
    if text:
        yield "", text


def _split_colon(heading: str) -> tuple[str, str]:
    """A heading line that runs into its text after a colon ('（二）“三公”经费预算：2025年长沙市
    公安局“三公”' continued on the next line): the heading, and the text that begins there."""
    m = _COLON.search(heading)
    if m is None or not heading[m.end() :].strip():
        return heading, ""
    return heading[: m.end()], heading[m.end() :]


def _running_lines(blocks: list[TextBlock]) -> set[str]:
    """Short lines printed on many pages (a running header such as '苏州市审计局2026年部门预算')."""
    pages: dict[str, set[int]] = {}
    for b in blocks:
        text = _flat(b.text)
        if len(text) <= _SHORT and b.page is not None and not _END.search(text):
            pages.setdefault(text, set()).add(b.page)
    return {t for t, p in pages.items() if len(p) >= _REPEATED_ON and not is_heading(t)}


def _flat(text: str) -> str:
    return text.replace("\n", "").strip()
