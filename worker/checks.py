"""The checks stage: arithmetic and cross-reference rules over an extracted document.

Runs after extraction and again on every reviewer edit, so it must stay fast (index once, then
each catalogue rule — worker/rules/catalogue.yaml — runs its small template). Findings are data:
kind=document when the document contradicts itself (values stay as printed), kind=extraction
when the extraction looks wrong (a figure not in the page text, a row dropped).
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas import Document, Finding, FindingKind
from schemas.performance import SectionResult
from worker.rules import TEMPLATES, Rule, catalogue
from worker.rules.index import Index


def run_checks(
    doc: Document,
    rules: tuple[Rule, ...] | None = None,
    sections: Sequence[SectionResult] = (),
) -> list[Finding]:
    """All findings for `doc`, in catalogue order (a subset of rules may be passed). `sections`
    are the LLM stage's results (绩效目标 / 绩效自评) when there are any."""
    index = Index(doc, sections)
    findings: list[Finding] = []
    for rule in rules if rules is not None else catalogue():
        if rule.applies(index):
            findings.extend(TEMPLATES[rule.check](index, rule))
    return _distrust(findings)


def _distrust(findings: list[Finding]) -> list[Finding]:
    """Arithmetic on a table the extraction got wrong says nothing about the document: a
    document finding that touches such a table becomes an extraction finding (re-extract or
    review first)."""
    suspect = {
        loc.table_key
        for f in findings
        if f.kind == FindingKind.extraction
        for loc in f.locations
        if loc.table_key
    }
    for f in findings:
        if f.kind == FindingKind.document and any(loc.table_key in suspect for loc in f.locations):
            f.kind = FindingKind.extraction
            f.message += "（所涉表格的提取有误，先复核提取）"
    return findings


def findings_rows(doc: Document, findings: list[Finding]) -> list[dict[str, object]]:
    """The export's findings table: one row per finding and location (page 1-based)."""
    rows = []
    for f in findings:
        for loc in f.locations or [None]:
            rows.append(
                {
                    "doc_id": doc.doc_id,
                    "rule_id": f.rule_id,
                    "severity": f.severity.value,
                    "message": f.message,
                    "expected": f.expected,
                    "actual": f.actual,
                    "difference": f.difference,
                    "tolerance": f.tolerance,
                    "table_key": loc.table_key if loc else None,
                    "row_code": loc.row_code if loc else None,
                    "column_key": loc.column_key if loc else None,
                    "page": loc.page if loc else None,
                }
            )
    return rows
