"""Templates that judge the extraction, not the document (kind=extraction findings)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from schemas import Finding, Location, Row, Unit, Value
from worker.rules import Rule, template
from worker.rules.index import YUAN, Index, finding, row_name
from worker.rules.missing import normalize, page_text

_ZERO = {"", "-", "—", "--", "－", "——", "/"}
_DIGITS = re.compile(r"\D+")
_NUMBER = re.compile(r"\d[\d.]*")


@lru_cache(maxsize=16384)
def parse_number(raw: str) -> Decimal | None:
    """The number a cell prints; blanks and dashes are zero; None when it is not a number."""
    text = normalize(raw).replace("%", "")
    if text in _ZERO:
        return Decimal(0)
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@template("raw_in_text")
def raw_in_text(ix: Index, rule: Rule) -> Iterator[Finding]:
    """A printed figure must occur in the page text (digits compared, separators ignored)."""
    if not ix.doc.page_texts:
        return
    cache: dict[tuple[int, ...], tuple[str, set[str], set[str]]] = {}
    for ti in ix.tables.values():
        for row in ti.table.rows:
            for col, v in row.values.items():
                raw = normalize(v.raw)
                if raw in _ZERO or (v.value is not None and v.value == 0):
                    continue
                pages = (v.page,) if v.page else tuple(ti.table.pages)
                if pages not in cache:
                    cache[pages] = _page_numbers(page_text(ix, list(pages)))
                text, printed, digits = cache[pages]
                if raw in printed or _DIGITS.sub("", raw) in digits or raw in text:
                    continue
                loc = _cell_location(ti.key, row, col, v)
                yield finding(
                    rule,
                    f"{ti.name} {row_name(row)} {ti.col_name(col)} 的数值 “{v.raw}” 不在页面文本中",
                    None,
                    v.value,
                    None,
                    [loc],
                )


def _page_numbers(page: str) -> tuple[str, set[str], set[str]]:
    """The page text as numbers are compared; the substrings of it that a value most often is
    (each whitespace-separated piece, and the numbers in it: a set lookup instead of a search
    of the text — a TXT or DOCX is one page, and a search per value was quadratic in its
    length); the digits of each number in it ('4914.', a layer out of order, is 49.14)."""
    text = normalize(page)
    printed = set()
    for piece in page.split():
        piece = normalize(piece)
        printed.add(piece)
        printed.update(_NUMBER.findall(piece))
    return text, printed, {_DIGITS.sub("", t) for t in _NUMBER.findall(text)}


@template("text_in_value")
def text_in_value(ix: Index, rule: Rule) -> Iterator[Finding]:
    """A value column holding words ('工资奖金津补贴') means its columns were misassigned."""
    for ti in ix.tables.values():
        texts = [(row, col, v) for row in ti.table.rows for col, v in row.values.items()
                 if parse_number(v.raw) is None]
        locs = [
            Location(
                table_key=ti.key,
                row_code=row.code or row.row_code,
                column_key=col,
                page=v.page,
                bbox=v.bbox,
                confidence=v.confidence,
            )
            for row, col, v in texts
        ]
        if locs:
            cells = "、".join(f"{row_name(row)}/{ti.col_name(col)} “{v.raw}”"
                              for row, col, v in texts[:5])
            yield finding(
                rule,
                f"{ti.name} 有 {len(locs)} 个数值单元格是文字（{cells}…）",
                None,
                None,
                None,
                locs,
            )


@template("raw_value")
def raw_value(ix: Index, rule: Rule) -> Iterator[Finding]:
    """The parsed value and its 万元 normalization must follow from the printed text."""
    for ti in ix.tables.values():
        scale = YUAN if ti.table.unit == Unit.yuan else Decimal(1)
        for row in ti.table.rows:
            for col, v in row.values.items():
                parsed = parse_number(v.raw)
                value = v.value if v.value is not None else Decimal(0)
                wan = v.wan if v.wan is not None else Decimal(0)
                if parsed is None or (parsed == value and value * scale == wan):
                    continue
                loc = _cell_location(ti.key, row, col, v)
                detail = (f"{ti.name} {row_name(row)} {ti.col_name(col)}: “{v.raw}” → {value} / "
                          f"{wan} 万元")
                yield finding(rule, detail, parsed * scale, wan, Decimal(0), [loc])


def _cell_location(table_key: str, row: Row, column: str, value: Value) -> Location:
    return Location(
        table_key=table_key,
        row_code=row.code or row.row_code,
        column_key=column,
        page=value.page,
        bbox=value.bbox,
        confidence=value.confidence,
    )
