"""What a reading of a performance table must satisfy before it is trusted: its structure (every
indicator row the chunker counted, each with a 三级指标 name) and its own arithmetic (执行率 =
执行数 / 预算数, Σ 得分 = 总分, 财政资金 + 其他资金 = 项目金额). A reading that fails says why; the
LLM may then re-read the table (worker/llm/reread.py) — its answer is held to the same checks."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import BaseModel

from schemas.performance import (
    DepartmentTargets,
    ProjectEvaluation,
    ProjectTargets,
    SectionKind,
    SelfEvaluation,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def indicator_count(model: BaseModel) -> int:
    if isinstance(model, DepartmentTargets):
        return len(model.indicators)
    projects = getattr(model, "projects", [])
    return sum(len(p.indicators) for p in projects)


def problems(kind: SectionKind, model: BaseModel, expected: int | None = None) -> list[str]:
    """Why this reading cannot be trusted as it is (empty: it can)."""
    found = indicator_count(model)
    out: list[str] = []
    if expected is not None and found < expected:
        out.append(f"structure: the table prints {expected} indicator rows, the reading has {found}")
    out += [f"structure: {p}" for p in _unnamed(model)]
    if isinstance(model, SelfEvaluation):
        for ev in model.projects:
            out += [f"arithmetic: {p}" for p in _evaluation(ev)]
    if isinstance(model, ProjectTargets):
        for t in model.projects:
            parts = (t.amount, t.fiscal_amount, t.other_amount)
            if None not in parts and abs(parts[1] + parts[2] - parts[0]) > CENT:  # type: ignore[operator]
                out.append(f"arithmetic: {t.name} 财政资金 {t.fiscal_amount} + 其他资金 "
                           f"{t.other_amount} ≠ 金额 {t.amount}")
    return out


def _unnamed(model: BaseModel) -> Iterator[str]:
    rows = model.indicators if isinstance(model, DepartmentTargets) else [
        i for p in getattr(model, "projects", []) for i in p.indicators
    ]
    n = sum(1 for i in rows if not i.name)
    if n:
        yield f"{n} indicator rows have a value but no 三级指标 name"


def _evaluation(ev: ProjectEvaluation) -> Iterator[str]:
    if ev.rate is not None and ev.actual is not None and ev.full_year_budget:
        expected = HUNDRED * ev.actual / ev.full_year_budget
        if abs(expected - ev.rate) > CENT * 2:
            yield f"{ev.name} 执行率 {ev.rate}% ≠ {ev.actual}/{ev.full_year_budget}"
    scored = [i for i in ev.indicators if i.score is not None and i.weight is not None]
    weights = sum((i.weight for i in scored), ev.weight or Decimal(0))  # type: ignore[misc]
    # only when every scored part is read: the weights then add up to 100
    if ev.score is not None and scored and weights == HUNDRED:
        total = sum((i.score for i in scored), ev.execution_score or Decimal(0))  # type: ignore[misc]
        if abs(total - ev.score) > CENT * (len(scored) + 1):
            yield f"{ev.name} Σ得分 {total} ≠ 总分 {ev.score}"
