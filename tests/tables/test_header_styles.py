"""Header and label styles of real disclosures (../shared/realdocs): groups that span a whole
table side, qualifying remarks, year-named columns, rows printing several code-name labels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.tables.test_tables import grid, layout, only, vals
from worker.layout import TextBlock
from worker.tables import extract_tables


def _table(title: str, rows: list[list[str]], key: str):
    doc = layout(TextBlock(title), TextBlock("单位：万元"), grid(rows))
    return only(extract_tables(doc)[0], key)


@pytest.mark.parametrize(
    ("title", "header", "key", "keys"),
    [
        # 重庆: the 基本支出 table prints its own name as a group over every column
        (
            "一般公共预算基本支出情况表",
            [["科目名称", "基本支出", "", ""], ["", "总计", "人员经费", "公用经费"]],
            "basic_expenditure",
            ["total", "personnel", "public"],
        ),
        # 北京: 预算数 over every column of a budget table says nothing
        (
            "一般公共预算支出表",
            [["科目名称", "预算数", "", ""], ["", "合计", "基本支出", "项目支出"]],
            "general_budget_expenditure",
            ["total", "basic", "project"],
        ),
        # a group over some of the columns stays: 财政拨款收入/小计 is `fiscal`, not the total
        (
            "收入总体情况表",
            [["科目名称", "合计", "财政拨款收入", "", "事业收入（不含教育收费）", "使用非财政拨款结余"],
             ["", "", "小计", "一般公共预算收入", "", ""]],
            "income",
            ["total", "fiscal", "general_budget", "business", "use_non_fiscal_balance"],
        ),
        # 长沙 2025 收入总体情况表 (p14): 事业单位经营服务收入, 其它 (not 其他) 收入
        (
            "部门收入总体情况表",
            [["科目名称", "合计", "事业收入", "事业单位经营服务收入", "其它收入"]],
            "income",
            ["total", "business", "operating", "other"],
        ),
        # column headers naming years: the latest is the table's own, earlier ones the year before
        (
            "一般公共预算支出表",
            [["科目名称", "2025年预算数", "2026年预算数"]],
            "general_budget_expenditure",
            ["prior_year", "budget"],
        ),
    ],
)  # fmt: skip
def test_group_spanning_a_side_remarks_and_years(
    title: str, header: list[list[str]], key: str, keys: list[str]
) -> None:
    width = len(header[0])
    body = [["合计", *["1"] * (width - 1)], ["一般公共服务支出", *["1"] * (width - 1)]]
    table = _table(title, [*header, *body], key)
    assert [c.key for c in table.columns] == keys
    assert not table.doubts


BEIJING_BASIC = [
    ["政府支出经济分类科目", "部门支出经济分类科目", "预算数", "", ""],
    ["", "", "合计", "人员经费", "公用经费"],
    ["50501-工资福利支出", "30101-基本工资", "230.17", "230.17", ""],
    ["50501-工资福利支出", "30102-津贴补贴", "230.30", "230.30", ""],
    ["50502-商品和服务支出", "30201-办公费", "6.00", "", "6.00"],
    ["合计", "", "466.47", "460.47", "6.00"],
]


def test_a_row_is_named_by_the_code_of_its_tables_family() -> None:
    """北京: every row prints 政府 (505xx) and 部门 (301xx) economic labels; the 基本支出 table is
    by 部门 economic code, an expenditure table by function code."""
    basic = _table("一般公共预算基本支出表", BEIJING_BASIC, "basic_expenditure")
    assert [(r.code, r.row_code, r.name) for r in basic.rows] == [
        ("30101", None, "基本工资"), ("30102", None, "津贴补贴"), ("30201", None, "办公费"),
        (None, "total", "合计"),
    ]  # fmt: skip
    assert vals(basic.rows[2]) == {"total": Decimal("6.00"), "public": Decimal("6.00")}
    by_function = [
        ["支出功能分类科目", "部门支出经济分类科目", "合计", "基本支出", "项目支出"],
        ["2200504-气象事业机构", "30201-办公费", "6.00", "6.00", ""],
        ["2200509-气象服务", "30226-劳务费", "4.00", "", "4.00"],
    ]
    spending = _table("支出总表", by_function, "expenditure")
    assert [r.code for r in spending.rows] == ["2200504", "2200509"]


def test_project_table_by_unit_with_a_star_column_number_row() -> None:
    """湖州/杭州 表10: 单位名称 | 项目名称 | 总计 …, a `** ** 1 2 3` 栏次 row under the header, the
    合计 printed in the 项目名称 column; the project names the row."""
    rows = [
        ["单位名称", "项目名称", "总计", "一般公共预算", "政府性基金"],
        ["**", "**", "1", "2", "3"],
        ["", "合计", "1439.36", "1439.36", ""],
        ["湖州市卫生健康委员会", "公立医院改革与高质量发展示范项目", "1424.36", "1424.36", ""],
        ["湖州市卫生健康委员会", "突发公共卫生事件应急处理", "15.00", "15.00", ""],
    ]
    table = _table("2026年市级部门项目支出预算表", rows, "project_expenditure")
    assert [(r.row_code, r.name) for r in table.rows] == [
        ("total", "合计"), (None, "公立医院改革与高质量发展示范项目"),
        (None, "突发公共卫生事件应急处理"),
    ]  # fmt: skip
    assert [c.key for c in table.columns] == ["total", "general_budget", "gov_fund"]


def test_units_listed_as_rows_are_unit_rows() -> None:
    """A unit-name column alone labels the rows (泉州 收入总表), and an uncoded line naming a unit
    is a unit row wherever it is printed (深圳 项目支出 `深圳市民政局（本级）` over its projects);
    a 总计 printed beside the 预算 group is the total, 预算/… columns are plain."""
    income = _table(
        "2026年度收入预算总表",
        [["单位名称", "总计", "一般公共预算拨款收入"], ["合计", "46", "46"],
         ["泉州市人民政府公报室", "45.96", "45.96"], ["泉州市12345政务服务便民热线中心", "1", "1"]],
        "income",
    )  # fmt: skip
    assert [r.row_code for r in income.rows] == ["total", "unit", "unit"]
    projects = _table(
        "项目支出总表",
        [["支出项目类别", "总计", "2026年预算", ""], ["", "", "一般公共预算拨款", "上年结余、结转"],
         ["深圳市民政局（本级）", "22", "21", "1"], ["民政综合业务管理", "22", "21", "1"]],
        "project_expenditure",
    )  # fmt: skip
    assert [(r.row_code, r.name) for r in projects.rows] == [
        ("unit", "深圳市民政局（本级）"), (None, "民政综合业务管理"),
    ]  # fmt: skip
    assert [c.key for c in projects.columns] == ["total", "general_budget", "carryover"]
