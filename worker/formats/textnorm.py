"""Repairs for text taken from broken text layers; shared by every format reader.

PDF fonts often map glyphs to the wrong code points: Kangxi radicals (⾦ U+2FA6 for 金), CJK
radicals supplement (⻔ U+2ED4 for 门), compatibility ideographs, full-width digits; and
producers cut numbers with stray spaces (`1 234.56`, `12 .5`). `normalize_text` fixes what is
safe anywhere; `clean_cell` also collapses a cell that is a number cut by spaces.
`join_lines` glues the wrapped lines of one logical string (no separator for CJK or numbers).

Chinese punctuation (，：（）) is kept as printed: it is ordinary text, not a broken mapping.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

_RADICALS_FILE = Path(__file__).with_name("cjk_radicals.yaml")

# Ranges whose NFKC form is the character a reader expects (Kangxi radicals, compatibility
# ideographs, full-width ASCII letters and digits, Latin ligatures).
_NFKC_RANGES = (
    (0x2F00, 0x2FDF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
    (0xFF10, 0xFF19),
    (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A),
    (0xFB00, 0xFB06),
)
_SPACES = {0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x3000: " ", 0x200B: ""}
_MINUS = {0x2212: "-", 0x2013: "-"}

# Full-width number punctuation becomes ASCII only next to a digit (elsewhere it is prose).
_NUM_PUNCT = str.maketrans("．，％－＋", ".,%-+")
_NUM_PUNCT_RE = re.compile(r"(?<=\d)[．，％]|[．，](?=\d)|[－＋](?=\d)")
# Stray spaces inside a number: around a decimal point or a thousands comma.
_NUM_SPACE_RE = re.compile(r"(?<=\d) +(?=[.,]\d)|(?<=\d[.,]) +(?=\d)")
_FULL_WIDTH_RE = re.compile("[\uff00-\uffef]")
_NUMBER_RE = re.compile(r"[-+]?(\d[\d,]*)?\.?\d+%?")


@cache
def _table() -> dict[int, str]:
    table: dict[int, str] = {**_SPACES, **_MINUS}
    for lo, hi in _NFKC_RANGES:
        for cp in range(lo, hi + 1):
            norm = unicodedata.normalize("NFKC", chr(cp))
            if norm != chr(cp):
                table[cp] = norm
    data = yaml.safe_load(_RADICALS_FILE.read_text(encoding="utf-8"))
    for radical, ideograph in data["radicals_supplement"].items():
        table[ord(radical)] = ideograph
    return table


def normalize_text(text: str) -> str:
    """Map radical/compatibility/full-width code points to ordinary ones; mend split decimals."""
    text = text.translate(_table())
    if _FULL_WIDTH_RE.search(text):
        text = _NUM_PUNCT_RE.sub(lambda m: m.group().translate(_NUM_PUNCT), text)
    return _NUM_SPACE_RE.sub("", text)


def clean_cell(text: str) -> str:
    """`normalize_text`, trimmed; a cell that is one number cut by spaces is glued together."""
    text = normalize_text(text).strip()
    if " " in text:
        joined = text.replace(" ", "")
        if _NUMBER_RE.fullmatch(joined):
            return joined
    return text


def is_cjk(ch: str) -> bool:
    """CJK ideographs, radicals, kana, hangul and their punctuation (all ≥ U+2E80)."""
    return ch >= "\u2e80"


def _glue(left: str, right: str) -> str:
    a, b = left[-1], right[0]
    if is_cjk(a) or is_cjk(b) or ((a.isdigit() or a in ".,-") and (b.isdigit() or b in ".,%")):
        return ""
    return " "


def join_lines(lines: Iterable[str]) -> str:
    """Join wrapped lines of one logical string: no separator around CJK or inside numbers."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        out = out + _glue(out, line) + line if out else line
    return out
