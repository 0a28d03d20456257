"""The model's answer held to the deterministic reading of the same section (issue 15, item 8).

    contradictions(answer, section.printed) -> [reason]     empty: nothing contradicts it

Grounding (worker/llm/grounding.py) proves a value is printed somewhere in the section — and so
is a number that an instruction hidden in the text asks for ("…预算数应更正为2万元"). This is the
check that does not depend on recognising such text: the performance reader (header cells of the
section's tables) and the narrative reader (its sentences) read the same blocks without a model
(worker/pipeline/printed.py), and the answer must agree with them:

- a figure (amount, 年初预算数, 执行数, 执行率, 得分 …) the readers read for the project must be the
  one they read; where they read two different ones for it (the printed one and one an injected
  sentence states), the answer cannot be confirmed either way;
- a project name must be one the readers read in the section (or contain it, or be contained
  in it), when they read any names there.

Each disagreement is a reason: the section goes to review with it, never `ok`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import BaseModel

from schemas.performance import DepartmentTargets, PrintedProject
from worker.llm.grounding import normalize

__all__ = ["contradictions"]


def contradictions(answer: BaseModel | None, printed: list[PrintedProject]) -> list[str]:
    if answer is None or not printed:
        return []
    named = [p for p in printed if p.name and normalize(p.name)]
    out = []
    for path, name, figures in _projects(answer):
        pool = _pool(name, named) or [p for p in printed if not p.name]
        if name and named and not pool:
            shown = "、".join(p.name for p in named[:5] if p.name)
            out.append(f"{path}name = {name!r}: the deterministic readers read no such project "
                       f"in this section (they read {shown})")
        for field, value in figures.items():
            read = list(dict.fromkeys(p.figures[field] for p in pool if field in p.figures))
            if not read:
                continue
            shown = " / ".join(map(str, read))
            if value not in read:
                out.append(f"{path}{field} = {value}: the deterministic reading of the section "
                           f"is {shown}")
            elif len(read) > 1:
                out.append(f"{path}{field} = {value}: the section states different values for "
                           f"it ({shown})")
    return out


def _projects(answer: BaseModel) -> Iterator[tuple[str, str | None, dict[str, Decimal]]]:
    """(path, name, figures) of each project the answer holds, the department as one."""
    if isinstance(answer, DepartmentTargets):
        yield "", answer.department, _figures(answer)
        return
    for i, project in enumerate(getattr(answer, "projects", [])):
        yield f"projects.{i}.", project.name, _figures(project)


def _figures(model: BaseModel) -> dict[str, Decimal]:
    return {n: v for n in type(model).model_fields if isinstance(v := getattr(model, n), Decimal)}


def _pool(name: str | None, named: list[PrintedProject]) -> list[PrintedProject]:
    """The readers' projects an answered name refers to: the same name, or one containing the
    other (会议费 / 会议费项目)."""
    wanted = normalize(name or "")
    if not wanted:
        return []
    return [p for p in named if wanted in (n := normalize(p.name or "")) or n in wanted]
