"""worker.formats.pdf on PDFs drawn in code (tests/support/pdf_builders.py) and on samples/*.pdf."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest

from tests.support import pdf_builders as mk
from tests.support.samples import SAMPLES
from worker.formats.pdf import PdfStats, read_pdf
from worker.formats.textnorm import clean_cell, join_lines, normalize_text
from worker.layout import Layout, TableBlock, TextBlock

SAMPLE_PDFS = sorted(SAMPLES.glob("*.pdf"))


def texts(table: TableBlock) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table.rows]


def origins(table: TableBlock) -> dict[tuple[int, int], tuple[int, int]]:
    return {
        (r, c): cell.origin
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row)
        if cell.origin
    }


def only_table(layout: Layout) -> TableBlock:
    tables = layout.tables()
    assert len(tables) == 1, [texts(t) for t in tables]
    return tables[0]


def inside(inner: tuple, outer: tuple, tol: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[2] <= outer[2] + tol
        and inner[3] <= outer[3] + tol
    )


# ---- grids -------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["grid", "rects", "hlines", "three_line", "none"])
def test_table_styles_give_the_drawn_grid(style):
    stats = PdfStats()
    layout = read_pdf(mk.doc_with_table(style), stats=stats)
    table = only_table(layout)
    assert texts(table) == mk.BUDGET_ROWS
    assert origins(table) == {}
    ruled = style in ("grid", "rects")
    assert (stats.ruled_tables, stats.stream_tables) == ((1, 0) if ruled else (0, 1))
    assert stats.fallbacks == 0


@pytest.mark.parametrize("style", ["grid", "rects"])
def test_merged_header_cells_point_to_their_origin(style):
    table = only_table(read_pdf(mk.doc_merged_header(style)))
    rows, _ = mk.merged_header_rows()
    assert texts(table) == rows
    assert origins(table) == {(1, 0): (0, 0), (1, 1): (0, 1), (0, 3): (0, 2), (0, 4): (0, 2)}
    # The merged cell's box covers all its positions.
    x0, y0, x1, y1 = table.rows[0][2].bbox
    assert x1 - x0 == pytest.approx(sum(mk.BUDGET_WIDTHS[2:]), abs=1.5)
    assert y1 - y0 == pytest.approx(18, abs=1.5)


@pytest.mark.parametrize("style", ["hlines", "three_line", "none"])
def test_centred_two_level_header_without_full_ruling(style):
    """Group title centred over its sub-headers; row labels centred over both header rows."""
    table = only_table(read_pdf(mk.doc_merged_header(style, centre=True)))
    rows, _ = mk.merged_header_rows()
    assert texts(table) == rows
    assert origins(table) == {(1, 0): (0, 0), (1, 1): (0, 1), (0, 3): (0, 2), (0, 4): (0, 2)}


WRAPPED_ROWS = [
    ["科目", "金额", "备注"],
    ["一般公共服务\n支出", "1,234.56", "无"],
    ["网信事务", "7.00", "有"],
    ["一、基本支出", "", ""],
    ["其他网信事务\n支出", "12.5", "x"],
]


@pytest.mark.parametrize("style", ["grid", "hlines", "three_line", "none"])
@pytest.mark.parametrize("row_height", [30, 24])
def test_wrapped_labels_section_rows_and_close_columns(style, row_height):
    """Two-line labels (numbers centred beside them), a label-only section row, and a
    right-aligned number 4 pt from the next column's text."""
    doc = mk.doc_with_table(style, rows=WRAPPED_ROWS, widths=[150, 100, 60], row_height=row_height)
    expected = [[cell.replace("\n", "") for cell in row] for row in WRAPPED_ROWS]
    layout = read_pdf(doc)
    assert texts(only_table(layout)) == expected
    assert layout.blocks[-1].text == "注：本表金额单位为万元。"


def test_cell_boxes_are_where_the_text_is():
    doc = mk.doc_with_table("grid")
    table = only_table(read_pdf(doc))
    words = doc[0].get_text("words")
    for row in table.rows:
        for cell in row:
            mine = [w for w in words if w[4] == cell.text]
            if cell.text:
                assert mine and any(inside(w[:4], cell.bbox) for w in mine), cell
            assert inside(cell.bbox, table.bbox)
    assert table.rows[1][2].bbox == pytest.approx((260, 118, 340, 136), abs=1.0)


def test_out_of_order_characters_read_in_position_order():
    doc = mk.doc_with_table("grid", shuffle_numbers=True)
    assert "1234.56" not in doc[0].get_text().split("\n")  # the raw text layer is scrambled
    assert texts(only_table(read_pdf(doc))) == mk.BUDGET_ROWS


def test_radical_code_points_full_width_digits_and_split_numbers_are_repaired():
    doc = mk.doc_radicals()
    raw = doc[0].get_text()
    assert "\u2ed4" in raw and "\u2fa6" in raw and "\u2f00" in raw and "１２３" in raw
    layout = read_pdf(doc)
    assert texts(only_table(layout)) == [
        ["部门", "金额"],
        ["一般公共服务", "123.45"],
        ["合计", "1234.56"],
        ["其他", "12.5"],
    ]
    assert "一般公共预算支出表" in layout.pages[0].text


def test_wrapped_cell_text_is_one_string():
    rows = [["项目", "金额"], ["一般公共服务\n支出", "1,234.56"], ["Other\nitems", "7"]]
    table = only_table(
        read_pdf(mk.doc_with_table("grid", rows=rows, widths=[150, 100], row_height=30))
    )
    assert texts(table) == [
        ["项目", "金额"],
        ["一般公共服务支出", "1,234.56"],
        ["Other items", "7"],
    ]


def test_word_glued_across_a_cell_border_is_split_by_characters():
    """MuPDF glues a right-aligned cell text to its neighbour's first line into one word."""
    rows = [["项目", "金额"], ["合计", "一般公共预算\n拨款"]]
    doc = mk.doc_with_table("grid", rows=rows, widths=[80, 100], row_height=30, align="rl")
    assert "合计一般公共预算" in [w[4] for w in doc[0].get_text("words")]
    stats = PdfStats()
    table = only_table(read_pdf(doc, stats=stats))
    assert texts(table) == [["项目", "金额"], ["合计", "一般公共预算拨款"]]
    assert stats.split_words >= 1


@pytest.mark.parametrize("style", ["grid", "rects", "hlines", "three_line", "none"])
def test_table_continued_on_next_page_is_one_table_without_repeated_header(style):
    stats = PdfStats()
    layout = read_pdf(mk.doc_split_table(style), stats=stats)
    table = only_table(layout)
    assert len(table.rows) == 61 and table.n_cols == 5
    assert texts(table)[0] == mk.BUDGET_ROWS[0]
    assert [r[0].text for r in table.rows[1:]] == [str(2013700 + i) for i in range(1, 61)]
    assert {table.rows[1][0].page, table.rows[38][0].page, table.rows[39][0].page} == {0, 1}
    assert table.rows[38][0].page == 0 and table.rows[39][0].page == 1
    assert stats.joined_tables == 1
    assert isinstance(layout.blocks[-1], TextBlock) and layout.blocks[-1].page == 1
    apart = read_pdf(mk.doc_split_table(style), join_pages=False)
    assert [len(t.rows) for t in apart.tables()] == [39, 23]


def test_a_titled_table_on_the_next_page_is_not_a_continuation():
    doc = mk.doc_split_table(title2="基本支出表")  # a new table's title, inside the top margin
    assert [len(t.rows) for t in read_pdf(doc).tables()] == [39, 23]


def test_rotated_page_boxes_are_in_unrotated_space():
    doc = mk.doc_rotated()
    page = doc[0]
    assert page.rotation == 90
    layout = read_pdf(doc)
    table = only_table(layout)
    assert texts(table) == mk.BUDGET_ROWS
    info = layout.pages[0]
    assert (info.width, info.height) == pytest.approx((595, 842))
    words = {w[4]: w[:4] for w in page.get_text("words")}
    assert inside(words["一般公共服务支出"], table.rows[1][1].bbox)
    assert inside(words["其他网信事务支出"], table.rows[4][1].bbox)
    # reading order follows the page as displayed: title, table, note
    assert [type(b).__name__ for b in layout.blocks] == ["TextBlock", "TableBlock", "TextBlock"]


def test_landscape_table_drawn_rotated_on_a_portrait_page():
    """No /Rotate: the content itself is turned; text direction decides the reading frame."""
    src = mk.doc_with_table("grid")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.show_pdf_page(page.rect, src, 0, rotate=90)
    doc = mk.finish(doc)
    assert doc[0].rotation == 0
    layout = read_pdf(doc)
    assert texts(only_table(layout)) == mk.BUDGET_ROWS
    assert [type(b).__name__ for b in layout.blocks] == ["TextBlock", "TableBlock", "TextBlock"]


def _l_shaped_table() -> pymupdf.Document:
    """3 x 3 grid without the border under b and the one between a and b: {a, b, e} is an L."""
    doc = pymupdf.open()
    page = mk.new_page(doc)
    xs, ys = [50, 110, 170, 230], [100, 118, 136, 154]
    for y in ys:
        for c in range(3):
            if not (y == 118 and c == 1):
                page.draw_line((xs[c], y), (xs[c + 1], y), width=0.5)
    for x in xs:
        for r in range(3):
            if not (x == 110 and r == 0):
                page.draw_line((x, ys[r]), (x, ys[r + 1]), width=0.5)
    for r, row in enumerate(["abc", "def", "ghi"]):
        for c, ch in enumerate(row):
            mk.put_text(page, xs[c] + 3, ys[r] + 12, ch)
    return mk.finish(doc)


def test_unclear_grid_is_split_into_rectangles_and_counted():
    stats = PdfStats()
    table = only_table(read_pdf(_l_shaped_table(), stats=stats))
    assert (stats.unclear, stats.fallbacks) == (1, 0)
    # row-major: a+b is one cell, e below b stays its own
    assert texts(table) == [["a b", "", "c"], ["d", "e", "f"], ["g", "h", "i"]]
    assert origins(table) == {(0, 1): (0, 0)}


def test_unclear_grid_fallback_to_find_tables_on_request():
    stats = PdfStats()
    table = only_table(read_pdf(_l_shaped_table(), fallback=True, stats=stats))
    assert (stats.unclear, stats.fallbacks) == (1, 1)
    assert table.n_cols == 3 and len(table.rows) == 3
    assert texts(table)[2] == ["g", "h", "i"]
    assert table.rows[1][0].text == "d" and table.rows[1][2].text == "f"


# ---- text --------------------------------------------------------------------------------


def test_text_blocks_in_reading_order_around_the_table():
    layout = read_pdf(mk.doc_with_table("grid"))
    kinds = [(type(b).__name__, getattr(b, "text", None)) for b in layout.blocks]
    assert kinds == [
        ("TextBlock", "一般公共预算支出表"),
        ("TableBlock", None),
        ("TextBlock", "注：本表金额单位为万元。"),
    ]
    page_text = layout.pages[0].text
    assert page_text.startswith("一般公共预算支出表\n科目编码\t科目名称\t合计")
    assert "2013701\t行政运行\t1000.00\t1000.00\t" in page_text


def test_paragraph_is_one_block_with_wrapped_lines_joined():
    layout = read_pdf(mk.doc_narrative())
    assert layout.tables() == []
    (block,) = layout.blocks
    expected = "一、收入支出预算总体情况。" + "收入总计1234.56万元，支出总计1234.56万元。" * 4
    assert block.text == expected
    assert block.page == 0 and block.bbox[1] >= 60


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("部\u2ed4", "部门"),
        ("\u2fa6额", "金额"),
        ("\u2f00般", "一般"),
        ("１２３．４５", "123.45"),
        ("1 234.56", "1234.56"),
        ("12 .5", "12.5"),
        ("-1 000", "-1000"),
        ("收入（万元），合计", "收入（万元），合计"),
        ("共 3 个", "共 3 个"),
        ("2024 年", "2024 年"),
        ("\u2212 5", "-5"),
        ("\uf9f4林", "林林"),
    ],
)
def test_clean_cell(raw, clean):
    assert clean_cell(raw) == clean


def test_normalize_text_mends_decimals_inside_prose():
    assert normalize_text("收入49 .14万元，增长12. 5%") == "收入49.14万元，增长12.5%"


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["一般公共服务", "支出"], "一般公共服务支出"),
        (["1234", ".56"], "1234.56"),
        (["Other", "items"], "Other items"),
        (["合计", ""], "合计"),
    ],
)
def test_join_lines(lines, joined):
    assert join_lines(lines) == joined


# ---- the bundled samples -----------------------------------------------------------------


@pytest.mark.skipif(not SAMPLE_PDFS, reason="samples/*.pdf not rendered")
@pytest.mark.parametrize("path", SAMPLE_PDFS, ids=lambda p: p.stem[:3])
def test_samples_grids_are_consistent_and_keep_the_printed_numbers(path):
    doc = pymupdf.open(path)
    layout = read_pdf(doc)
    assert len(layout.pages) == doc.page_count and layout.tables()
    for table in layout.tables():
        assert len({len(row) for row in table.rows}) == 1
        for (r, c), (r0, c0) in origins(table).items():
            assert (r0, c0) <= (r, c) and c0 <= c and table.rows[r0][c0].origin is None
    source = Path(path).with_suffix(".txt")
    if source.exists():  # every amount the source prints comes out in some block
        amounts = set(re.findall(r"\d+\.\d\d(?!\d)", source.read_text(encoding="utf-8")))
        found = set(re.findall(r"\d+\.\d\d(?!\d)", "\n".join(p.text for p in layout.pages)))
        assert amounts and len(amounts - found) <= 0.02 * len(amounts), sorted(amounts - found)[:20]
