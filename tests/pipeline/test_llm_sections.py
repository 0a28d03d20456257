"""The chunker that picks the LLM's sections, and the golden files the benchmark scores against."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.llm import facts
from schemas.performance import DepartmentTargets, ProjectTargets, SectionKind
from tests.support.samples import REPO, SAMPLES
from worker.formats.text import read_text
from worker.layout import Cell, Layout, PageInfo, TableBlock, TextBlock
from worker.llm.grounding import Grounding, find_problems
from worker.pipeline.sections import default_rules, find_sections, project_names

GOLDEN = REPO / "tests" / "data" / "llm"
MODELS = {"project_targets": ProjectTargets, "department_targets": DepartmentTargets}


def table(rows: list[list[str]], page: int | None = None) -> TableBlock:
    return TableBlock([[Cell(t, page=page) for t in row] for row in rows], page=page)


INDICATORS = [
    ["一级指标", "二级指标", "三级指标", "指标值"],
    ["产出指标", "数量指标", "培训次数", "≥4次"],
    ["", "质量指标", "完成率", "100%"],
]


def layout(*blocks) -> Layout:
    return Layout(pages=[PageInfo(0, 595.0, 842.0)], blocks=list(blocks))


def test_table_sections_run_from_title_to_next_heading_with_pages():
    found = find_sections(
        layout(
            TextBlock("四、其他说明", page=2),
            TextBlock("1、培训项目绩效目标表", page=3),
            TextBlock("单位：万元", page=3),
            table(INDICATORS, page=3),
            table([["", "时效指标", "按时完成率", "≥90%"]], page=4),
            TextBlock("八、政府采购预算情况", page=4),
            TextBlock("本年政府采购预算0万元。", page=4),
        )
    )
    (section,) = found
    assert section.kind == SectionKind.project_targets
    assert section.pages == [4, 5]  # 1-based
    assert section.expected_indicators == 3  # the headerless continuation table counts too
    assert "单位：万元" in section.text and "按时完成率 | ≥90%" in section.text
    assert "政府采购" not in section.text


def test_titles_without_a_table_are_table_of_contents_lines():
    found = find_sections(
        layout(TextBlock("- 十三、部门整体绩效目标表"), TextBlock("- 十四、项目绩效目标表"))
    )
    assert found == []


def test_repeated_title_after_a_page_break_joins_but_a_new_record_does_not():
    title = "部门整体绩效目标表"
    head = [["部门(单位)名称", "某部门"], *INDICATORS]
    cont = [["效益指标", "满意度", "满意度", "≥95%"]]
    found = find_sections(
        layout(
            TextBlock(title),
            table(head),
            TextBlock(title),
            table(cont),
            TextBlock(title),
            table(head),
        )
    )
    assert [s.kind for s in found] == [SectionKind.department_targets] * 2
    assert found[0].expected_indicators == 3 and "≥95%" in found[0].text


def test_narrative_sections_end_at_a_heading_of_their_level():
    found = find_sections(
        layout(
            TextBlock("五、部门整体绩效目标"),
            TextBlock("（一）总体绩效目标"),
            TextBlock("全年完成网络安全检查不少于5次，舆情处置率达到90%以上。"),
            TextBlock("六、政府采购情况"),
            TextBlock("本年无政府采购。"),
            TextBlock("（二）项目绩效自评结果。"),
            TextBlock("2024年对本部门3个项目开展绩效自评，其中优2个、良1个。"),
        )
    )
    assert [s.kind for s in found] == [SectionKind.narrative_targets, SectionKind.self_evaluation]
    assert "不少于5次" in found[0].text and "政府采购" not in found[0].text
    assert found[1].text.startswith("（二）项目绩效自评结果。")


def test_long_table_is_split_with_its_header_repeated():
    rows = [INDICATORS[0]] + [["", "数量指标", f"指标{i:03d}", f"≥{i}次"] for i in range(400)]
    found = find_sections(layout(TextBlock("某项目绩效目标表"), table(rows)))
    limit = default_rules().max_section_chars
    assert len(found) > 1
    assert all(len(s.text) <= limit + 200 for s in found)
    assert all("三级指标" in s.text for s in found)
    assert sum(s.expected_indicators or 0 for s in found) == 400
    assert [s.section_id for s in found][:2] == ["project_targets-1-p1", "project_targets-1-p2"]


def test_project_names_from_forms_and_list_tables():
    form = table([["项目编码", "", "P001", "", "项目名称", "", "网络安全检查"]])
    listing = table(
        [["单位编码", "单位名称", "项目名称", "项目类别", "金额"], ["1", "某部门", "培训费", "一般", "2"],
         ["1", "某部门", "宣传费", "一般", "3"]]
    )  # fmt: skip
    assert project_names(layout(form, listing)) == ["网络安全检查", "培训费", "宣传费"]


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    if not SAMPLES.exists():
        pytest.skip(f"seed documents not found at {SAMPLES}")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))}


def test_every_seed_has_llm_sections_none_too_long(seeds: dict[str, str]):
    limit = default_rules().max_section_chars
    for name, text in seeds.items():
        found = find_sections(read_text(text))
        assert found, name
        assert all(len(s.text) <= limit + 200 for s in found), name
        assert len({s.section_id for s in found}) == len(found)


def golden_cases() -> list[Path]:
    return sorted(GOLDEN.glob("*.json"))


@pytest.mark.parametrize("path", golden_cases(), ids=lambda p: p.stem)
def test_golden_files_are_grounded_in_their_seed_section(path: Path, seeds: dict[str, str]):
    """The hand-written goldens: valid, every value printed in the section, all rows there."""
    case = json.loads(path.read_text(encoding="utf-8"))
    text = seeds[case["seed"]]
    layout_ = read_text(text)
    section = {s.section_id: s for s in find_sections(layout_)}[case["section_id"]]
    assert section.kind.value == case["kind"]
    expected = MODELS[case["kind"]].model_validate(case["expected"])
    source, injected = Grounding.build(section.text, text, project_names(layout_))
    assert injected == []
    assert [p.describe() for p in find_problems(expected, source)] == []
    rows = sum(len(p.indicators) for p in getattr(expected, "projects", [])) or len(
        getattr(expected, "indicators", [])
    )
    # the chunker's count is what re-asks a model that skipped rows: it must not overshoot
    assert section.expected_indicators is not None and section.expected_indicators <= rows
    assert sum(facts(case["expected"]).values()) > rows


def test_bench_scores_golden_answers_perfectly_and_empty_ones_zero():
    from bench.llm import accuracy
    from schemas.performance import SectionResult, SectionStatus

    results: dict[str, list[SectionResult]] = {}
    for path in golden_cases():
        case = json.loads(path.read_text(encoding="utf-8"))
        result = SectionResult(
            section_id=case["section_id"],
            kind=case["kind"],
            status=SectionStatus.ok,
            data=case["expected"],
        )
        results.setdefault(case["seed"], []).append(result)
    perfect = accuracy(results)
    assert perfect["recall"] == perfect["precision"] == 1.0
    assert perfect["facts_expected"] > 150
    assert accuracy({})["recall"] == 0.0
