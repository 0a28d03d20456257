"""What the deterministic readers read in a section that goes to the LLM (issue 15, item 8).

    printed(kind, blocks) -> [PrintedProject]

The performance reader's projects in the section's tables — their header cells (项目名称,
资金总额, 年初预算数 …), read even where it finds no indicator rows to map — and the narrative
reader's in its sentences (…项目年初预算数20.1万元，全年执行数19.57万元，预算执行率97.36%，自评得分
99.73分). The LLM stage holds the model's answer to these (worker/llm/contradict.py): an answer
that contradicts them goes to review, whatever the section's text asked the model to do.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from schemas.performance import DepartmentTargets, PrintedProject, SectionKind
from worker.layout import Block, Layout, TextBlock
from worker.narrative import parse_narrative
from worker.performance.build import build
from worker.performance.grid import rows_of
from worker.performance.packed import unpack
from worker.performance.reader import read_records
from worker.performance.vocab import vocabulary

# The figures of each answer model the readers can read, by field name (as in the LLM's schema).
TARGET_FIGURES = ("amount", "fiscal_amount", "other_amount")
EVALUATION_FIGURES = ("initial_budget", "full_year_budget", "actual", "rate", "weight",
                      "execution_score", "score")
DEPARTMENT_FIGURES = ("budget_total", "budget_basic", "budget_project")
# narrative fact field → the answer's field
_FACT_FIGURES = {"budget": "initial_budget", "full_year_budget": "full_year_budget",
                 "actual": "actual", "rate_pct": "rate", "score": "score"}


def printed(kind: SectionKind, blocks: list[Block]) -> list[PrintedProject]:
    return [p for p in _tables(kind, blocks) + _sentences(blocks) if p.name or p.figures]


def _tables(kind: SectionKind, blocks: list[Block]) -> list[PrintedProject]:
    vocab = vocabulary()
    records = read_records(unpack(rows_of(blocks), vocab), vocab)
    if not records:
        return []
    model, _ = build(kind, records)
    if isinstance(model, DepartmentTargets):
        return [_project(model.department, model, DEPARTMENT_FIGURES)]
    fields = EVALUATION_FIGURES if kind == SectionKind.self_evaluation else TARGET_FIGURES
    return [_project(p.name, p, fields) for p in model.projects]  # type: ignore[attr-defined]


def _project(name: str | None, model: BaseModel, fields: tuple[str, ...]) -> PrintedProject:
    figures = {f: v for f in fields if isinstance(v := getattr(model, f), Decimal)}
    return PrintedProject(name=name or None, figures=figures)


def _sentences(blocks: list[Block]) -> list[PrintedProject]:
    text = Layout(blocks=[b for b in blocks if isinstance(b, TextBlock)])
    out = []
    for fact in parse_narrative(text):
        figures = {}
        for field, answer in _FACT_FIGURES.items():
            value = getattr(fact, field)
            if value is not None:
                figures[answer] = value if isinstance(value, Decimal) else value.value
        if figures:
            out.append(PrintedProject(name=fact.name or fact.subject_text or None, figures=figures))
    return out
