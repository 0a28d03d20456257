"""extract_tables on layouts built here: the shapes the PDF, DOCX and text readers produce."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas import Doubt, Unit
from schemas.reference import table_catalogue
from worker.layout import Cell, Layout, PageInfo, TableBlock, TextBlock
from worker.tables import extract_tables
from worker.tables.headers import column_spec, resolve_collisions
from worker.tables.titles import classify_title


def grid(rows: list[list[str]], page: int | None = None, merges: dict | None = None) -> TableBlock:
    """A table; `merges` maps a covered (row, col) to the (row, col) holding its text."""
    merges = merges or {}
    cells = []
    for r, row in enumerate(rows):
        out = []
        for c, text in enumerate(row):
            bbox = (
                (50.0 + 60 * c, 100.0 + 20 * r, 105.0 + 60 * c, 118.0 + 20 * r)
                if page is not None
                else None
            )
            out.append(Cell(text, page=page, bbox=bbox, origin=merges.get((r, c))))
        cells.append(out)
    return TableBlock(cells, page=page)


def layout(*blocks: TextBlock | TableBlock, pages: int = 0) -> Layout:
    infos = [PageInfo(i, 595.0, 842.0) for i in range(pages)] or [PageInfo(0, 0.0, 0.0)]
    return Layout(pages=infos, blocks=list(blocks))


def only(tables: list, key: str):
    found = [t for t in tables if t.key == key]
    assert len(found) == 1, [t.key for t in tables]
    return found[0]


def vals(row) -> dict[str, Decimal | None]:
    return {k: v.value for k, v in row.values.items() if v.value is not None}


# --- a PDF-like table: merged header cells, split codes, provenance ------------------------------

EXPENDITURE = [
    ["科目编码", "", "", "科目名称", "合计", "基本支出", "", "项目支出"],
    ["类", "款", "项", "", "", "人员经费", "公用经费", ""],
    ["", "", "", "合计", "1,200.50", "900.00", "100.50", "200.00"],
    ["201", "", "", "一般公共服务支出", "1,000.00", "700.00", "100.00", "200.00"],
    ["201", "20137", "", "网信事务", "1,000.00", "700.00", "100.00", "200.00"],
    ["", "", "01", "行政运行", "800.00", "700.00", "100.00", "-"],
    ["", "", "02", "一般行政管理事务", "200.00", "", "", "200.00"],
    ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "200.50", "200.00", "0.50", "0"],
    ["", "", "", "", "", "", "", ""],
]
# PDF/DOCX readers report merges: header spans, and a 类 printed once over the rows below it.
MERGES = {
    (0, 1): (0, 0), (0, 2): (0, 0), (1, 3): (0, 3), (1, 4): (0, 4), (0, 6): (0, 5), (1, 7): (0, 7),
    (5, 0): (4, 0), (5, 1): (4, 1), (6, 0): (4, 0), (6, 1): (4, 1),
}  # fmt: skip


def test_pdf_table_with_merges_split_codes_and_provenance() -> None:
    doc = layout(
        TextBlock("2024年部门支出预算表", page=2),
        TextBlock("编制部门：某某局  单位：万元", page=2),
        grid(EXPENDITURE, page=2, merges=MERGES),
        pages=3,
    )
    tables, problems = extract_tables(doc)
    assert problems == []
    table = only(tables, "expenditure")
    assert [c.key for c in table.columns] == ["total", "personnel", "public", "project"]
    assert [c.title for c in table.columns][1] == "基本支出/人员经费"
    assert [(r.code, r.row_code, r.level) for r in table.rows] == [
        (None, "total", 0), ("201", None, 1), ("20137", None, 2),
        ("2013701", None, 3), ("2013702", None, 3), ("2080505", None, 3),
    ]  # fmt: skip
    total = table.rows[0]
    assert vals(total) == {"total": Decimal("1200.50"), "personnel": Decimal("900.00"),
                           "public": Decimal("100.50"), "project": Decimal("200.00")}  # fmt: skip
    run = table.rows[3]
    assert run.values["project"].raw == "-" and run.values["project"].value == 0
    blank = table.rows[4].values["personnel"]
    assert blank.raw == "" and blank.value is None and blank.wan is None
    assert table.rows[5].values["project"].value == 0 and table.rows[5].values["project"].raw == "0"
    value = total.values["total"]
    assert value.page == 3 and value.bbox == (290.0, 140.0, 345.0, 158.0)
    assert table.pages == [3] and table.unit is Unit.wan


def test_plain_text_header_merges_are_inferred_from_blanks() -> None:
    """Plain text cannot mark merges: blank header cells under a group continue it."""
    doc = layout(TextBlock("部门支出总表"), TextBlock("单位：万元"), grid(EXPENDITURE))
    table = only(extract_tables(doc)[0], "expenditure")
    assert [c.key for c in table.columns] == ["total", "personnel", "public", "project"]
    assert table.rows[3].code == "2013701"


def test_doubts_say_what_is_unresolved_and_a_sound_table_has_none() -> None:
    """schemas.Table.doubts: the checks trust only a table whose structure is resolved."""
    sound = layout(TextBlock("部门支出总表"), TextBlock("单位：万元"), grid(EXPENDITURE))
    assert only(extract_tables(sound)[0], "expenditure").sound
    odd = [[*row[:5], "", row[7]] for row in EXPENDITURE]  # 基本支出 gone, a new column
    odd[0][5] = "某种新列"
    odd[3][3] = "？？"  # a coded table's row whose subject cannot be read
    odd[3][0] = ""
    odd[5][4] = "见附表"  # words in a value column
    tables, problems = extract_tables(layout(TextBlock("部门支出总表"), grid(odd)))
    table = only(tables, "expenditure")
    kinds = [d.kind for d in table.doubts]
    assert kinds == [Doubt.columns, Doubt.cells, Doubt.rows, Doubt.unit], table.doubts
    assert "某种新列" in table.doubts[0].message and "？？" in table.doubts[2].message
    assert not table.sound
    assert [p.message for p in problems] == [f"部门支出总表：{d.message}" for d in table.doubts]


# --- units ---------------------------------------------------------------------------------------


def test_amounts_in_yuan_are_normalized_and_units_can_mix() -> None:
    simple = [
        ["科目编码", "科目名称", "合计"],
        ["", "合计", "477,884.00"],
        ["2013701", "行政运行", "477884"],
    ]
    doc = layout(
        TextBlock("部门收入总表"), TextBlock("金额单位：元"), grid(simple),
        TextBlock("部门支出总表"), TextBlock("单位：万元"), grid(simple),
    )  # fmt: skip
    tables, _ = extract_tables(doc)
    income, expenditure = only(tables, "income"), only(tables, "expenditure")
    assert income.unit is Unit.yuan and expenditure.unit is Unit.wan
    v = income.rows[0].values["amount"]
    assert v.raw == "477,884.00" and v.value == Decimal("477884.00") and v.wan == Decimal("47.7884")
    assert expenditure.rows[0].values["amount"].wan == Decimal("477884.00")


def test_unit_in_a_header_line_inside_the_table() -> None:
    rows = [
        ["部门：某某局", "", "2024年度", "", "单位：元"],
        ["项目", "", "本年支出", "", ""],
        ["功能分类科目编码", "科目名称", "小计", "基本支出", "项目支出"],
        ["", "合计", "100", "60", "40"],
    ]
    doc = layout(TextBlock("一般公共预算财政拨款支出决算表"), TextBlock("公开05表"), grid(rows))
    table = only(extract_tables(doc)[0], "general_budget_expenditure")
    assert table.unit is Unit.yuan
    assert [c.key for c in table.columns] == ["total", "basic", "project"]
    assert table.rows[0].values["total"].wan == Decimal("0.01")


# --- two-column summary tables -------------------------------------------------------------------

SUMMARY = [
    ["收入", "", "支出", "", "", ""],
    ["项目", "金额", "项目", "合计", "一般公共预算", "政府性基金"],
    ["一、本年收入", "110.00", "一、本年支出", "110.00", "100.00", "10.00"],
    ["（一）一般公共预算拨款", "100.00", "（一）一般公共服务支出", "90.00", "90.00", ""],
    ["（二）政府性基金预算拨款", "10.00", "（二）文化体育与传媒支出", "20.00", "10.00", "10.00"],
    ["二、上年结转", "5.00", "（三）人行科目", "", "", ""],
    ["（一）一般公共预算拨款", "5.00", "二、年终结转结余", "5.00", "5.00", ""],
    ["", "", "", "", "", ""],
    ["收入合计", "115.00", "支出合计", "115.00", "105.00", "10.00"],
]


def test_two_column_summary_splits_into_income_and_expenditure_lines() -> None:
    doc = layout(TextBlock("2024年财政拨款收支预算表"), TextBlock("单位：万元"), grid(SUMMARY))
    table = only(extract_tables(doc)[0], "fiscal_appropriation_summary")
    got = [(r.row_code or r.code, vals(r).get("total", vals(r).get("amount"))) for r in table.rows]
    assert got == [
        ("income_total", Decimal("110.00")), ("general_budget", Decimal("100.00")),
        ("gov_fund", Decimal("10.00")), ("carryover", Decimal("5.00")),
        ("carryover.general_budget", Decimal("5.00")), ("grand_total_income", Decimal("115.00")),
        ("expenditure_total", Decimal("110.00")), ("201", Decimal("90.00")),
        ("207", Decimal("20.00")), (None, None), ("year_end_carryover", Decimal("5.00")),
        ("grand_total_expenditure", Decimal("115.00")),
    ]  # fmt: skip
    assert table.rows[7].level == 1 and table.rows[9].name == "（三）人行科目"
    assert [c.key for c in table.columns] == ["amount", "total", "general_budget", "gov_fund"]
    assert set(table.rows[0].values) == {"amount"} and set(table.rows[6].values) == {
        "total",
        "general_budget",
        "gov_fund",
    }


def test_three_repeated_blocks_read_left_to_right() -> None:
    rows = [
        ["科目编码", "科目名称", "决算数", "科目编码", "科目名称", "决算数"],
        ["301", "工资福利支出", "10.00", "302", "商品和服务支出", "3.00"],
        ["30101", "基本工资", "10.00", "30201", "办公费", "3.00"],
        ["", "人员经费合计", "10.00", "", "公用经费合计", "3.00"],
    ]
    doc = layout(
        TextBlock("一般公共预算财政拨款基本支出决算明细表"), TextBlock("单位：万元"), grid(rows)
    )
    table = only(extract_tables(doc)[0], "basic_expenditure")
    assert [(r.code, r.row_code) for r in table.rows] == [
        ("301", None), ("30101", None), (None, "personnel_total"),
        ("302", None), ("30201", None), (None, "public_total"),
    ]  # fmt: skip
    assert [c.key for c in table.columns] == ["amount"]


# --- stitching and empty tables ------------------------------------------------------------------

HEAD = [["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["栏次", "", "1", "2", "3"]]


def test_table_continued_on_next_page_is_stitched() -> None:
    page1 = [*HEAD, ["", "合计", "30", "20", "10"], ["201", "一般公共服务支出", "20", "20", ""]]
    page2 = [
        *HEAD,
        ["2013701", "行政运行", "20", "20", ""],
        ["208", "社会保障和就业支出", "10", "", "10"],
    ]
    doc = layout(
        TextBlock("一般公共预算支出表", page=0),
        TextBlock("单位：万元", page=0),
        grid(page1, page=0),
        TextBlock("第 1 页", page=0), grid(page2, page=1),
        pages=2,
    )  # fmt: skip
    tables, problems = extract_tables(doc)
    assert problems == [] and len(tables) == 1
    table = tables[0]
    assert table.pages == [1, 2]
    assert [r.code or r.row_code for r in table.rows] == ["total", "201", "2013701", "208"]
    assert table.rows[3].values["project"].page == 2


def test_headerless_continuation_with_repeated_title_and_trimmed_columns() -> None:
    page2 = [["", "", "二、年终结转结余", ""], ["收入合计", "115.00", "支出合计", "115.00"]]
    doc = layout(
        TextBlock("财政拨款收支预算表"), TextBlock("单位：万元"), grid(SUMMARY[:6]),
        TextBlock("财政拨款收支预算表"), TextBlock("单位：万元"), grid(page2),
    )  # fmt: skip
    tables, _ = extract_tables(doc)
    assert len(tables) == 1
    codes = [r.row_code for r in tables[0].rows]
    assert codes[-2:] == ["year_end_carryover", "grand_total_expenditure"]
    assert "grand_total_income" in codes


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ([["", "", "", "", ""]], "注：无政府性基金预算财政拨款预算，空表列示。"),
        ([["", "合计", "", "", ""]], ""),
        ([["", "合计", "0.00", "0.00", "0.00"]], "说明：我部门没有政府性基金收入，故本表无数据。"),
    ],
)
def test_empty_tables_as_published(body: list[list[str]], note: str) -> None:
    blocks = [TextBlock("政府性基金预算财政拨款支出表"), TextBlock("单位：万元"), grid(HEAD + body)]
    if note:
        blocks.append(TextBlock(note))
    table = only(extract_tables(layout(*blocks))[0], "gov_fund")
    assert table.empty
    assert all(r.name for r in table.rows)  # nothing invented


def test_zeros_without_a_note_are_data() -> None:
    rows = [["项目", "预算数"], ["因公出国（境）费", "0.00"], ["公务接待费", "0.00"]]
    doc = layout(TextBlock("三公经费支出表"), TextBlock("单位：万元"), grid(rows))
    table = only(extract_tables(doc)[0], "sangong")
    assert not table.empty
    assert [r.row_code for r in table.rows] == ["abroad", "reception"]


# --- classification ------------------------------------------------------------------------------


def test_unclassified_table_is_a_problem_and_nonstandard_is_skipped() -> None:
    doc = layout(
        TextBlock("部门机构设置情况"), grid([["单位名称", "单位性质"], ["本级", "行政"]]),
        TextBlock("下面是一段很长的叙述文字。" * 12), grid([["甲", "乙"], ["1.00", "2.00"]]),
        TextBlock("项目绩效目标表"), grid([["一级指标", "指标值"], ["产出指标", "100%"]]),
        grid([["二级指标", "指标值"], ["数量指标", "5个"], ["质量指标", "达标"]]),
    )  # fmt: skip
    tables, problems = extract_tables(doc)
    assert tables == []
    assert len(problems) == 1 and "without a recognisable title" in problems[0].message


@pytest.mark.parametrize(
    ("rule_key", "title"), [(r.key, e) for r in table_catalogue().rules for e in r.examples]
)
def test_catalogue_examples_classify(rule_key: str, title: str) -> None:
    rule = classify_title(title)
    assert rule is not None and rule.key == rule_key


@pytest.mark.parametrize(
    "text",
    [
        "一、收入支出预算总体情况说明",
        "（四）国有资产占用情况。",
        "第二部分 2024年度部门决算表",
        "五、部门整体绩效目标",
    ],
)
def test_narrative_headings_are_not_standard_titles(text: str) -> None:
    rule = classify_title(text)
    assert rule is None or not rule.standard


# --- rows ----------------------------------------------------------------------------------------


def test_codes_embedded_in_names_and_unit_rows() -> None:
    rows = [
        ["科目", "合计"],
        ["合计", "10"],
        ["227001 中共某某委员会办公室", "10"],
        ["2013701 行政运行", "10"],
        ["【20137】网信事务", "10"],
        ["2024年网络安全检测检查", "10"],  # a year is not a code
        ["", ""],
        ["注：本表反映部门本年度支出情况。", ""],
    ]
    doc = layout(TextBlock("部门支出总表"), TextBlock("单位：万元"), grid(rows))
    table = only(extract_tables(doc)[0], "expenditure")
    assert [(r.code, r.row_code, r.name) for r in table.rows] == [
        (None, "total", "合计"), (None, "unit", "中共某某委员会办公室"),
        ("2013701", None, "行政运行"), ("20137", None, "网信事务"),
        (None, None, "2024年网络安全检测检查"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("paths", "keys"),
    [
        (
            [
                ["总计"],
                ["本年收入", "合计"],
                ["本年收入", "一般公共预算", "小计"],
                ["本年收入", "一般公共预算", "其中：财政拨款"],
                ["上年结转结余", "合计"],
                ["上年结转结余", "一般公共预算"],
            ],
            [
                "total",
                "income.total",
                "general_budget",
                "fiscal",
                "carryover.total",
                "carryover.general_budget",
            ],
        ),
        (
            [
                ["合计"],
                ["基本支出", "小计"],
                ["基本支出", "人员经费", "工资福利支出"],
                ["项目支出", "特定目标类"],
            ],
            ["total", "basic", "wages", "project_specific"],
        ),
        (
            [["本年支出合计"], ["上解上级 支出"], ["对附属单位补助支出"], ["经营支出"]],
            ["total", "remit_upper", "subsidy_affiliated", "operating"],
        ),
        (
            [["年初结转和结余"], ["本年收入"], ["本年支出", "小计"], ["年末结转和结余"]],
            ["carryover", "income", "total", "year_end_carryover"],
        ),
        (
            [
                ["“三公”经费合计"],
                ["因公出国（境）费"],
                ["公务用车购置及运行费", "小计"],
                ["公务用车购置及运行费", "公务用车购置费"],
                ["公务用车购置及运行费", "公务用车运行维护费"],
                ["公务接待费"],
            ],
            ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"],
        ),
        ([["预算数"], ["决算数"], ["完成率（%）"]], ["budget", "actual", "rate"]),
        (
            [
                ["预算数", "合计"],
                ["预算数", "公务接待费"],
                ["决算数", "合计"],
                ["决算数", "公务接待费"],
            ],
            ["budget.total", "budget.reception", "actual.total", "actual.reception"],
        ),
    ],
)
def test_column_keys(paths: list[list[str]], keys: list[str]) -> None:
    specs = [column_spec(i, p) for i, p in enumerate(paths)]
    resolve_collisions(specs)
    assert [s.key for s in specs] == keys
    assert all(not s.problems for s in specs)
