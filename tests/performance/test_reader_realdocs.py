"""The reader on a real form whose values print a line below their 三级指标 (西安 行政审批服务局
2025, 表14 部门专项业务经费绩效目标表, page 37; checked by eye against the page rendered with
PyMuPDF at 80 dpi: six indicators, 成本 191.98万元, ≤33人, 100%, 12个月, 100%, ≥95%), and a form
of the same document printed empty (page 46), then the same two cases drawn in code."""

from __future__ import annotations

import pymupdf
import pytest

from schemas.performance import SectionKind, SectionStatus, Source
from tests.support.pdf_builders import TableSpec, draw_table, finish, new_page, put_text
from tests.support.samples import REALDOCS
from worker.performance import EMPTY_FORM
from worker.pipeline import Options, process

PDF = REALDOCS / "xian_xzspfwj_2025_budget.pdf"


def test_values_a_line_below_their_name_are_the_same_row() -> None:
    out = process(PDF.read_bytes(), "pdf", "x", PDF.name, Options.defaults())
    (table,) = [s for s in out.document.sections if s.section_id == "project_targets-3"]
    rows = table.data["projects"][0]["indicators"]  # type: ignore[index]
    assert [(r["level2"], r["name"], r["value"]) for r in rows] == [
        ("经济成本", "东、西厅安检、保安及保洁服务预算成本", "191.98万元"),
        ("数量指标", "提供物业服务人数", "≤33人"),
        ("质量指标", "餐厅饭菜卫生合格率", "100%"),
        ("时效指标", "物业管理服务时间", "12个月"),
        ("社会效益指标", "保障大厅办公正常", "100%"),
        ("服务对象满意度指标", "工作人员满意度", "≥95%"),
    ]
    assert table.status == SectionStatus.ok
    assert table.where["projects.0.indicators.1.value"].page == 37


def test_a_form_printed_empty_is_recorded_and_not_sent_to_the_llm() -> None:
    """表16 专项资金总体绩效目标表 (page 46, rendered at 110 dpi and looked at: the template's
    一级/二级指标 printed, 项目名称, 资金金额, 三级指标 and 指标值 all blank)."""
    out = process(PDF.read_bytes(), "pdf", "x", PDF.name, Options.defaults())
    assert not [s.section_id for s in out.sections if s.kind != SectionKind.narrative_targets]
    (blank,) = [s for s in out.document.sections if s.section_id == "project_targets-12"]
    assert blank.data is None and blank.reasons == [EMPTY_FORM] and blank.pages == [46]
    assert blank.status == SectionStatus.ok and blank.source == Source.parser


def _form(values: bool) -> bytes:
    """A 项目支出绩效目标表 drawn in code: the MOF levels, 三级指标 and 指标值 filled or not."""
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("效益指标", "社会效益指标"),
              ("满意度指标", "服务对象满意度指标")]
    rows = [["项目名称", "" if not values else "政务服务保障", "", ""],
            ["一级指标", "二级指标", "三级指标", "指标值"]]
    rows += [[a, b, f"指标{n}" if values else "", "≥95%" if values else "/"]
             for n, (a, b) in enumerate(levels)]
    doc = pymupdf.open()
    page = new_page(doc)
    put_text(page, 50, 70, "项目支出绩效目标表")
    draw_table(page, TableSpec(rows=rows, col_widths=[90, 110, 160, 90]))
    return finish(doc).tobytes()


@pytest.mark.parametrize("values", [False, True], ids=["blank", "filled"])
def test_an_empty_form_drawn_in_code(values: bool) -> None:
    out = process(_form(values), "pdf", "x", "t.pdf", Options.defaults())
    assert out.sections == []  # nothing for the LLM either way
    (section,) = out.document.sections
    assert section.kind == SectionKind.project_targets
    if values:
        rows = section.data["projects"][0]["indicators"]  # type: ignore[index]
        assert [(r["level2"], r["value"]) for r in rows][:1] == [("数量指标", "≥95%")]
        assert len(rows) == 4 and section.reasons == []
    else:
        assert section.data is None and section.reasons == [EMPTY_FORM]


def test_parallel_items_and_numbered_names_drawn_in_code() -> None:
    """西安's way of listing two indicators in one row ("A；B" beside "1；2") and numbering names
    ("指标1："), drawn in code: one indicator per item, the numbering dropped; a "；" in a name
    beside a single value is left alone."""
    rows = [["项目名称", "物业管理", "", ""],
            ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "指标1：物业管理面积；服务人次", "17839平方米；每天3000人次"],
            ["产出指标", "质量指标", "指标2：维修次数", "≥2次"],
            ["产出指标", "成本指标", "指标：物业管理成本", "123.5万元/年"],
            ["效益指标", "社会效益指标", "保障办公；提供场所", "良好"]]
    doc = pymupdf.open()
    page = new_page(doc)
    put_text(page, 50, 70, "项目支出绩效目标表")
    draw_table(page, TableSpec(rows=rows, col_widths=[70, 80, 200, 120]))
    out = process(finish(doc).tobytes(), "pdf", "x", "t.pdf", Options.defaults())
    (section,) = out.document.sections
    got = [(r["level2"], r["name"], r["value"])
           for r in section.data["projects"][0]["indicators"]]  # type: ignore[index]
    assert got == [
        ("数量指标", "物业管理面积", "17839平方米"),
        ("数量指标", "服务人次", "每天3000人次"),
        ("质量指标", "维修次数", "≥2次"),
        ("成本指标", "物业管理成本", "123.5万元/年"),
        ("社会效益指标", "保障办公；提供场所", "良好"),
    ]


def _continued_form() -> bytes:
    """北京 预算13表's layout drawn in code: a 9-column form (部门名称, 总体资金情况, then 活动 | 绩效指标 |
    指标性质 | 指标值 | 度量单位, three of them merged over two columns, and a label column merged
    down the left), continued on a second page drawn on 6 columns that start where the header's
    columns start, the left label printed there (整体绩效目标)."""
    widths = [60.0, 50.0, 50.0, 80.0, 80.0, 50.0, 40.0, 40.0, 50.0]
    rows = [["部门名称", "", "某某局", "", "", "", "", "", ""],
            ["总体资金情况（万元）", "", "预算支出总额", "合计", "基本支出", "项目支出", "合计",
             "基本支出", "项目支出"],
            ["", "", "100.00", "100.00", "60.00", "40.00", "", "", ""],
            ["", "活动", "", "绩效指标", "", "指标性质", "指标值", "", "度量单位"],
            ["", "植树活动", "", "产出指标数量指标苗木", "", "＝", "4132", "", "株"],
            ["", "植树活动", "", "产出指标质量指标成活率", "", "≥", "90", "", "%"]]
    merges = [(0, 0, 0, 1), (0, 2, 0, 8), (1, 0, 2, 1), (3, 0, 5, 0)]
    merges += [(r, c, r, c + 1) for r in (3, 4, 5) for c in (1, 3, 6)]
    doc = pymupdf.open()
    page = new_page(doc, landscape=True)
    put_text(page, 50, 70, "部门整体支出绩效目标表")
    draw_table(page, TableSpec(rows=rows, col_widths=widths, merges=merges))
    rest = [["整体绩效目标", "宣传教育", "满意度指标服务对象满意度指标满意率", "≥", "95", "%"],
            ["", "宣传教育", "成本指标经济成本指标宣传费", "≤", "15.7", "万元"],
            ["", "宣传教育", "效益指标社会效益指标宣传理念", "定性", "效果显著", ""]]
    spans = [widths[0], widths[1] + widths[2], widths[3] + widths[4], widths[5],
             widths[6] + widths[7], widths[8]]
    page = new_page(doc, landscape=True)
    draw_table(page, TableSpec(rows=rest, col_widths=spans, merges=[(0, 0, 2, 0)]))
    return finish(doc).tobytes()


def test_a_continuation_drawn_on_fewer_columns_reads_under_the_columns_it_starts_at() -> None:
    """The continuation's cells are placed by where they start (活动 → 活动, 指标性质 → 指标性质),
    not in order onto the columns the header maps (活动 read as 绩效指标, 指标值 lost: 北京绿化办
    2026 p.25–27); its first row, beside the left label 整体绩效目标, is an indicator row."""
    out = process(_continued_form(), "pdf", "x", "t.pdf", Options.defaults())
    (section,) = out.document.sections
    rows = section.data["indicators"]  # type: ignore[index]
    assert [(r["level2"], r["name"], r["comparator"], r["value"], r["unit"]) for r in rows] == [
        ("数量指标", "苗木", "＝", "4132", "株"),
        ("质量指标", "成活率", "≥", "90", "%"),
        ("服务对象满意度指标", "满意率", "≥", "95", "%"),
        ("经济成本指标", "宣传费", "≤", "15.7", "万元"),
        ("社会效益指标", "宣传理念", "定性", "效果显著", None),
    ]


def test_the_sum_of_the_main_tasks_is_the_department_budget() -> None:
    """表15 部门整体支出绩效目标表 (p.45, rendered at 110 dpi and looked at): its budget is printed
    only in the 年度主要任务 table — 基本履职 2,080.76万元, 市政务服务中心管理运转及行政审批工作专项
    业务经费 3,013.00万元, 金额合计 5,093.76万元: the total is the department's, the rows are tasks
    (not the first task's figure taken as the department's)."""
    out = process(PDF.read_bytes(), "pdf", "x", PDF.name, Options.defaults())
    (dept,) = [s for s in out.document.sections if s.kind == SectionKind.department_targets]
    assert dept.data is not None and dept.data["budget_total"] == "5093.76"
    assert dept.where["budget_total"].page == 45
    assert [t["name"] for t in dept.data["tasks"]] == [
        "基本履职", "市政务服务中心管理运转及行政审批工作专项业务经费"]
    assert dept.data["tasks"][0]["content"] == "人员经费及单位运转经费。"
