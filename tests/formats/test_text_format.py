"""worker/formats/text.py on the five seeds, on both table encodings built from scratch, and on
garbage."""

from __future__ import annotations

import random
import re

import pytest

from tests.support.samples import SAMPLES
from worker.formats.text import guess_header_rows, infer_header_merges, read_text
from worker.layout import Layout, TableBlock, TextBlock


def seed(prefix: str) -> str:
    return next(SAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def tables(layout: Layout) -> list[TableBlock]:
    return layout.tables()


def row(table: TableBlock, r: int) -> list[str]:
    return [c.text for c in table.rows[r]]


def all_text(layout: Layout) -> str:
    parts = []
    for b in layout.blocks:
        if isinstance(b, TextBlock):
            parts.append(b.text)
        else:
            parts.extend(c.text for r in b.rows for c in r)
    return "".join(parts)


@pytest.mark.parametrize(
    ("prefix", "n_tables", "first_shape"),
    [("000", 17, (35, 4)), ("001", 26, (37, 5)), ("002", 18, (37, 5)),
     ("003", 29, (26, 6)), ("004", 4, (4, 4))],
)  # fmt: skip
def test_seed_tables(prefix: str, n_tables: int, first_shape: tuple[int, int]) -> None:
    layout = read_text(seed(prefix))
    found = tables(layout)
    assert len(found) == n_tables
    assert (len(found[0].rows), found[0].n_cols) == first_shape
    for table in found:
        assert all(len(r) == table.n_cols for r in table.rows), "not rectangular"
        assert all(c.origin is None and c.page is None for r in table.rows for c in r)
    assert layout.pages[0].text == seed(prefix)
    assert all(b.page is None for b in layout.blocks)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_no_text_is_lost_or_invented(prefix: str) -> None:
    """Every visible character of the seed, minus converter artefacts, comes out exactly once."""
    text = seed(prefix)
    text = re.sub(r"\[bookmark:[^\]]*\]", "", text)
    text = re.sub(r"\s*TC\s+[^\\\n]*?\s*(\\[a-z]\s+\w+\s*)+", "", text)
    text = re.sub(r"(?m)^page number$", "", text)
    expected = re.sub(r"\s", "", text)
    assert re.sub(r"\s", "", all_text(read_text(seed(prefix)))) == expected


def test_tsv_cells_and_two_sided_summary() -> None:
    summary, income = tables(read_text(seed("000")))[:2]
    assert row(summary, 0) == ["收入", "", "支出", ""]
    assert row(summary, 2) == ["一、一般公共预算", "691.05", "一、一般公共服务", "643.24"]
    assert row(summary, 34) == ["收入总计", "691.05", "支出总计", "691.05"]
    assert row(income, 4)[:4] == [
        "227",
        "中共安阳市委网络安全和信息化委员会办公室",
        "691.05",
        "691.05",
    ]


def test_cell_per_line_short_rows_are_spread_under_their_children() -> None:
    layout = read_text(seed("001"))
    summary, income = tables(layout)[:2]
    assert row(summary, 0) == ["序号", "收入", "", "支出", ""]
    assert row(summary, 3)[:3] == ["1", "一、一般公共预算拨款收入", "423.06"]
    head = row(income, 0)
    assert (head[0], head[1], head[3], head[4], head[12]) == (
        "序号",
        "功能分类科目",
        "合计",
        "本年收入",
        "上年结转",
    )
    assert not any(head[5:12])
    fiscal = tables(layout)[3]  # 收入 over 项目|金额, 支出 over the five columns after them
    assert row(fiscal, 0) == ["序号", "收入", "", "支出", "", "", "", ""]
    basic = tables(layout)[5]
    assert row(basic, 0) == ["序号", "支出部门经济分类科目", "", "一般公共预算基本支出", "", ""]


def test_captions_titles_and_artefacts_become_clean_paragraphs() -> None:
    texts = [b.text for b in read_text(seed("001")).blocks if isinstance(b, TextBlock)]
    assert texts[0] == "部门预算收支总表"
    assert texts[1] == "224中共石家庄市鹿泉区委网络安全和信息化委员会  预算年度：2024  单位：万元"
    assert not any("bookmark" in t or t == "page number" for t in texts)
    texts4 = [b.text for b in read_text(seed("004")).blocks if isinstance(b, TextBlock)]
    assert "（一）总体绩效目标" in texts4 and "1、网信办工作经费绩效目标表" in texts4
    assert not any("\\f" in t or "\\l" in t for t in texts4)


def test_table_end_without_blank_lines_keeps_the_next_title() -> None:
    layout = read_text(seed("002"))
    titles = [b.text for b in layout.blocks if isinstance(b, TextBlock)]
    assert "部门预算收入总表" in titles
    assert len(tables(layout)[0].rows) == 37


def test_second_paragraph_of_a_cell_stays_in_the_cell() -> None:
    form = tables(read_text(seed("004")))[1]
    assert form.rows[-1][0].text == "绩效目标"
    assert "1、网络舆情处置率\n2、网信队伍建设" in [c.text for c in form.rows[-1]]


def test_trailing_empty_columns_are_dropped() -> None:
    first = tables(read_text(seed("003")))[0]
    assert first.n_cols == 6 and row(first, 0) == ["收入", "", "", "支出", "", ""]


# --- both encodings built from scratch -------------------------------------------------------

GRID = [
    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
    ["201", "一般公共服务支出", "100.00", "60.00", "40.00"],
    ["20137", "网信事务", "100.00", "60.00", ""],
    ["2013701", "行政运行", "60.00", "60.00", "0"],
]


def as_tsv(grid: list[list[str]]) -> str:
    return "\n".join("\t".join(r) for r in grid)


def as_cells(grid: list[list[str]]) -> str:
    return "\n\n".join("\n".join("\t" + c for c in r) for r in grid) + "\n\n"


@pytest.mark.parametrize("encode", [as_tsv, as_cells])
def test_unseen_document_in_either_encoding(encode) -> None:  # type: ignore[no-untyped-def]
    text = (
        f"某某单位2030年部门预算表\n\n单位：万元\n\n{encode(GRID)}\n\n注：本表为空的项目无数据。\n"
    )
    layout = read_text(text)
    assert [b.text for b in layout.blocks if isinstance(b, TextBlock)] == [
        "某某单位2030年部门预算表", "单位：万元", "注：本表为空的项目无数据。"
    ]  # fmt: skip
    (table,) = tables(layout)
    assert [[c.text for c in r] for r in table.rows] == GRID
    assert guess_header_rows(table) == 1


def test_one_document_mixing_both_encodings() -> None:
    cells = as_cells(GRID)
    text = f"表一\n{as_tsv(GRID)}\n\n表二\n{cells}\n表三\n{cells}\n表四\n{as_tsv(GRID)}\n"
    layout = read_text(text)
    assert [b.text for b in layout.blocks if isinstance(b, TextBlock)] == [
        "表一",
        "表二",
        "表三",
        "表四",
    ]
    assert [[[c.text for c in r] for r in t.rows] for t in tables(layout)] == [GRID] * 4


@pytest.mark.parametrize("tail", ["", "\n第二段\t\t"])
def test_trailing_tabs_in_paragraphs_are_not_a_table(tail: str) -> None:
    layout = read_text(f"绩效指标：开展活动不少于5次\t\t\t{tail}\n下一段")
    assert all(isinstance(b, TextBlock) for b in layout.blocks)
    assert layout.blocks[0].text == "绩效指标：开展活动不少于5次"  # type: ignore[union-attr]


# --- header merges ---------------------------------------------------------------------------


def test_header_merges_on_a_three_row_header() -> None:
    expenditure = infer_header_merges(tables(read_text(seed("000")))[2])
    origin = {
        (r, c): cell.origin for r, rw in enumerate(expenditure.rows) for c, cell in enumerate(rw)
    }
    assert origin[(0, 1)] == origin[(0, 2)] == (0, 0)  # 科目编码 over 类 款 项
    assert origin[(1, 3)] == origin[(2, 3)] == (0, 3)  # 单位代码 runs down
    assert origin[(1, 8)] == (1, 7)  # 人员经费 over two columns
    assert origin[(0, 7)] == (0, 6)  # 基本支出
    assert all(o is None for (r, _), o in origin.items() if r >= 3)  # the body is never merged


def test_header_merges_on_spread_rows() -> None:
    income = infer_header_merges(tables(read_text(seed("001")))[1])
    assert [c.origin for c in income.rows[0][5:12]] == [(0, 4)] * 7  # 本年收入
    assert income.rows[1][0].origin == (0, 0)  # 序号 runs down
    assert income.rows[2][1].origin is None  # 栏次 row is not header


def test_header_rows_guess() -> None:
    found = tables(read_text(seed("000")))
    assert [guess_header_rows(t) for t in found[:3]] == [2, 3, 3]
    assert guess_header_rows(found[4]) == 0  # continuation table that starts blank


# --- garbage ---------------------------------------------------------------------------------

ALPHABET = "\t\t\t\n\n \u3000ab1.中表单位：[]\\TC\x00\r\f-—0123456789"


@pytest.mark.parametrize("case", range(300))
def test_garbage_never_raises(case: int) -> None:
    rng = random.Random(case)
    if case % 3 == 0:
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 400)))
    elif case % 3 == 1:
        text = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400))).decode(
            "utf-8", "replace"
        )
    else:  # a real seed, shuffled and cut
        lines = seed(f"00{case % 5}").split("\n")
        start = rng.randrange(len(lines))
        part = lines[start : start + rng.randint(1, 80)]
        rng.shuffle(part)
        text = "\n".join(part)
    layout = read_text(text)
    for table in layout.tables():
        assert table.rows and all(len(r) == table.n_cols for r in table.rows)
        infer_header_merges(table)


@pytest.mark.parametrize(
    "text", ["", "\n\n\n", "\t", "\t\t\t\n\t\n\n\t", "\t" * 5000, "x\t" * 3000]
)
def test_degenerate_inputs(text: str) -> None:
    layout = read_text(text)
    assert layout.pages[0].text == text
