"""More header and label styles of real disclosures (../shared/realdocs): carryover lines named
by their source, a label printed across the code and name columns, labels in two columns under
one header, a list headed by the side's total, 三公 tables by year, by group and by fund, a title
wrapped onto a second line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.tables.test_header_styles import _table
from tests.tables.test_tables import grid, layout, only, vals
from worker.layout import TextBlock
from worker.tables import extract_tables


def test_carryover_lines_named_by_their_source() -> None:
    """深圳 上年结余、结转 | 1.财政拨款结余、结转 | 2.非财政拨款结余、结转; 西安 上年结转 |
    其中：财政拨款资金结转 | 非财政拨款资金结余: the carryover of that source."""
    rows = [
        ["收入", "", "支出", ""], ["项目", "预算数", "项目", "预算数"],
        ["本年收入合计", "100", "本年支出合计", "110"],
        ["上年结余、结转", "10", "结转下年", ""],
        ["1.财政拨款结余、结转", "8", "", ""], ["2.非财政拨款结余、结转", "2", "", ""],
        ["收入总计", "110", "支出总计", "110"],
    ]  # fmt: skip
    table = _table("收支总表", rows, "income_expenditure_summary")
    assert [r.row_code for r in table.rows[:5]] == [
        "income_total", "carryover", "carryover.fiscal", "carryover.non_fiscal", "grand_total_income",
    ]  # fmt: skip
    rows[4:6] = [["其中：财政拨款资金结转", "8", "", ""], ["非财政拨款资金结余", "2", "", ""]]
    table = _table("部门综合预算收支总表", rows, "income_expenditure_summary")
    assert [r.row_code for r in table.rows[2:4]] == ["carryover.fiscal", "carryover.non_fiscal"]


def test_a_total_printed_across_the_code_and_name_columns() -> None:
    """西安: 合计 centred over 单位编码 | 单位名称 (one merged cell) names the total row."""
    rows = [
        ["单位编码", "单位名称", "合计", "一般公共预算拨款"],
        ["合计", "", "50,937,608.35", "50,937,608.35"],
        ["122", "西安市行政审批服务局", "50,937,608.35", "50,937,608.35"],
    ]
    doc = layout(
        TextBlock("部门综合预算收入总表"),
        TextBlock("单位：元"),
        grid(rows, merges={(1, 1): (1, 0)}),
    )
    table = only(extract_tables(doc)[0], "income")
    assert [(r.row_code, r.name) for r in table.rows] == [
        ("total", "合计"), ("unit", "西安市行政审批服务局"),
    ]  # fmt: skip


def test_labels_in_two_columns_under_one_header() -> None:
    """江苏 收入预算总表: a group merged down over 小计 and its items: the 小计 line is the group,
    an item line is the item."""
    rows = [
        ["项目名称", "", "金额"], ["收入总计", "", "10,150.48"],
        ["一般公共预算资金", "小计", "10,070.48"], ["", "公共财政拨款(补助)资金", "10,070.48"],
        ["", "专项收入", ""], ["其他资金", "小计", "80.00"], ["", "事业收入", ""],
        ["", "其他收入", "80.00"],
    ]  # fmt: skip
    merges = {(0, 1): (0, 0), (1, 1): (1, 0), (3, 0): (2, 0), (4, 0): (2, 0), (6, 0): (5, 0),
              (7, 0): (5, 0)}  # fmt: skip
    doc = layout(TextBlock("收入预算总表"), TextBlock("单位：万元"), grid(rows, merges=merges))
    table = only(extract_tables(doc)[0], "income")
    assert [(r.row_code, r.name, vals(r).get("amount")) for r in table.rows] == [
        ("total", "收入总计", Decimal("10150.48")),
        ("general_budget", "一般公共预算资金", Decimal("10070.48")),
        (None, "公共财政拨款(补助)资金", Decimal("10070.48")), (None, "专项收入", None),
        ("other", "其他资金", Decimal("80.00")), ("business", "事业收入", None),
        ("other", "其他收入", Decimal("80.00")),
    ]  # fmt: skip


def test_each_list_of_a_summary_side_headed_by_its_total() -> None:
    """西安 财政拨款收支总表: 一、财政拨款 heads the income side (the fiscal line) and each list of
    the expenditure side (its total); 3、上缴上级支出 is named by the vocabulary."""
    rows = [
        ["收入", "", "支出", ""], ["项目", "预算数", "支出功能分类科目（按大类）", "预算数"],
        ["一、财政拨款", "100", "一、财政拨款", "100"],
        ["1、一般公共预算拨款", "100", "1、一般公共服务支出", "100"],
        ["", "", "3、上缴上级支出", ""],
        ["本年收入合计", "100", "本年支出合计", "100"],
    ]  # fmt: skip
    table = _table("部门综合预算财政拨款收支总表", rows, "fiscal_appropriation_summary")
    assert [r.row_code or r.code for r in table.rows] == [
        "fiscal", "general_budget", "income_total", "total", "201", "remit_upper",
        "expenditure_total",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "keys"),
    [
        # 烟台: the year before and this year's 预算数, each over the items
        (
            [["2025年预算数", "", "2026年预算数", ""], ["合计", "公务接待费", "合计", "公务接待费"]],
            ["prior_year.total", "prior_year.reception", "total", "reception"],
        ),
        # 上海: the 三公 group's own 合计 is the table's total
        (
            [["“三公”经费预算数", "", "", "机关运行经费预算数"],
             ["合计", "因公出国(境)费", "公务接待费", ""]],
            ["total", "abroad", "reception", "operation_cost"],
        ),
        # 深圳: every item split by fund: item.fund (the innermost item)
        (
            [["总计", "", "因公出国(境)费", "", "公务用车购置及运行维护费", "", "", ""],
             ["", "", "", "", "小计", "", "公务用车购置费", ""],
             ["一般公共预算", "政府性基金预算", "一般公共预算", "政府性基金预算", "一般公共预算",
              "政府性基金预算", "一般公共预算", "政府性基金预算"]],
            ["total.general_budget", "total.gov_fund", "abroad.general_budget", "abroad.gov_fund",
             "vehicle.general_budget", "vehicle.gov_fund", "vehicle_purchase.general_budget",
             "vehicle_purchase.gov_fund"],
        ),
    ],
)  # fmt: skip
def test_sangong_columns_by_year_group_and_fund(header: list[list[str]], keys: list[str]) -> None:
    width = len(header[0])
    rows = [["项目", *r] for r in header] + [["", *["1.00"] * width]]
    table = _table("财政拨款“三公”经费支出表", rows, "sangong")
    assert [c.key for c in table.columns] == keys


def test_a_title_wrapped_onto_a_second_line() -> None:
    rows = [
        ["合计", "“三公”经费", "会议费", "培训费"],
        ["2,542.60", "833.60", "1,305.25", "403.75"],
    ]
    doc = layout(
        TextBlock("“三公”经费、会议费、培训费支出预算"), TextBlock("表"),
        TextBlock("部门：江苏省人大常委会办公厅"), TextBlock("单位：万元"), grid(rows),
    )  # fmt: skip
    tables, problems = extract_tables(doc)
    table = only(tables, "sangong")
    assert table.title == "“三公”经费、会议费、培训费支出预算表" and problems == []


def test_a_total_under_the_second_label_column_and_a_unit_code_in_its_name() -> None:
    """北京: 合计 printed under 部门支出经济分类科目 only (the 政府 column blank) names the row;
    长沙: a unit row printed with its budget code ('106_长沙市公安局') is the unit, named without
    it as '227001 中共某某委员会办公室' is (test_tables)."""
    rows = [
        ["政府支出经济分类科目", "部门支出经济分类科目", "预算数", "", ""],
        ["", "", "合计", "人员经费", "公用经费"],
        ["50501-工资福利支出", "30101-基本工资", "230.17", "230.17", ""],
        ["", "合计", "230.17", "230.17", ""],
    ]
    table = _table("一般公共预算基本支出表", rows, "basic_expenditure")
    assert [(r.code, r.row_code, r.name) for r in table.rows] == [
        ("30101", None, "基本工资"), (None, "total", "合计"),
    ]  # fmt: skip
    rows = [
        ["单位名称", "三公经费预算数", "", ""], ["", "小计", "公务接待费", "因公出国（境）费"],
        ["合计", "58.50", "28.50", "30.00"], ["106_长沙市公安局", "58.50", "28.50", "30.00"],
    ]  # fmt: skip
    table = _table("一般公共预算“三公”经费支出情况表", rows, "sangong")
    assert [(r.row_code, r.name) for r in table.rows] == [
        ("total", "合计"), ("unit", "长沙市公安局"),
    ]  # fmt: skip


def test_a_year_opening_a_project_name_is_no_code() -> None:
    """珠海: '2026高质量发展行动——租赁和商务服务业项目' is a project, not code 2026 of a unit."""
    rows = [
        ["支出项目类别（资金使用单位）", "总计"], ["合计", "900.00"],
        ["2026高质量发展行动——租赁和商务服务业项目", "400.00"], ["珠海市内外经贸发展专项资金", "500.00"],
    ]  # fmt: skip
    table = _table("部门预算项目支出及其他支出预算表", rows, "project_expenditure")
    assert [(r.code, r.row_code, r.name) for r in table.rows] == [
        (None, "total", "合计"), (None, None, "2026高质量发展行动——租赁和商务服务业项目"),
        (None, None, "珠海市内外经贸发展专项资金"),
    ]  # fmt: skip


def test_a_label_wrapped_over_the_page_break() -> None:
    """杭州 收入总表: '杭州市综合交通运输研究' ends p24, '中心' alone heads p25 (no header
    repeated): one row, named in full, and the next page's rows are the same table's."""
    page1 = [
        ["单位名称", "总计", "事业收入"], ["合计", "23,577.51", "5,290.70"],
        ["杭州市综合交通运输研究", "5,290.70", "5,290.70"],
    ]  # fmt: skip
    page2 = [["中心", "", ""], ["杭州市交通运输发展保障中心", "18,286.81", ""]]
    doc = layout(
        TextBlock("表2：2026年市级部门收入预算总表", page=0), TextBlock("单位：万元", page=0),
        grid(page1, page=0), TextBlock("23", page=0), grid(page2, page=1), pages=2,
    )  # fmt: skip
    tables, problems = extract_tables(doc)
    table = only(tables, "income")
    assert problems == [] and table.pages == [1, 2]
    assert [(r.row_code, r.name) for r in table.rows] == [
        ("total", "合计"), ("unit", "杭州市综合交通运输研究中心"), ("unit", "杭州市交通运输发展保障中心"),
    ]  # fmt: skip


def _cells(rows: list[list[str]], page: int, starts: list[float], y: float = 100.0) -> list:
    """Rows of cells on `page`, the cell in column c spanning from starts[c] to starts[c + 1]."""
    from worker.layout import Cell

    ends = [*starts[1:], starts[-1] + 60]
    return [[Cell(text, page=page, bbox=(x0, y + 20 * r, x1, y + 20 * r + 18))
             for text, x0, x1 in zip(row, starts, ends, strict=True)] for r, row in enumerate(rows)]


SUMMARY_HEAD = [
    ["收入", "", "支出", "", "", ""],
    ["项目名称", "金额", "功能分类", "", "支出用途", ""],
    ["", "", "功能科目名称", "金额", "项目名称", "金额"],
    ["一、财政拨款", "100.00", "一、一般公共服务支出", "70.00", "一、基本支出", "60.00"],
    ["", "", "八、社会保障和就", "30.00", "二、项目支出", "40.00"],
    ["", "", "业支出", "", "", ""],  # printed at the top of the next page
    ["当年收入", "100.00", "当年支出小计", "", "", "100.00"],
]
SUMMARY_MERGES = {(0, 1): (0, 0), (0, 3): (0, 2), (0, 4): (0, 2), (0, 5): (0, 2), (1, 3): (1, 2),
                  (1, 5): (1, 4), (2, 0): (1, 0), (2, 1): (1, 1), (6, 3): (6, 2), (6, 4): (6, 2)}


def test_a_total_printed_across_two_panels_is_one_row() -> None:
    """江苏 收支预算总表 (省委办公厅 2018 p3, rendered and looked at): the expenditure side is two
    panels, 功能分类 | 金额 and 支出用途 | 金额; 当年支出小计 and 支出合计 are merged across both,
    their amount in the last column. One row each, with its amount — not a first, empty one
    for the 功能分类 panel (the checks read that one: 本年支出合计 0.00)."""
    rows = [
        *SUMMARY_HEAD[:3],
        ["一、财政拨款", "100.00", "一、一般公共服务支出", "100.00", "一、基本支出", "60.00"],
        ["", "", "二、外交支出", "", "二、项目支出", "40.00"],
        ["当年收入小计", "100.00", "当年支出小计", "", "", "100.00"],
        ["收入合计", "100.00", "支出合计", "", "", "100.00"],
    ]
    merges = {at: o for at, o in SUMMARY_MERGES.items() if at[0] < 3}
    merges |= {(r, c): (r, 2) for r in (5, 6) for c in (3, 4)}
    doc = layout(TextBlock("收支预算总表"), TextBlock("单位：万元"), grid(rows, merges=merges))
    table = only(extract_tables(doc)[0], "income_expenditure_summary")
    totals = [(r.row_code, vals(r)) for r in table.rows
              if r.row_code in ("expenditure_total", "grand_total_expenditure")]
    assert totals == [("expenditure_total", {"amount": Decimal("100.00")}),
                      ("grand_total_expenditure", {"amount": Decimal("100.00")})]


def test_a_summary_continued_on_fewer_columns_with_a_label_cut_by_each_page_break() -> None:
    """江苏人大 2017 收支预算总表 (p7–9, rendered and looked at): one block runs over p7→p8 and cuts
    '八、社会保障和就' | '业支出'; p9 is a block of 4 columns under the table's 6 (结转下年资金 and
    支出合计 drawn across both expenditure panels) opening with '小计', the end of p8's '当年收入'.
    Every row is read, on the table's columns."""
    from dataclasses import replace

    from worker.layout import TableBlock

    starts = [58.0, 113.0, 207.0, 276.0, 355.0, 421.0]
    first = _cells(SUMMARY_HEAD, 6, starts)
    first = [[replace(c, page=7) if r >= 5 else c for c in row] for r, row in enumerate(first)]
    first = [[replace(c, text="", origin=SUMMARY_MERGES[(r, j)]) if (r, j) in SUMMARY_MERGES else c
              for j, c in enumerate(row)] for r, row in enumerate(first)]
    rest = _cells([["小计", "", "", ""], ["上年结转资金", "", "结转下年资金", ""],
                   ["收入合计", "100.00", "支出合计", "100.00"]], 8, [58.0, 113.0, 207.0, 421.0])
    doc = layout(TextBlock("收支预算总表"), TextBlock("单位：万元"), TableBlock(first, page=6),
                 TableBlock(rest, page=8), pages=9)
    table = only(extract_tables(doc)[0], "income_expenditure_summary")
    got = [(r.row_code or r.code or r.name, vals(r).get("amount")) for r in table.rows]
    d = Decimal
    assert got == [
        ("fiscal", d("100.00")), ("income_total", d("100.00")), ("carryover", None),
        ("grand_total_income", d("100.00")),
        ("201", d("70.00")), ("208", d("30.00")),
        ("basic", d("60.00")), ("project", d("40.00")), ("expenditure_total", d("100.00")),
        ("year_end_carryover", None), ("grand_total_expenditure", d("100.00")),
    ]


def test_a_short_row_opening_the_next_page_is_a_row_of_its_own() -> None:
    """江苏人大 收入预算总表 p9→p10 in one block: '其他非税收入' opens p10 under p9's last row
    '专户管理教育收费' — a row of its own (the joined label is none the vocabulary knows), not
    the end of that label."""
    from dataclasses import replace

    from worker.layout import TableBlock

    rows = [["项目名称", "金额"], ["收入总计", "10.00"], ["财政拨款", "10.00"],
            ["专户管理教育收费", ""], ["其他非税收入", ""]]
    cells = _cells(rows, 8, [58.0, 353.0])
    cells[-1] = [replace(c, page=9) for c in cells[-1]]
    doc = layout(TextBlock("收入预算总表"), TextBlock("单位：万元"), TableBlock(cells, page=8), pages=10)
    table = only(extract_tables(doc)[0], "income")
    assert [r.name for r in table.rows][-2:] == ["专户管理教育收费", "其他非税收入"]


def test_stitching_leaves_the_layout_as_printed() -> None:
    """A label joined over a page break ('杭州市综合交通运输研究' + '中心') is joined in the
    table, not in the layout's blocks: the performance reader reads the same blocks after
    (烟台审计局 2026: two 绩效目标表 rows were lost to a row joined in place)."""
    from worker.layout import TableBlock

    first = _cells([["单位名称", "合计"], ["合计", "15.00"], ["杭州市综合交通运输研究", "15.00"]],
                   0, [58.0, 300.0])
    rest = _cells([["中心", ""]], 1, [58.0, 300.0])
    doc = layout(TextBlock("部门收入总表"), TextBlock("单位：万元"), TableBlock(first, page=0),
                 TableBlock(rest, page=1), pages=2)
    printed = [[[c.text for c in row] for row in b.rows] for b in doc.blocks
               if isinstance(b, TableBlock)]
    table = only(extract_tables(doc)[0], "income")
    assert table.rows[-1].name == "杭州市综合交通运输研究中心"
    assert [[[c.text for c in row] for row in b.rows] for b in doc.blocks
            if isinstance(b, TableBlock)] == printed
