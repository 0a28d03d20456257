"""The rule catalogue: rules are data, checks are small registered templates.

`catalogue.yaml` lists every rule — id, severity, kind, a one-line Chinese and English
description, applicability (doc types, tables that must be present, narrative needed) — and names
the *template* that evaluates it with its parameters. A template is a small function registered
with `@template("name")` in a module of this package; it receives the document index and the rule
and yields Findings. Adding a rule is adding a YAML entry (or a new template function beside the
others); nothing dispatches on rule ids.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from schemas import DocType, Finding, FindingKind, Severity

if TYPE_CHECKING:
    from worker.rules.index import Index


class Rule(BaseModel):
    """One catalogue entry (read from catalogue.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    severity: Severity = Severity.error
    kind: FindingKind = FindingKind.document
    zh: str = Field(description="One-line Chinese description")
    en: str = Field(description="One-line English description")
    doc_types: tuple[DocType, ...] = (DocType.budget, DocType.final_account)
    tables: tuple[str, ...] = Field(default=(), description="Tables that must all be present")
    narrative: bool = Field(default=False, description="Needs narrative facts")
    performance: bool = Field(default=False, description="Needs LLM performance sections")
    check: str = Field(description="Template name (a registered function)")
    params: dict[str, Any] = Field(default_factory=dict)
    distrust: bool = Field(
        default=True,
        description="Its extraction findings make document findings on the same tables "
        "extraction findings (false: it only asks for a look, e.g. low OCR confidence)",
    )
    doubts: Literal["table", "rows"] = Field(
        default="table",
        description="What its extraction findings put in doubt: every check on the table, or "
        "only the checks that need all of its rows (`complete`)",
    )
    complete: bool = Field(
        default=False,
        description="Sums rows found by their codes: a table whose rows lost their codes "
        "cannot judge it",
    )

    def applies(self, index: Index) -> bool:
        doc = index.doc
        if doc.doc_type is not None and doc.doc_type not in self.doc_types:
            return False
        if self.narrative and not doc.narrative:
            return False
        if self.performance and not (index.evaluations or index.grade_counts or index.targets):
            return False
        return all(t in index.tables for t in self.tables)


Template = Callable[["Index", Rule], Iterable[Finding]]
TEMPLATES: dict[str, Template] = {}


def template(name: str) -> Callable[[Template], Template]:
    def register(fn: Template) -> Template:
        TEMPLATES[name] = fn
        return fn

    return register


@cache
def catalogue() -> tuple[Rule, ...]:
    """All rules, validated; every template module of this package is imported once."""
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    raw = yaml.safe_load(Path(__file__).with_name("catalogue.yaml").read_text("utf-8"))
    rules = tuple(Rule.model_validate(r) for r in raw["rules"])
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate rule ids in catalogue.yaml: {sorted(ids)}")
    unknown = {r.check for r in rules} - TEMPLATES.keys()
    if unknown:
        raise ValueError(f"catalogue.yaml names unknown templates: {sorted(unknown)}")
    return rules
