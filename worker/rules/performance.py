"""Templates over the LLM-extracted performance sections (schemas/performance.py): 绩效自评
execution rates and scores, grade counts, and targets against the project table.

Numbers there are copied as printed in the section's unit (万元 in every template we know); a
figure exactly 10000× a table's 万元 figure is taken as printed in 元.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from schemas import Finding, Location
from schemas.performance import ProjectEvaluation
from worker.rules import Rule, template
from worker.rules.index import Index, finding
from worker.rules.narrative import HUNDRED, POINT, pct_bound, project_figs, same_name
from worker.rules.statements import NarrativeFact

HALF = Decimal("0.005")


def _loc(kind: str, name: str, field: str) -> Location:
    return Location(table_key=kind, row_code=name, column_key=field)


@template("perf_rate")
def perf_rate(ix: Index, rule: Rule) -> Iterator[Finding]:
    """执行率 = 全年执行数 / 全年预算数."""
    for ev in ix.evaluations:
        if ev.rate is None or ev.actual is None or not ev.full_year_budget:
            continue
        expected = HUNDRED * ev.actual / ev.full_year_budget
        tol = pct_bound(ev.rate) + HUNDRED * HALF * (
            1 / ev.full_year_budget + ev.actual / (ev.full_year_budget * ev.full_year_budget)
        )
        if abs(ev.rate - expected) > tol:
            ratio = f"{ev.actual}/{ev.full_year_budget}"
            detail = f"{ev.name} 执行率 {ev.rate}%，{ratio} 应为 {expected:.2f}%"
            yield finding(
                rule,
                detail,
                expected.quantize(POINT),
                ev.rate,
                tol.quantize(POINT),
                [_loc("self_evaluation", ev.name, "rate")],
            )


@template("perf_score")
def perf_score(ix: Index, rule: Rule) -> Iterator[Finding]:
    """总分 = 分值 × 执行率 (budget execution) + Σ indicator scores, when the weights are all
    there (they add up to 100)."""
    for ev in ix.evaluations:
        scored = [i for i in ev.indicators if i.weight is not None and i.score is not None]
        if ev.score is None or ev.weight is None or ev.rate is None or not scored:
            continue
        if sum((i.weight for i in scored), ev.weight) != 100:  # type: ignore[misc]
            continue
        execution = ev.weight * min(ev.rate, HUNDRED) / HUNDRED
        expected = execution + sum((i.score for i in scored), Decimal(0))  # type: ignore[misc]
        tol = POINT * (len(scored) + 1)
        if abs(ev.score - expected) > tol:
            detail = (
                f"{ev.name} 总分 {ev.score}，分值 {ev.weight} × 执行率 {ev.rate}% = "
                f"{execution:.2f} 加各指标得分应为 {expected:.2f}"
            )
            yield finding(
                rule,
                detail,
                expected.quantize(POINT),
                ev.score,
                tol,
                [_loc("self_evaluation", ev.name, "score")],
            )


@template("perf_grades")
def perf_grades(ix: Index, rule: Rule) -> Iterator[Finding]:
    for g in ix.grade_counts:
        parts = [g.excellent, g.good, g.fair, g.poor]
        if g.evaluated is None or all(p is None for p in parts):
            continue
        graded = sum(p or 0 for p in parts)
        if graded != g.evaluated:
            yield finding(
                rule,
                f"自评 {g.evaluated} 个项目，各等级合计 {graded} 个",
                Decimal(g.evaluated),
                Decimal(graded),
                Decimal(0),
                [_loc("self_evaluation", "grade_counts", "evaluated")],
            )


def _same(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= POINT or abs(a - b * 10000) <= POINT * 10000


@template("perf_vs_narrative")
def perf_vs_narrative(ix: Index, rule: Rule) -> Iterator[Finding]:
    """A project's 执行数 / 执行率 / 得分 in the narrative = its self-evaluation table."""
    for f in ix.doc.narrative:
        if f.subject != "named_project" or not f.name:
            continue
        for ev in ix.evaluations:
            if ev.name and same_name(ev.name, f.name):
                yield from _differ(rule, f, ev)


def _differ(rule: Rule, f: NarrativeFact, ev: ProjectEvaluation) -> Iterator[Finding]:
    pairs = [
        ("actual", f.actual.value if f.actual else None, ev.actual),
        ("rate_pct", f.rate_pct, ev.rate),
        ("score", f.score, ev.score),
    ]
    for field, said, table in pairs:
        if said is not None and table is not None and not _same(said, table):
            yield finding(
                rule,
                f"{ev.name}：说明为 {said}，自评表为 {table}",
                table,
                said,
                POINT,
                [
                    Location(
                        table_key="narrative",
                        row_code=f.subject,
                        column_key=field,
                        page=f.page,
                        bbox=f.bbox,
                    ),
                    _loc("self_evaluation", ev.name, field),
                ],
            )


@template("perf_targets")
def perf_targets(ix: Index, rule: Rule) -> Iterator[Finding]:
    """绩效目标表 project amounts = the project table's."""
    for t in ix.targets:
        if t.amount is None or not t.name:
            continue
        figs = project_figs(ix, NarrativeFact(subject="named_project", name=t.name))
        if figs and not any(_same(t.amount, g.wan) for g in figs):
            yield finding(
                rule,
                f"{t.name} 绩效目标金额 {t.amount}，项目支出表为 {'、'.join(str(g.wan) for g in figs)}",
                figs[0].wan,
                t.amount,
                POINT,
                [_loc("project_targets", t.name, "amount"), figs[0].loc],
            )


@template("perf_repeat")
def perf_repeat(ix: Index, rule: Rule) -> Iterator[Finding]:
    """One indicator (same owner, 二级指标, 三级指标 and description) printed more than once
    with different values: one finding per indicator, its values in printed order."""
    for kind, owner, rows in ix.indicators:
        values: dict[tuple[str, str, str], list[str]] = {}
        names: dict[tuple[str, str, str], str] = {}
        for row in rows:
            key = (_bare(row.level2), _bare(row.name), _bare(row.description))
            if key[1] and _bare(row.value) and _bare(row.value) not in values.get(key, []):
                values.setdefault(key, []).append(_bare(row.value))
                names.setdefault(key, row.name)
        for key, printed in values.items():
            if len(printed) > 1:
                detail = f"{owner}「{names[key]}」指标值 {' 与 '.join(printed)}"
                yield finding(rule, detail, None, None, None, [_loc(kind, owner, names[key])])


def _bare(text: str | None) -> str:
    """Printed text without the spaces and line breaks a cell wraps it with."""
    return "".join((text or "").split())


@template("perf_agreement")
def perf_agreement(ix: Index, rule: Rule) -> Iterator[Finding]:
    """The parser and the LLM read one table differently (worker/performance/agree.py)."""
    for s in ix.sections:
        if s.agreement and s.agreement.differences:
            a = s.agreement
            shown = "；".join(a.differences[:3]) + ("……" if len(a.differences) > 3 else "")
            detail = f"{s.title or s.section_id} {a.agreed}/{a.compared} 一致：{shown}"
            page = s.pages[0] if s.pages else None
            loc = Location(table_key=s.kind, row_code=s.section_id, page=page)
            yield finding(rule, detail, None, None, None, [loc])
