"""PDFs for the reader's harder layouts, drawn in code (tests/formats/test_pdf_unruled.py).

Tables without full ruling in the ways spreadsheet exports print them: figure columns a few
points apart, a column left blank, a three-level header with cells centred over several rows,
a 栏次 row, a header repeated under a finished part, a continuation page whose value cells are
all blank, a header spread by spaces; and, ruled, a group title merged with its own column as
an L (no rectangle). `python tests/support/unruled.py DIR` writes them all for a look.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pymupdf

from tests.support.pdf_builders import FONTNAME, TableSpec, draw_table, finish, new_page, put_text

W = [110.0, 62.0, 62.0, 62.0]  # a label column, three figure columns


def _doc(*specs: TableSpec, title: str = "一般公共预算支出表") -> pymupdf.Document:
    doc = pymupdf.open()
    page = new_page(doc)
    put_text(page, 50, 70, title)
    for spec in specs:
        draw_table(page, spec)
    return finish(doc)


CLOSE = [
    ["项目", "合计", "基本支出", "项目支出"],
    ["一般公共服务支出", "1234.56", "1000.00", "234.56"],
    ["教育支出", "691.05", "500.75", "190.30"],
    ["合计", "1925.61", "1500.75", "424.86"],
]


def close_figures(style: str) -> pymupdf.Document:
    """Figure columns just wide enough for their figures: 4 pt apart."""
    rows = [["项目", "合计", "基本", "项目"], *CLOSE[1:]]
    return _doc(TableSpec(rows, [80.0, 36.0, 36.0, 36.0], style=style, centre_header=True))


def two_tables(style: str) -> pymupdf.Document:
    """Two tables of the same type size, a bigger title between them."""
    doc = pymupdf.open()
    page = new_page(doc)
    put_text(page, 50, 70, "一般公共预算支出表")
    first = TableSpec(CLOSE, W, y=90, style=style, centre_header=True)
    draw_table(page, first)
    page.insert_text(
        (50, first.bottom + 40), "政府性基金预算支出表", fontname=FONTNAME, fontsize=15
    )
    second = TableSpec(CLOSE[:3], W, y=first.bottom + 60, style=style, centre_header=True)
    draw_table(page, second)
    return finish(doc)


def caption_and_blank_column(style: str) -> pymupdf.Document:
    """`部门：… 单位：万元` spread over the table's width right above it; a column all blank."""
    rows = [
        ["项目", "合计", "政府性基金", "项目支出"],
        ["一般公共服务支出", "1234.56", "", "234.56"],
        ["教育支出", "691.05", "", "190.30"],
    ]
    doc = pymupdf.open()
    page = new_page(doc)
    spec = TableSpec(rows, W, y=100, style=style, centre_header=True)
    put_text(page, spec.x, spec.y - 6, "部门：测试局")
    unit = "单位：万元"
    put_text(page, spec.x + spec.width - pymupdf.Font("china-s").text_length(unit, 9), 94, unit)
    draw_table(page, spec)
    return finish(doc)


THREE_LEVELS = [
    ["科目名称", "合计", "基本支出", "", "", "", "项目支出"],
    ["", "", "小计", "人员经费", "", "公用经费", ""],
    ["", "", "", "工资福利", "个人补助", "", ""],
    ["一般公共服务支出", "100.00", "80.00", "60.00", "5.00", "15.00", "20.00"],
    ["教育支出", "50.00", "50.00", "40.00", "2.00", "8.00", "3.00"],
]
THREE_MERGES = [(0, 0, 2, 0), (0, 1, 2, 1), (0, 2, 0, 5), (1, 2, 2, 2), (1, 3, 1, 4), (1, 5, 2, 5)]
THREE_MERGES += [(0, 6, 2, 6)]


def three_level_header(style: str) -> pymupdf.Document:
    """合计 and 项目支出 span all three header rows beside 基本支出 over 小计 | 人员经费 (over
    two columns) | 公用经费; every header text centred in its (merged) cell."""
    spec = TableSpec(
        THREE_LEVELS, [100.0] + [58.0] * 6, style=style, merges=THREE_MERGES, header_rows=3,
        centre_header=True, x=40,
    )  # fmt: skip
    return _doc(spec)


COLNUMS = [
    ["项目", "合计", "一般公共预算", "政府性基金", "上年结转"],
    ["栏次", "1", "2", "3", "4"],
    ["一般公共服务支出", "1234.56", "1234.56", "", ""],
    ["教育支出", "691.05", "691.05", "", ""],
]


def column_numbers(style: str) -> pymupdf.Document:
    """A 栏次 row under the header; two columns blank but numbered."""
    return _doc(
        TableSpec(COLNUMS, [110.0, 62.0, 80.0, 70.0, 62.0], style=style, centre_header=True)
    )


def repeated_header(style: str) -> pymupdf.Document:
    """A header repeated under the first part, on the same page, same type size."""
    first = TableSpec(CLOSE, W, y=100, style=style, centre_header=True)
    rows = [CLOSE[0], ["卫生健康支出", "88.10", "80.00", "8.10"]]
    second = TableSpec(rows, W, y=first.bottom + 10, style=style, centre_header=True)
    return _doc(first, second)


def blank_continuation(style: str) -> pymupdf.Document:
    """A summary table continued on a page where every value cell is blank but the last."""
    head = [["收入项目", "金额", "支出项目", "金额"]]
    first = [
        ["一、一般公共预算", "691.05", "一、一般公共服务", "643.24"],
        ["二、政府性基金", "", "二、外交", ""],
    ]
    second = [
        ["", "", "三、国防", ""],
        ["", "", "四、公共安全", ""],
        ["", "", "五、教育", ""],
        ["本年收入合计", "691.05", "本年支出合计", "691.05"],
    ]
    widths = [110.0, 60.0, 110.0, 60.0]
    doc = pymupdf.open()
    page = new_page(doc)
    put_text(page, 50, 70, "部门收支总表")
    draw_table(page, TableSpec(head + first, widths, y=700, style=style, centre_header=True))
    page = new_page(doc)
    draw_table(page, TableSpec(second, widths, y=60, style=style))
    return finish(doc)


def spaced_header(style: str) -> pymupdf.Document:
    """Header texts spread by spaces (`项    目`) over a wide label column."""
    rows = [["项    目", "金    额", "备注"], *[[*row[:2], "无"] for row in CLOSE[1:]]]
    return _doc(TableSpec(rows, [160.0, 90.0, 50.0], style=style, centre_header=True))


def l_shaped_header() -> pymupdf.Document:
    """Ruled: 基本支出 is its own column's header and the title over 人员经费 | 公用经费, drawn as
    one L-shaped merged region (no rectangle) with the text centred on its bounding box, which
    puts it inside the 人员经费 cell (as a renderer that sizes a region by its bounds does)."""
    doc = pymupdf.open()
    page = new_page(doc)
    xs, ys = [50.0, 150.0, 210.0, 270.0, 330.0, 390.0], [100.0, 118.0, 136.0, 154.0, 172.0, 190.0]
    boxes = {  # text -> (r0, c0, r1, c1), the region's bounding box
        "项目": (0, 0, 2, 0), "合计": (0, 1, 2, 1), "基本支出": (0, 2, 2, 4),
        "人员经费": (1, 3, 2, 3), "公用经费": (1, 4, 2, 4),
    }  # fmt: skip
    for text, (r0, c0, r1, c1) in boxes.items():
        rect = pymupdf.Rect(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        page.draw_rect(rect, width=0.5)
        width = pymupdf.Font("china-s").text_length(text, 9)
        put_text(page, (rect.x0 + rect.x1 - width) / 2, (rect.y0 + rect.y1) / 2 + 3, text)
    body = [
        ["教育支出", "50.00", "50.00", "40.00", "10.00"],
        ["合计", "60.00", "55.00", "45.00", "10.00"],
    ]
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            rect = pymupdf.Rect(xs[c], ys[3 + r], xs[c + 1], ys[4 + r])
            page.draw_rect(rect, width=0.5)
            width = pymupdf.Font("china-s").text_length(text, 9)
            x = rect.x0 + 2 if c == 0 else rect.x1 - 2 - width
            put_text(page, x, rect.y0 + 12, text)
    return finish(doc)


BUILDERS = {
    "close_figures": close_figures,
    "two_tables": two_tables,
    "caption_and_blank_column": caption_and_blank_column,
    "three_level_header": three_level_header,
    "column_numbers": column_numbers,
    "repeated_header": repeated_header,
    "blank_continuation": blank_continuation,
    "spaced_header": spaced_header,
}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    for name, build in BUILDERS.items():
        for style in ("hlines", "three_line", "none"):
            build(style).save(out / f"{name}_{style}.pdf")
    l_shaped_header().save(out / "l_shaped.pdf")
