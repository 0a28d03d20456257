"""worker.formats.pdf on tables without full ruling, and on an L-shaped ruled header: the
layouts that used to merge neighbouring cells or lose rows (tests/support/unruled.py)."""

from __future__ import annotations

import pymupdf
import pytest

from tests.support import pdf_builders as mk
from tests.support import unruled as un
from worker.formats.pdf import PdfStats, read_pdf
from worker.layout import Cell, Layout, PageInfo, TableBlock, TextBlock
from worker.tables import extract_tables

UNRULED = ["hlines", "three_line", "none"]


def grid(table: TableBlock) -> list[list[str]]:
    """Texts, a covered position shown as ^r,c (its merged cell's origin)."""
    return [
        [c.text if c.origin is None else f"^{c.origin[0]},{c.origin[1]}" for c in row]
        for row in table.rows
    ]


def tables(doc: pymupdf.Document) -> list[list[list[str]]]:
    return [grid(t) for t in read_pdf(doc).tables()]


@pytest.mark.parametrize("style", UNRULED)
def test_figure_columns_a_few_points_apart_stay_apart(style):
    rows = [["项目", "合计", "基本", "项目"], *un.CLOSE[1:]]
    assert tables(un.close_figures(style)) == [rows]


@pytest.mark.parametrize("style", UNRULED)
def test_a_title_between_two_tables_keeps_them_apart(style):
    layout = read_pdf(un.two_tables(style))
    assert [grid(t) for t in layout.tables()] == [un.CLOSE, un.CLOSE[:3]]
    kinds = [type(b).__name__ for b in layout.blocks]
    assert kinds == ["TextBlock", "TableBlock", "TextBlock", "TableBlock"]
    assert layout.blocks[2].text == "政府性基金预算支出表"


@pytest.mark.parametrize("style", UNRULED)
def test_caption_line_stays_text_and_a_blank_column_keeps_its_header(style):
    layout = read_pdf(un.caption_and_blank_column(style))
    assert [grid(t) for t in layout.tables()] == [
        [
            ["项目", "合计", "政府性基金", "项目支出"],
            ["一般公共服务支出", "1234.56", "", "234.56"],
            ["教育支出", "691.05", "", "190.30"],
        ]
    ]
    assert layout.blocks[0].text == "部门：测试局单位：万元"


@pytest.mark.parametrize("style", UNRULED)
def test_three_level_header_with_cells_centred_over_several_rows(style):
    """Group titles span the sub-headers they are centred over; cells spanning all header rows
    beside them stay out of the group; the grid is the one drawn."""
    got = tables(un.three_level_header(style))
    assert got == [
        [
            ["科目名称", "合计", "基本支出", "^0,2", "^0,2", "^0,2", "项目支出"],
            ["^0,0", "^0,1", "小计", "人员经费", "^1,3", "公用经费", "^0,6"],
            ["^0,0", "^0,1", "^1,2", "工资福利", "个人补助", "^1,5", "^0,6"],
            *un.THREE_LEVELS[3:],
        ]
    ]


@pytest.mark.parametrize("style", UNRULED)
def test_column_number_row_numbers_every_column_even_blank_ones(style):
    """栏次 numbers sit flush right, the first one far from the labels of its column."""
    assert tables(un.column_numbers(style)) == [un.COLNUMS]


@pytest.mark.parametrize("style", UNRULED)
def test_header_repeated_under_a_part_starts_a_second_table(style):
    rows = [un.CLOSE[0], ["卫生健康支出", "88.10", "80.00", "8.10"]]
    assert tables(un.repeated_header(style)) == [un.CLOSE, rows]


@pytest.mark.parametrize("style", UNRULED)
def test_continuation_page_of_blank_values_joins_on_the_first_part_columns(style):
    """On page 2 every value cell but the last row's is blank: lines of labels that look like
    text. They are rows of the table, each in its column."""
    stats = PdfStats()
    layout = read_pdf(un.blank_continuation(style), stats=stats)
    (table,) = layout.tables()
    assert grid(table) == [
        ["收入项目", "金额", "支出项目", "金额"],
        ["一、一般公共预算", "691.05", "一、一般公共服务", "643.24"],
        ["二、政府性基金", "", "二、外交", ""],
        ["", "", "三、国防", ""],
        ["", "", "四、公共安全", ""],
        ["", "", "五、教育", ""],
        ["本年收入合计", "691.05", "本年支出合计", "691.05"],
    ]
    assert [row[2].page for row in table.rows] == [0, 0, 0, 1, 1, 1, 1]
    assert stats.joined_tables == 1


@pytest.mark.parametrize("style", UNRULED)
def test_header_spread_by_spaces_is_one_header(style):
    rows = [["项目", "金额", "备注"], *[[*row[:2], "无"] for row in un.CLOSE[1:]]]
    assert tables(un.spaced_header(style)) == [rows]


def test_l_shaped_region_takes_the_text_centred_on_it():
    """基本支出 merged with its own column and the row over 人员经费 | 公用经费 (an L, no
    rectangle): its text, centred on the L's bounds, lands inside 人员经费's box. It belongs
    to the L's top rectangle, so 基本支出 heads its own column and the two beside."""
    stats = PdfStats()
    layout = read_pdf(un.l_shaped_header(), stats=stats)
    (table,) = layout.tables()
    assert grid(table) == [
        ["项目", "合计", "基本支出", "^0,2", "^0,2"],
        ["^0,0", "^0,1", "", "人员经费", "公用经费"],
        ["教育支出", "50.00", "50.00", "40.00", "10.00"],
        ["合计", "60.00", "55.00", "45.00", "10.00"],
    ]
    assert stats.unclear == 1


def _glued(rows: int) -> pymupdf.Document:
    """A dense ruled page (a wide table shrunk to a small type size) where every figure
    touches the text of the next cell: MuPDF reads each pair as one word, which the reader
    splits into characters at the border."""
    doc = pymupdf.open()
    page = mk.new_page(doc, landscape=True)
    x0, y0, w, h, n, size = 10.0, 10.0, 34.0, 6.0, 24, 4.0
    for r in range(rows + 1):
        page.draw_line((x0, y0 + r * h), (x0 + n * w, y0 + r * h), width=0.3)
    for c in range(n + 1):
        page.draw_line((x0 + c * w, y0), (x0 + c * w, y0 + rows * h), width=0.3)
    for r in range(rows):
        for c in range(0, n, 2):
            figure, border = f"{r * 3 + c}.25", x0 + (c + 1) * w
            width = mk.FONT.text_length(figure, size)
            base = y0 + r * h + 4.5
            page.insert_text((border - width, base), figure, fontname=mk.FONTNAME, fontsize=size)
            page.insert_text((border, base), f"项目{r}", fontname=mk.FONTNAME, fontsize=size)
    return mk.finish(doc)


def test_glued_words_on_a_dense_page_are_all_split():
    """Every glued word is split back into its cells, however many the page holds. (Splitting
    used to scan the whole page per word — quadratic; its speed is measured in
    bench/pdf_layout.py, not asserted here.)"""
    for n_rows, expected in ((5, 60), (95, 1140)):
        stats = PdfStats()
        read_pdf(_glued(n_rows), stats=stats)
        assert stats.split_words == expected


def test_caption_rows_taken_off_keep_merged_header_origins_right():
    """A table read without rules may start with its `部门… 单位…` line: tables.py takes it
    off, and the merged-cell origins of the header below (row numbers of the block) must move
    up with it."""

    def cell(text: str, origin: tuple[int, int] | None = None) -> Cell:
        return Cell(text, origin=origin)

    rows = [
        [cell("部门：测试局"), cell(""), cell(""), cell("单位：万元")],
        [cell("科目名称"), cell("本年支出"), cell("", (1, 1)), cell("", (1, 1))],
        [cell("", (1, 0)), cell("合计"), cell("基本支出"), cell("项目支出")],
        [cell("一般公共服务支出"), cell("1234.56"), cell("1000.00"), cell("234.56")],
    ]
    layout = Layout(
        pages=[PageInfo(0, 0.0, 0.0)],
        blocks=[TextBlock("一般公共预算支出表"), TableBlock(rows)],
    )
    (table,), _ = extract_tables(layout)
    assert [c.key for c in table.columns] == ["total", "basic", "project"]
    assert {k: str(v.value) for k, v in table.rows[0].values.items()} == {
        "total": "1234.56",
        "basic": "1000.00",
        "project": "234.56",
    }
