"""The checks on synthetic documents: silent when consistent, precise when one thing is wrong."""

from __future__ import annotations

import random
from decimal import Decimal
from functools import cache

import pytest

from schemas import Column, DocType, Document, FindingKind, Row, Table, Unit, Value
from schemas.narrative import Amount, NarrativeFact
from tools.synth import generate, to_blocks
from tools.synth_errors import EXTRACTION_KINDS, KINDS, inject_error
from worker.layout import Layout
from worker.narrative import parse_narrative
from worker.pipeline.checks import run_checks
from worker.rules import TEMPLATES, Rule, catalogue

SEEDS = range(60)


@cache
def doc_of(seed: int) -> Document:
    return generate(seed)


def test_consistent_documents_are_silent() -> None:
    for seed in range(300):
        doc = generate(seed)
        assert run_checks(doc) == [], doc.doc_id


def test_silent_when_the_narrative_is_read_back_from_the_layout() -> None:
    for seed in range(300, 400):
        doc = generate(seed)
        doc.narrative = parse_narrative(Layout(blocks=to_blocks(doc, seed)))
        assert run_checks(doc) == [], doc.doc_id


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_injected_error_is_caught_where_it_is(kind: str) -> None:
    applicable = 0
    for seed in SEEDS:
        injected = inject_error(doc_of(seed), kind, random.Random(seed))
        if injected is None:
            continue
        applicable += 1
        bad, where = injected
        hits = [
            f
            for f in run_checks(bad)
            if f.rule_id == KINDS[kind]
            and any(
                loc.table_key == where.table_key
                and loc.row_code == where.row_code
                and where.column_key in (None, loc.column_key)
                for loc in f.locations
            )
        ]
        assert hits, (seed, kind, where)
        wanted = FindingKind.extraction if kind in EXTRACTION_KINDS else FindingKind.document
        assert any(f.kind == wanted for f in hits), (seed, kind)
        assert all(f.tolerance is not None for f in hits if f.expected is not None)
    assert applicable >= 10


def _table(
    key: str, unit: Unit, rows: list[tuple[str | None, str | None, dict[str, str]]], cols: list[str]
) -> Table:
    scale = Decimal("0.0001") if unit == Unit.yuan else Decimal(1)
    return Table(
        key=key,
        title=key,
        unit=unit,
        columns=[Column(key=c, title=c) for c in cols],
        rows=[
            Row(
                code=code,
                row_code=rc,
                values={
                    k: Value(raw=v, value=Decimal(v), wan=Decimal(v) * scale)
                    for k, v in vals.items()
                },
            )
            for code, rc, vals in rows
        ],
    )


def _doc(*tables: Table, narrative: list[NarrativeFact] | None = None) -> Document:
    return Document(
        doc_id="t", doc_type=DocType.budget, tables=list(tables), narrative=narrative or []
    )


@pytest.mark.parametrize(
    ("class_total", "flagged"), [("30.00", False), ("30.02", False), ("30.03", True)]
)
def test_tolerance_grows_with_the_number_of_printed_addends(
    class_total: str, flagged: bool
) -> None:
    # 9.99 + 10.00 + 10.01: three rounded children plus the parent → up to 4 × 0.005 = 0.02
    rows = [
        (None, "total", {"total": class_total}),
        ("201", None, {"total": class_total}),
        ("20101", None, {"total": "9.99"}),
        ("20102", None, {"total": "10.00"}),
        ("20103", None, {"total": "10.01"}),
    ]
    found = run_checks(_doc(_table("expenditure", Unit.wan, rows, ["total"])))
    assert bool(found) is flagged
    if flagged:
        assert found[0].tolerance == Decimal("0.020") and found[0].difference == Decimal("0.03")


def test_units_are_normalized_before_comparing() -> None:
    # a 元 table against a 万元 sentence: 4778840.00 元 = 477.884 万元 ≈ 477.88 万元
    t = _table(
        "expenditure",
        Unit.yuan,
        [(None, "total", {"total": "4778840.00", "basic": "4778840.00", "project": "0.00"})],
        ["total", "basic", "project"],
    )
    said = Amount(raw="477.88", value=Decimal("477.88"), unit="万元", wan=Decimal("477.88"))
    fact = NarrativeFact(subject="basic", amount=said)
    assert run_checks(_doc(t, narrative=[fact])) == []
    wrong = fact.model_copy(update={"amount": said.model_copy(update={"wan": Decimal("478.88")})})
    [f] = run_checks(_doc(t, narrative=[wrong]))
    assert f.rule_id == "narrative.amount" and f.expected == Decimal("477.884")


def test_a_value_missing_from_the_page_text_is_an_extraction_problem() -> None:
    t = _table(
        "expenditure",
        Unit.wan,
        [(None, "total", {"total": "12.50", "basic": "12.50", "project": "0.00"})],
        ["total", "basic", "project"],
    )
    doc = _doc(t)
    doc.page_texts = ["合计 12.50 12.50"]
    assert run_checks(doc) == []
    doc.page_texts = ["合计 12.80 12.80"]
    found = run_checks(doc)
    assert {f.rule_id for f in found} == {"extraction.raw_in_text"}
    assert all(f.kind == FindingKind.extraction for f in found)


def test_catalogue_rules_are_data() -> None:
    rules = catalogue()
    assert len({r.id for r in rules}) == len(rules) >= 40
    for r in rules:
        assert r.zh and r.en and r.check in TEMPLATES
    # a new identity is a new entry: no dispatcher to edit
    extra = Rule(
        id="custom.basic_equals_total",
        zh="基本支出 = 合计",
        en="basic = total",
        check="linear",
        params={"lhs": ["expenditure:@total:basic"], "rhs": ["expenditure:@total:total"]},
    )
    doc = generate(5)
    found = run_checks(doc, rules=(extra,))
    assert [f.rule_id for f in found] == ["custom.basic_equals_total"]


def test_self_evaluation_sections_from_the_llm_stage() -> None:
    # seed 003's own figures: the department scored 10/10 for an execution rate of 90.43%, the
    # 网络主题宣传 paragraph says 执行数 6 万元 and 得分 99.5 where its table says 40 and 99
    from schemas.performance import (
        GradeCounts,
        Indicator,
        ProjectEvaluation,
        SectionKind,
        SectionResult,
        SectionStatus,
        SelfEvaluation,
    )

    d = Decimal
    evaluation = SelfEvaluation(
        grade_counts=[GradeCounts(evaluated=14, excellent=9, good=2, fair=0, poor=1)],
        projects=[
            ProjectEvaluation(
                name="网络主题宣传（2024）",
                full_year_budget=d(40),
                actual=d(40),
                rate=d("100.0"),
                weight=d(10),
                score=d(99),
            ),
            ProjectEvaluation(
                name="部门整体",
                full_year_budget=d("888.43"),
                actual=d("803.42"),
                rate=d("90.43"),
                weight=d(10),
                score=d("99.75"),
                indicators=[Indicator(name="x", weight=d(90), score=d("89.75"))],
            ),
            ProjectEvaluation(
                name="公益岗",
                full_year_budget=d("3.77"),
                actual=d("2.74"),
                rate=d("70.00"),
                weight=d(10),
                score=d("97.27"),
            ),
        ],
    )
    section = SectionResult(
        section_id="s",
        kind=SectionKind.self_evaluation,
        status=SectionStatus.ok,
        data=evaluation.model_dump(mode="json"),
    )
    said = NarrativeFact(
        subject="named_project",
        name="网络主题宣传",
        score=d("99.5"),
        actual=Amount(raw="6", value=d(6), unit="万元", wan=d(6)),
    )
    found = run_checks(_doc(narrative=[said]), sections=[section])
    assert sorted(f.rule_id for f in found) == [
        "performance.grades",
        "performance.narrative",
        "performance.narrative",
        "performance.rate",
        "performance.score",
    ]
    assert run_checks(_doc(), sections=[]) == []


def test_an_indicator_printed_twice_with_two_values_is_a_finding() -> None:
    from schemas.performance import (
        DepartmentTargets,
        Indicator,
        ProjectTarget,
        ProjectTargets,
        SectionKind,
        SectionResult,
        SectionStatus,
    )

    def row(name: str, value: str, level2: str = "数量指标") -> Indicator:
        return Indicator(level1="产出指标", level2=level2, name=name, value=value)

    dept = DepartmentTargets(department="某局", indicators=[
        row("培训人次", "≥300人次"), row("培训 人次", "≥300人次"),  # wrapped: the same value
        row("检查次数", "≥12次"), row("检查次数", "≥10次"),
        row("检查次数", "100%", level2="质量指标"),  # another 二级指标: another indicator
    ])
    project = ProjectTarget(name="网络宣传", code=None, amount=None, indicators=[
        row("发稿数", "≥50篇"), row("发稿数", "≥60篇"),
    ])
    sections = [
        SectionResult(section_id=f"s{i}", kind=kind, status=SectionStatus.ok,
                      data=model.model_dump(mode="json"))
        for i, (kind, model) in enumerate([
            (SectionKind.department_targets, dept),
            (SectionKind.project_targets, ProjectTargets(projects=[project])),
        ])
    ]
    found = [f for f in run_checks(_doc(), sections=sections) if f.rule_id == "performance.repeat"]
    assert [(f.locations[0].row_code, f.locations[0].column_key) for f in found] == [
        ("某局", "检查次数"), ("网络宣传", "发稿数"),
    ]
    assert "≥12次 与 ≥10次" in found[0].message


def test_a_target_amount_agrees_with_any_project_of_its_name() -> None:
    """Several projects can share a name (烟台审计局 2026: three 审计业务经费 of 31.00, 539.00 and
    18.00 on p.24, each with its own 绩效目标表): a target's amount is checked against all of
    them, so only an amount none of them prints is a finding."""
    from schemas.performance import (
        ProjectTarget,
        ProjectTargets,
        SectionKind,
        SectionResult,
        SectionStatus,
    )

    def row(name: str | None, total: str, code: str | None = None) -> Row:
        value = Value(raw=total, value=Decimal(total), wan=Decimal(total))
        return Row(code=code, row_code="total" if name is None else None, name=name or "合计",
                   values={"total": value})

    table = Table(key="project_expenditure", title="项目支出预算表", unit=Unit.wan,
                  columns=[Column(key="total", title="合计")],
                  rows=[row(None, "627.00"), row("审计业务经费", "31.00"),
                        row("等保测评服务", "39.00"), row("审计业务经费", "539.00"),
                        row("审计业务经费", "18.00")])
    targets = ProjectTargets(projects=[
        ProjectTarget(code=None, name="审计业务经费", amount=Decimal(a))
        for a in ("31", "539", "18", "40")
    ])
    section = SectionResult(section_id="s", kind=SectionKind.project_targets,
                            status=SectionStatus.ok, data=targets.model_dump(mode="json"))
    found = [f for f in run_checks(_doc(table), sections=[section])
             if f.rule_id == "performance.targets"]
    assert [f.actual for f in found] == [Decimal("40")]
    assert "审计业务经费 绩效目标金额 40，项目支出表为 31.00、539.00、18.00" in found[0].message
