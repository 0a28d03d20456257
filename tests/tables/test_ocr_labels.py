"""OCR'd labels put right (worker/tables/labels.py) and what it buys in table extraction: rows of
a scanned table keep their codes when one character of a label or its ordinal is misread."""

from __future__ import annotations

import random

import pymupdf
import pytest

from schemas.reference import function_codes, row_vocabulary
from tests.support.samples import SAMPLES
from worker.formats.pdf import read_pdf
from worker.layout import Layout
from worker.tables import extract_tables
from worker.tables.labels import cn_text, cn_value, nearest, renumber, split_ordinal
from worker.tables.numbers import norm_label

SAMPLE = SAMPLES / "001_f525e4192ca00c01.pdf"


def test_chinese_ordinals_round_trip() -> None:
    assert [cn_value(cn_text(n)) for n in range(1, 100)] == list(range(1, 100))
    assert [cn_text(n) for n in (1, 10, 11, 18, 20, 21)] == [
        "一",
        "十",
        "十一",
        "十八",
        "二十",
        "二十一",
    ]
    assert cn_value("十十") is None and cn_value("") is None


@pytest.mark.parametrize("n", [3, 5, 12, 25])
def test_renumber_fixes_any_single_misread_ordinal(n: int) -> None:
    good = [f"{cn_text(i)}、项目{i}" for i in range(1, n + 1)]
    rng = random.Random(n)
    for k in range(1, n - 1):  # every position with a neighbour on each side to agree with
        bad = list(good)
        wrong = rng.choice([i for i in range(1, 40) if i != k + 1])
        bad[k] = f"{cn_text(wrong)}、项目{k + 1}"
        assert renumber(bad) == good, (k, bad[k])


def test_renumber_leaves_runs_alone_when_neighbours_disagree() -> None:
    for labels in (["一、甲", "三、乙", "五、丙"], ["三、甲", "二、乙", "三、丙"]):
        assert renumber(labels) == labels  # a gap, two misreads or an end: not ours to guess
    words = ["一般公共服务支出", "其他支出"]  # 一 here is a word, not an ordinal
    assert renumber(words) == words


def test_nearest_takes_one_edit_to_a_unique_entry() -> None:
    lexicon = {
        "卫生健康支出": "卫生健康支出",
        "节能环保支出": "节能环保支出",
        "外交支出": "外交支出",
    }
    assert nearest("工卫生健康支出", lexicon) == "卫生健康支出"  # an extra character
    assert nearest("卫生建康支出", lexicon) == "卫生健康支出"  # a misread one
    assert nearest("外支出", lexicon) is None  # shorter than four characters: too risky
    assert nearest("国防支出", lexicon) is None  # two edits from 外交支出
    assert nearest("节能环保支出", lexicon) == "节能环保支出"


def _ocr_like(layout: Layout) -> Layout:
    for table in layout.tables():
        for row in table.rows:
            for cell in row:
                if cell.text.strip():
                    cell.confidence = 0.95
    return layout


def _labelled(layout: Layout) -> dict[tuple[str, int], list[tuple[str | None, str | None]]]:
    return {
        (t.key, i): [(r.code, r.row_code) for r in t.rows]
        for i, t in enumerate(extract_tables(layout)[0])
    }


def _vocabulary() -> set[str]:
    vocab = row_vocabulary()
    sections = [vocab.income_side, vocab.expenditure_side, vocab.any, *vocab.by_table.values()]
    names = [a for sec in sections for aliases in sec.values() for a in aliases]
    names += [n for ns in function_codes().class_names().values() for n in ns]
    return {norm_label(n) for n in names if len(norm_label(n)) >= 4}


def test_misread_labels_keep_their_codes_on_ocr_pages_only() -> None:
    """Misread one character of every vocabulary label (and every third ordinal) in a real
    sample's tables, as OCR does: on 'OCR'd' cells every code and row_code survives; on a text
    layer the label stays as printed, so the codes are lost."""
    truth = _labelled(read_pdf(pymupdf.open(SAMPLE)))
    known = _vocabulary()
    rng = random.Random(7)
    corrupted = read_pdf(pymupdf.open(SAMPLE))
    n = 0
    for cell in (c for t in corrupted.tables() for r in t.rows for c in r):
        head, core = split_ordinal(cell.text.strip())
        if norm_label(core) not in known:
            continue
        pos = rng.randrange(1, len(core))
        core = core[:pos] + rng.choice("工二十一") + core[pos:]
        if head and n % 3 == 0:
            head = "三" + head[-1] if not head.startswith("三") else "五" + head[-1]
        cell.text = head + core
        n += 1
    assert n >= 20
    assert _labelled(corrupted) != truth  # the misreads matter on a text layer ...
    assert _labelled(_ocr_like(corrupted)) == truth  # ... and are undone on OCR'd cells


def test_an_ordinal_that_lost_its_comma_is_found_only_before_a_known_label() -> None:
    known = {"外交支出", "自然资源海洋气象等支出"}
    assert split_ordinal("二外交支出", known) == ("二、", "外交支出")
    assert split_ordinal("十八自然资源海洋气象等支出", known) == ("十八、", "自然资源海洋气象等支出")
    assert split_ordinal("二、外交支出") == ("二、", "外交支出")
    both = {"一般公共服务支出", "般公共服务支出"}
    assert split_ordinal("一般公共服务支出", both) == ("", "一般公共服务支出")
