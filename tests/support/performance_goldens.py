"""Hand-verified goldens of the performance tables of real disclosures
(tests/data/performance/*.json; how they are made and checked: its README).

The models forbid unknown fields, so a golden's structure is checked by loading it. A golden
covers the indicator rows of the pages it lists in `covers` (all of them), each row with the
page it is printed on; `projects_for_compare` gives them in the form worker/performance/
compare.py scores a reading against (pages left out: they are not fields of the reading).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tests.support.samples import REALDOCS, REPO

GOLDEN_DIR = REPO / "tests" / "data" / "performance"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldenIndicator(_Model):
    """One indicator row, its cells as printed (line breaks removed); blank cells left out."""

    level1: str | None = None
    level2: str | None = None
    name: str = Field(description="三级指标 as printed")
    description: str | None = None
    value: str | None = None
    comparator: str | None = None
    unit: str | None = None
    basis: str | None = None
    actual: str | None = None
    weight: str | None = None
    score: str | None = None
    deviation: str | None = None
    page: int = Field(description="1-based PDF page the row is printed on")


class GoldenProject(_Model):
    """A project's (or, kind department_targets, the department's) header figures and rows.
    Amounts are the printed figures without separators, in the table's unit."""

    kind: Literal["department_targets", "project_targets", "self_evaluation"]
    name: str | None = None
    code: str | None = None
    amount: str | None = None
    fiscal_amount: str | None = None
    other_amount: str | None = None
    budget_basic: str | None = None
    budget_project: str | None = None
    pages: list[int]
    indicators: list[GoldenIndicator]


class Checked(_Model):
    by: str
    when: str
    how: str = Field(description="How the rows were checked (renders, dpi, text layer)")
    fields: str = Field(description="Which fields were checked on the render")
    doubts: list[str] = Field(default_factory=list, description="Known doubts, by row")


class PerformanceGolden(_Model):
    file: str
    sha256: str
    pages: int
    covers: list[int] = Field(description="Pages whose every indicator row the golden lists")
    checked: Checked
    projects: list[GoldenProject]

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    @property
    def source(self) -> Path:
        return REALDOCS / self.file

    def projects_for_compare(self) -> list[dict[str, Any]]:
        out = []
        for p in self.projects:
            head = p.model_dump(exclude={"pages", "indicators"}, exclude_none=True)
            rows = [i.model_dump(exclude={"page"}, exclude_none=True) for i in p.indicators]
            out.append(head | {"indicators": rows})
        return out


def golden_paths() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.json"))


@cache
def load_golden(path: Path) -> PerformanceGolden:
    return PerformanceGolden.model_validate(json.loads(path.read_text("utf-8")))
