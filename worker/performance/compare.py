"""Readings against hand goldens (the seeds' tests/data/llm/*.json, the realdocs'
tests/data/performance/*.json), for tests and bench.

A golden lists projects (the department too, with kind department_targets / scope department),
each with its header figures and indicator rows. A golden row is *found* when the reading has
an indicator of the same kind, project and 三级指标 name; it is *right* field by field, over the
fields the golden gives (a golden says nothing about a field it leaves out). A project printed
in parts (a form continued on the next page, read as a section of its own) is one project: its
parts' rows are pooled, its header fields are the first part's; projects sharing a name but
printing other codes or amounts are told apart, each scored against the reading that prints its
amount. Text compares after `norm` (NFKC, no whitespace, quotes or brackets; ≥ and >= alike),
numbers as decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from schemas.performance import SectionKind, SectionResult
from worker.tables.numbers import norm

PROJECT_FIELDS = ("code", "amount", "fiscal_amount", "other_amount", "budget_basic",
                  "budget_project", "initial_budget", "full_year_budget", "actual", "rate",
                  "score", "execution_score", "weight")


@dataclass
class Score:
    rows: int = 0  # golden indicator rows
    found: int = 0
    fields: int = 0  # fields compared on found rows (and project headers)
    right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.rows += other.rows
        self.found += other.found
        self.fields += other.fields
        self.right += other.right
        self.misses += other.misses

    @property
    def recall(self) -> float:
        return self.found / self.rows if self.rows else 1.0

    @property
    def accuracy(self) -> float:
        return self.right / self.fields if self.fields else 1.0


def normalize(text: str) -> str:
    return norm(text.replace(">=", "≥").replace("<=", "≤")).casefold()


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return (a in (None, "")) and (b in (None, ""))
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return normalize(str(a)) == normalize(str(b))


def projects(results: Iterable[SectionResult]) -> list[dict[str, Any]]:
    """Every project (or department) a reading holds, flat, with its kind."""
    out: list[dict[str, Any]] = []
    for r in results:
        data = r.data or {}
        if r.kind == SectionKind.department_targets:
            out.append({"kind": r.kind.value, "name": data.get("department"),
                        "amount": data.get("budget_total"), "budget_basic": data.get("budget_basic"),
                        "budget_project": data.get("budget_project"),
                        "indicators": data.get("indicators", [])})
            continue
        out += [p | {"kind": r.kind.value} for p in data.get("projects", [])]
    return out


def _key(project: dict[str, Any]) -> tuple[str, str]:
    return project["kind"], normalize(project.get("name") or project.get("code") or "")


def compare(golden: list[dict[str, Any]], got: list[dict[str, Any]], *,
            both: bool = False) -> Score:
    """`both`: compare only the fields both readings hold (a value one left out is no
    disagreement)."""
    score = Score()
    have = _pooled(got)
    for key, wants in _pooled(golden).items():
        pool = list(have.get(key, []))
        for want in wants:
            hit = next((h for h in pool if _one_project(want, h)), pool[0] if pool else None)
            if hit is not None:
                pool.remove(hit)
            score.add(_project(want, hit, both))
    return score


def _pooled(found: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The projects of each name: parts of one project (a form continued on the next page, its
    head printed again or not) pooled — the first part's fields, every part's indicator rows;
    projects that share a name but print other codes or amounts kept apart (烟台审计局's three
    审计业务经费 of 31.00, 539.00 and 18.00)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in found:
        parts = out.setdefault(_key(p), [])
        n = next((n for n, q in enumerate(parts) if _one_project(q, p)), None)
        if n is None:
            parts.append(p)
        else:
            parts[n] = parts[n] | {"indicators": parts[n]["indicators"] + p["indicators"]}
    return out


def _one_project(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two readings of one name are one project unless they print different codes or amounts."""
    return all(_blank(a.get(f), b.get(f)) or same(a.get(f), b.get(f)) for f in ("code", "amount"))


def _project(want: dict[str, Any], have: dict[str, Any] | None, both: bool = False) -> Score:
    score = Score(rows=len(want["indicators"]))
    label = f"{want['kind']} {want.get('name')}"
    if have is None:
        score.misses.append(f"{label}: project not found")
        return score
    for name in PROJECT_FIELDS:
        if name in want and not (both and _blank(want[name], have.get(name))):
            score.fields += 1
            if same(want[name], have.get(name)):
                score.right += 1
            else:
                score.misses.append(f"{label}.{name}: {want[name]!r} ≠ {have.get(name)!r}")
    pool = list(have["indicators"])
    for row in want["indicators"]:
        hit = next((i for i in pool if same(i.get("name"), row["name"])), None)
        if hit is None:
            score.misses.append(f"{label}: row {row['name']!r} not found")
            continue
        pool.remove(hit)
        score.found += 1
        for name, value in row.items():
            if both and _blank(value, hit.get(name)):
                continue
            score.fields += 1
            if same(value, hit.get(name)):
                score.right += 1
            else:
                score.misses.append(f"{label} / {row['name']}.{name}: {value!r} ≠ {hit.get(name)!r}")
    return score


def _blank(*values: Any) -> bool:
    return any(v in (None, "", []) for v in values)
