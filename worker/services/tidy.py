"""Tidy rows of the performance data and the narrative's figures, for the export
(worker/services/export.py writes them in every format). The column lists are export contract
(README "Export contract", version 5).

- targets: one row per indicator of a 绩效目标表 (department or project) or quantified value of
  a narrative target; a project without indicator rows still gets one row (its amount);
- self_evaluation: one row per evaluated project (its figures, total score and execution weight)
  followed by one row per indicator (target and actual value, the indicator's weight and score);
- narrative_figures: every amount, share, growth rate, rate and count the narrative states;
  amounts are matched against the table figure they restate (the checks' own matching,
  worker/rules/narrative.statements): matched, differs, or unmatched (no table states it; shares,
  growth rates, rates and counts are not matched to a cell and are always unmatched).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from schemas import DocStatus, Document, Unit, ValueStatus
from schemas.narrative import Amount
from schemas.performance import (
    DepartmentTargets,
    Indicator,
    NarrativeTargets,
    ProjectTargets,
    SectionKind,
    SectionResult,
    SelfEvaluation,
)
from worker.rules.index import Index
from worker.rules.narrative import Stated, statements
from worker.services.provenance import Ledger, reviewed_status

TARGET_COLUMNS = [
    "doc_id", "scope", "project", "project_code", "amount_wan", "level1", "level2", "level3",
    "value_raw", "value_num", "value_unit", "comparator", "page", "x0", "y0", "x1", "y1",
    "source", "status", "original", "reviewer", "reviewed_at",
]  # fmt: skip
SELF_EVALUATION_COLUMNS = [
    "doc_id", "scope", "project", "budget_initial_wan", "budget_full_year_wan", "executed_wan",
    "exec_rate_pct", "score", "weight", "grade", "level1", "level2", "level3", "target_value",
    "actual_value", "deviation_reason", "page", "source", "status", "original", "reviewer",
    "reviewed_at",
]  # fmt: skip
NARRATIVE_FIGURE_COLUMNS = [
    "doc_id", "subject_key", "subject_text", "kind", "value_raw", "value_num", "unit", "page",
    "quote", "matched_table_key", "matched_row_code", "matched_column_key", "matched_value",
    "status",
]  # fmt: skip
DECIMAL_COLUMNS = {
    "amount_wan", "value_num", "budget_initial_wan", "budget_full_year_wan", "executed_wan",
    "exec_rate_pct", "score", "weight", "matched_value",
}  # fmt: skip

# 指标值 as printed: an optional comparator, a number, the rest is its unit ('≥98%', '＞30个')
_VALUE = re.compile(r"^\s*(?P<cmp>[≥≤＞＜><=＝≧≦]{1,2})?\s*(?P<num>-?\d[\d,，]*(?:\.\d+)?)\s*(?P<unit>.*)$")
_COMPARATORS = {"≧": "≥", "≦": "≤", "＞": ">", "＜": "<", "＝": "=", ">=": "≥", "<=": "≤"}
_UNITS = {u.value: u for u in Unit}


def _wan(value: Any, unit: str) -> Decimal | None:
    """An amount printed in `unit` in 万元 (Unit.to_wan); a unit it does not know is kept."""
    if value is None:
        return None
    amount = Decimal(str(value))
    return _UNITS[unit].to_wan(amount) if unit in _UNITS else amount


def parse_value(ind: Indicator) -> tuple[Decimal | None, str | None, str | None]:
    """(number, unit, comparator) of an indicator value; the printed columns win."""
    m = _VALUE.match(ind.value or "")
    num = unit = cmp = None
    if m:
        try:
            num = Decimal(m["num"].replace(",", "").replace("，", ""))
        except InvalidOperation:
            num = None
        unit, cmp = m["unit"].strip() or None, m["cmp"]
    cmp = ind.comparator or cmp
    return num, ind.unit or unit, _COMPARATORS.get(cmp or "", cmp)


class _Place:
    """Page, box and review of a section's values (worker/services/provenance.py)."""

    def __init__(self, section: SectionResult, doc_status: DocStatus,
                 ledger: Ledger | None) -> None:
        self.section, self.doc_status, self.ledger = section, doc_status, ledger or Ledger([])

    def of(self, *paths: str, row: str | None = None) -> dict[str, Any]:
        """Page and box of the first of `paths` the section places; the review of the row's
        most reviewed value — any field directly under the prefix `row` (a corrected score
        makes its indicator row `corrected`), else that first path's."""
        path = next((p for p in paths if p in self.section.where), None)
        where = self.section.where[path] if path else None
        box = (where.bbox if where else None) or (None, None, None, None)
        reviewed = path
        if row is not None:
            fields = [k for k in self.section.where if k.startswith(row) and "." not in k[len(row):]]
            rank = {ValueStatus.corrected: 0, ValueStatus.confirmed: 1}
            best = min(fields, key=lambda k: rank.get(self.section.where[k].status, 2), default=None)
            if best is not None and self.section.where[best].status in rank:
                reviewed = best
        state = self.section.where[reviewed].status if reviewed else ValueStatus.extracted
        status = reviewed_status(state, self.doc_status)
        return {"page": where.page if where else None, "x0": box[0], "y0": box[1], "x1": box[2],
                "y1": box[3], "source": self.section.source.value, "status": status,
                **self.ledger.section(self.section.section_id, reviewed, status)}


def _indicator_cells(ind: Indicator | None) -> dict[str, Any]:
    if ind is None:
        return dict.fromkeys(("level1", "level2", "level3", "value_raw", "value_num",
                              "value_unit", "comparator"))
    num, unit, cmp = parse_value(ind)
    return {"level1": ind.level1, "level2": ind.level2, "level3": ind.name,
            "value_raw": ind.value, "value_num": num, "value_unit": unit, "comparator": cmp}


def target_rows(doc: Document, doc_status: DocStatus,
                ledger: Ledger | None = None) -> Iterator[dict[str, Any]]:
    for s in doc.sections:
        if not s.data or s.kind not in _TARGETS:
            continue
        place = _Place(s, doc_status, ledger)
        for owner, prefix, indicators in _TARGETS[s.kind](s):
            base = {"doc_id": doc.doc_id, "scope": s.scope and s.scope.value} | owner
            for i, ind in enumerate(indicators or [None]):
                at = f"{prefix}indicators.{i}."
                yield base | _indicator_cells(ind) | place.of(at + "value", at + "name",
                                                              prefix + "name", row=at)


Owner = tuple[dict[str, Any], str, list[Any]]


def _department(s: SectionResult) -> Iterator[Owner]:
    d = DepartmentTargets.model_validate(s.data)
    owner = {"project": d.department, "project_code": None,
             "amount_wan": _wan(d.budget_total, s.amount_unit)}
    yield owner, "", d.indicators


def _projects(s: SectionResult) -> Iterator[Owner]:
    for j, p in enumerate(ProjectTargets.model_validate(s.data).projects):
        owner = {"project": p.name, "project_code": p.code,
                 "amount_wan": _wan(p.amount, s.amount_unit)}
        yield owner, f"projects.{j}.", p.indicators


def _narrative(s: SectionResult) -> Iterator[Owner]:
    for item in NarrativeTargets.model_validate(s.data).items:
        owner = {"project": item.title, "project_code": None, "amount_wan": None}
        yield owner, "-", [Indicator(name=item.title or "", value=v) for v in item.values]


_TARGETS = {SectionKind.department_targets: _department, SectionKind.project_targets: _projects,
            SectionKind.narrative_targets: _narrative}


def self_evaluation_rows(doc: Document, doc_status: DocStatus,
                         ledger: Ledger | None = None) -> Iterator[dict[str, Any]]:
    for s in doc.sections:
        if not s.data or s.kind != SectionKind.self_evaluation:
            continue
        place, u = _Place(s, doc_status, ledger), s.amount_unit
        for j, ev in enumerate(SelfEvaluation.model_validate(s.data).projects):
            base = {"doc_id": doc.doc_id, "scope": s.scope and s.scope.value, "project": ev.name,
                    "budget_initial_wan": _wan(ev.initial_budget, u),
                    "budget_full_year_wan": _wan(ev.full_year_budget, u),
                    "executed_wan": _wan(ev.actual, u), "exec_rate_pct": ev.rate,
                    "grade": ev.grade}
            blank = dict.fromkeys(("level1", "level2", "level3", "target_value", "actual_value",
                                   "deviation_reason"))
            yield base | blank | {"score": ev.score, "weight": ev.weight} | _drop_box(
                place.of(f"projects.{j}.score", f"projects.{j}.name", row=f"projects.{j}."))
            for i, ind in enumerate(ev.indicators):
                at = f"projects.{j}.indicators.{i}."
                yield base | {
                    "level1": ind.level1, "level2": ind.level2, "level3": ind.name,
                    "target_value": ind.value, "actual_value": ind.actual,
                    "deviation_reason": ind.deviation, "score": ind.score, "weight": ind.weight,
                } | _drop_box(place.of(at + "actual", at + "value", at + "name", row=at))


def _drop_box(place: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in place.items() if k not in ("x0", "y0", "x1", "y1")}


_AMOUNTS = ("amount", "budget", "full_year_budget", "actual", "change")
_PERCENTS = {"share_pct": "share", "growth_pct": "growth", "rate_pct": "rate"}


def narrative_figure_rows(doc: Document) -> Iterator[dict[str, Any]]:
    stated = {id(s.amount): s for s in statements(Index(doc))}
    for f in doc.narrative:
        base = {"doc_id": doc.doc_id, "subject_key": f.subject, "subject_text": f.subject_text,
                "page": f.page, "quote": f.sentence}
        for name in _AMOUNTS:
            a: Amount | None = getattr(f, name)
            if a is not None:
                yield base | {"kind": "amount", "value_raw": a.raw, "value_num": a.value,
                              "unit": a.unit} | _match(stated.get(id(a)))
        for name, kind in _PERCENTS.items():
            if (pct := getattr(f, name)) is not None:
                yield base | {"kind": kind, "value_raw": str(pct), "value_num": pct,
                              "unit": "%"} | _match(None)
        if f.count is not None:
            yield base | {"kind": "count", "value_raw": str(f.count),
                          "value_num": Decimal(f.count), "unit": "个"} | _match(None)


def _match(s: Stated | None) -> dict[str, Any]:
    if s is None:
        return {"matched_table_key": None, "matched_row_code": None, "matched_column_key": None,
                "matched_value": None, "status": "unmatched"}
    # the figure it restates, else the first it was compared with
    fig = next((g for g in s.figs if Stated(s.fact, s.field, s.amount, [g]).agrees()), s.figs[0])
    loc = fig.loc
    return {"matched_table_key": loc.table_key, "matched_row_code": loc.row_code,
            "matched_column_key": loc.column_key, "matched_value": fig.wan,
            "status": "matched" if s.agrees() else "differs"}


__all__ = [
    "NARRATIVE_FIGURE_COLUMNS", "SELF_EVALUATION_COLUMNS", "TARGET_COLUMNS",
    "narrative_figure_rows", "parse_value", "self_evaluation_rows", "target_rows",
]  # fmt: skip
