"""The text around a table: its title (which catalogue table it is), its unit, captions, notes.

Titles are matched by meaning with the keyword rules of `schemas/reference/tables.yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from schemas import Unit
from schemas.reference import TableRule, table_catalogue, unit_patterns
from worker.tables.numbers import norm_label, parse

_YEAR = re.compile(r"\d{4}年度?|(?<!\d)\d{4}(?!\d)|[（(]\d{4}[)）]")
_TABLE_NO = re.compile(
    r"(?:公开|预算|部门)\d+表|公开表\d+|附表\d*|^表[\d一二三四五六七八九十]+[:：]?"
    r"|^[\d一二三四五六七八九十]+[、.．]"
)
_SPACES = re.compile(r"\s+")
_QUALIFIER = re.compile(r"[（(][^（()）]*[)）]$")  # 一般公共预算支出情况表（按功能分类科目）
_PAGE_NO = re.compile(r"^(?:[-—–]?\d+[-—–]?|第\d+页(?:共\d+页)?|\d+/\d+|page\d+(?:of\d+)?)$", re.I)
MAX_TITLE_LOOKBACK = 8
MAX_NARRATIVE_CHARS = 120
MAX_TITLE_TAIL = 6  # the last characters of a title wrapped onto a line of their own


def title_key(text: str) -> str:
    """A title reduced to its meaning: no years, table numbers, numbering or punctuation."""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    s = _TABLE_NO.sub("", _YEAR.sub("", s))
    return norm_label(s)


@cache
def classify_title(text: str) -> TableRule | None:
    """The catalogue rule a printed title matches, or None if it is not a table title."""
    cat = table_catalogue()
    key = title_key(text)
    if not key or len(key) > cat.title_max_chars:
        return None
    for rule in cat.rules:
        if _matches(rule, key):
            if rule.standard and not _title_like(key, text):
                return None
            return rule
    return None


def _matches(rule: TableRule, key: str) -> bool:
    if rule.exact:
        return key in {title_key(e) for e in rule.exact}
    if not rule.all:
        return False
    if any(word in key for word in rule.none):
        return False
    return all(any(word in key for word in group) for group in rule.all)


def _title_like(key: str, text: str) -> bool:
    cat = table_catalogue()
    if not all(word in key for word in cat.title_must_contain):
        return False
    if any(word in key for word in cat.not_a_title):
        return False
    names_table = _QUALIFIER.sub("", _SPACES.sub("", text)).endswith("表")
    return names_table or not any(word in key for word in cat.not_a_title_unless_table)


def is_page_furniture(text: str) -> bool:
    """Page numbers and similar lines between the parts of a table continued over pages."""
    return bool(_PAGE_NO.match(_SPACES.sub("", text)))


def is_caption(text: str) -> bool:
    """单位 / 编制部门 / 年度 / 公开NN表 lines: about the table, not part of it."""
    s = _SPACES.sub("", text)
    if not s:
        return True
    if any(m in s for m in table_catalogue().caption_markers):
        return True
    return bool(re.fullmatch(r"[（(]?\d{4}年度?[)）]?|公开\d+表|[（(]?公开\d+表[)）]?", s))


def find_title(texts: list[str]) -> tuple[int, TableRule] | None:
    """Index and rule of the nearest title among the texts before a table (last first)."""
    for i in range(len(texts) - 1, max(-1, len(texts) - 1 - MAX_TITLE_LOOKBACK), -1):
        text = texts[i]
        if len(text) > MAX_NARRATIVE_CHARS:
            return None  # a narrative paragraph: whatever came before is not this table's title
        if is_caption(text) and not classify_title(text):
            continue
        rule = classify_title(text)
        if rule is None and i + 1 < len(texts) and len(texts[i + 1]) <= MAX_TITLE_TAIL:
            rule = classify_title(text + texts[i + 1])  # '…培训费支出预算' + '表': wrapped
        if rule is not None:
            return i, rule
    return None


@cache
def _unit_regexes() -> list[tuple[re.Pattern[str], Unit]]:
    return [(re.compile(p.regex), Unit(p.unit)) for p in unit_patterns().patterns]


def find_unit(texts: list[str]) -> Unit | None:
    """The unit a table states in its captions or header ("单位：万元", "金额（元）")."""
    for text in reversed(texts):
        s = _SPACES.sub("", text)
        if "元" not in s:
            continue
        for regex, unit in _unit_regexes():
            if regex.search(s):
                return unit
    return None


def says_empty(texts: list[str]) -> bool:
    markers = table_catalogue().empty_markers
    return any(m in _SPACES.sub("", t) for t in texts for m in markers)


def is_title_row(texts: list[str]) -> bool:
    """A table's first row holding only its title (or a year line) in one merged cell."""
    filled = {t for t in texts if t}
    if len(filled) != 1:
        return False
    (text,) = filled
    if parse(text).numeric:
        return False
    return classify_title(text) is not None or is_caption(text)
