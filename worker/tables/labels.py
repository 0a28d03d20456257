"""OCR'd table labels put right from what such tables can print.

A recognizer that reads a number well still misreads a stroke in a label now and then: "二、"
as "三、", "十八、" as "八、", "卫生健康支出" as "工卫生健康支出", "上解上级支出" as
"上解上级及支出". A label that no longer matches the vocabulary loses its row code or its
column key, and with them whole rows of correct numbers. Two repairs, for OCR'd text only
(a text layer prints what it prints):
- `renumber`: the items of a list are numbered 一、二、三…; an ordinal that breaks the run
  between neighbours that agree is set to what they imply;
- `nearest`: a label within a small edit distance of vocabulary entries that all mean one
  thing is that entry.
"""

from __future__ import annotations

import re
from collections.abc import Container, Hashable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from worker.tables.numbers import norm_label

_DIGITS = "一二三四五六七八九"
_ORDINAL = re.compile(r"^\s*([一二三四五六七八九十]{1,3})\s*([、，,．.])")


def cn_value(text: str) -> int | None:
    """一 → 1, 十 → 10, 十八 → 18, 二十 → 20, 二十一 → 21 (1–99); None otherwise."""
    if not text or any(ch not in _DIGITS + "十" for ch in text):
        return None
    if text == "十":
        return 10
    tens, sep, ones = text.partition("十")
    if not sep:
        return _DIGITS.index(text) + 1 if len(text) == 1 and text in _DIGITS else None
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    t = _DIGITS.index(tens) + 1 if tens else 1
    o = _DIGITS.index(ones) + 1 if ones else 0
    return 10 * t + o


def cn_text(n: int) -> str:
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[ones - 1] if ones else "")


def renumber(labels: list[str]) -> list[str]:
    """`labels` with each Chinese ordinal that breaks the run between agreeing neighbours fixed."""
    found = [(i, m, cn_value(m.group(1))) for i, s in enumerate(labels) if (m := _ORDINAL.match(s))]
    nums = [n for _, _, n in found]
    out = list(labels)
    for k, (i, m, n) in enumerate(found):
        prev = nums[k - 1] if k > 0 else None
        nxt = nums[k + 1] if k + 1 < len(nums) else None
        want = None
        if prev is not None and nxt is not None and nxt == prev + 2:
            want = prev + 1  # 一 [三] 三 → 二
        if want is not None and n != want:
            out[i] = labels[i][: m.start(1)] + cn_text(want) + labels[i][m.end(1) :]
            nums[k] = want
    return out


def split_ordinal(label: str, known: Container[str] = ()) -> tuple[str, str]:
    """("二、", "外交支出") from "二、外交支出"; ("", label) when it has no ordinal.

    An ordinal whose 、 was lost ("二外交支出") is recognised when the rest is a `known`
    (normalized) label exactly, and comes back with its 、: ("二、", "外交支出").
    """
    m = _ORDINAL.match(label)
    if m:
        return label[: m.end()], label[m.end() :]
    if norm_label(label) in known:
        return "", label  # 一般公共服务支出: the 一 belongs to the label
    for j in (1, 2, 3):
        if cn_value(label[:j]) is not None and norm_label(label[j:]) in known:
            return label[:j] + "、", label[j:]
    return "", label


def nearest(key: str, lexicon: Mapping[str, Hashable]) -> str | None:
    """The lexicon key within a small edit distance of `key` (normalized text of ≥ 4
    characters: 1 edit; ≥ 12: 2), None when there is none or the closest keys mean different
    things (different values)."""
    if key in lexicon:
        return key
    if len(key) < 4:
        return None
    limit = 2 if len(key) >= 12 else 1
    hits = process.extract(
        key, lexicon.keys(), scorer=Levenshtein.distance, score_cutoff=limit, limit=None
    )
    if not hits:
        return None
    best = min(d for _, d, _ in hits)
    closest = [k for k, d, _ in hits if d == best]
    return closest[0] if len({lexicon[k] for k in closest}) == 1 else None
