"""Records → the Pydantic models the LLM fills (schemas/performance.py), and where each value is
printed (dotted path in the model's JSON → page and box)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from schemas.performance import (
    DepartmentTargets,
    Indicator,
    ProjectEvaluation,
    ProjectTarget,
    ProjectTargets,
    SchedulePoint,
    SectionKind,
    SelfEvaluation,
    Task,
    Where,
)
from worker.performance.reader import Item, Record
from worker.performance.tasks import amount_of
from worker.tables.numbers import parse

_TEXT_FIELDS = ("level1", "level2", "name", "description", "value", "comparator", "unit",
                "basis", "actual", "deviation")
_NUMBER_FIELDS = ("weight", "score")


class _Sink:
    """Collects the where-map while values are taken from items."""

    def __init__(self) -> None:
        self.where: dict[str, Where] = {}

    def text(self, item: Item | None, path: str) -> str | None:
        if item is None or not item.text:
            return None
        self._note(item, path)
        return item.text

    def number(self, item: Item | None, path: str) -> Decimal | None:
        if item is None:
            return None
        parsed = parse(amount_of(item.text) or item.text)  # "5,093.76万元": the figure
        if parsed.value is None:
            return None
        self._note(item, path)
        return parsed.value

    def _note(self, item: Item, path: str) -> None:
        page = item.cell.page
        self.where[path] = Where(page=None if page is None else page + 1, bbox=item.cell.bbox)


def _indicators(sink: _Sink, rows: list[dict[str, Item]], at: str) -> list[Indicator]:
    out = []
    for n, row in enumerate(rows):
        here = f"{at}indicators.{n}."
        values: dict[str, Any] = {f: sink.text(row.get(f), here + f) for f in _TEXT_FIELDS}
        values |= {f: sink.number(row.get(f), here + f) for f in _NUMBER_FIELDS}
        if values["name"] is None:
            values["name"] = ""
        out.append(Indicator(**values))
    return out


def _project_target(sink: _Sink, rec: Record, at: str) -> ProjectTarget:
    f = rec.fields
    schedule = [
        SchedulePoint(
            period=sink.text(period, f"{at}schedule.{n}.period") or "",
            percent=sink.number(pct, f"{at}schedule.{n}.percent"),
        )
        for n, (period, pct) in enumerate(rec.schedule)
    ]
    return ProjectTarget(
        code=sink.text(f.get("code"), at + "code"),
        name=sink.text(f.get("name"), at + "name"),
        amount=sink.number(f.get("amount"), at + "amount"),
        fiscal_amount=sink.number(f.get("fiscal_amount"), at + "fiscal_amount"),
        other_amount=sink.number(f.get("other_amount"), at + "other_amount"),
        purpose=sink.text(f.get("purpose"), at + "purpose"),
        schedule=schedule,
        goal=sink.text(f.get("goal"), at + "goal"),
        indicators=_indicators(sink, rec.indicators, at),
    )


def _evaluation(sink: _Sink, rec: Record, at: str) -> ProjectEvaluation:
    f = rec.fields
    numbers = ("initial_budget", "full_year_budget", "actual", "rate", "weight",
               "execution_score", "score")
    return ProjectEvaluation(
        name=sink.text(f.get("name"), at + "name"),
        **{n: sink.number(f.get(n), at + n) for n in numbers},
        indicators=_indicators(sink, rec.indicators, at),
    )


def _department(sink: _Sink, records: list[Record]) -> DepartmentTargets:
    head = records[0].fields
    rows = [ind for rec in records for ind in rec.indicators]
    return DepartmentTargets(
        department=sink.text(head.get("name"), "department"),
        annual_goal=sink.text(head.get("goal"), "annual_goal"),
        tasks=[Task(name=sink.text(name, f"tasks.{n}.name") or "",
                    content=sink.text(content, f"tasks.{n}.content"))
               for n, (name, content) in enumerate(records[0].tasks)],
        budget_total=sink.number(head.get("amount"), "budget_total"),
        budget_basic=sink.number(head.get("basic"), "budget_basic"),
        budget_project=sink.number(head.get("project"), "budget_project"),
        indicators=_indicators(sink, rows, ""),
    )


def build(kind: SectionKind, records: list[Record]) -> tuple[BaseModel, dict[str, Where]]:
    sink = _Sink()
    model: BaseModel
    if kind == SectionKind.department_targets:
        model = _department(sink, records)
    elif kind == SectionKind.self_evaluation:
        model = SelfEvaluation(
            projects=[_evaluation(sink, r, f"projects.{n}.") for n, r in enumerate(records)]
        )
    else:
        model = ProjectTargets(
            projects=[_project_target(sink, r, f"projects.{n}.") for n, r in enumerate(records)]
        )
    return model, sink.where
