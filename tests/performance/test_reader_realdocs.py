"""The reader on a real form whose values print a line below their 三级指标 (西安 行政审批服务局
2025, 表14 部门专项业务经费绩效目标表, page 37; checked by eye against the page rendered with
PyMuPDF at 80 dpi: six indicators, 成本 191.98万元, ≤33人, 100%, 12个月, 100%, ≥95%)."""

from __future__ import annotations

from schemas.performance import SectionStatus
from tests.support.samples import REALDOCS
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
