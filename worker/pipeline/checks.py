"""The checks stage: arithmetic and cross-reference rules over an extracted document.

Runs after extraction and again on every reviewer edit, so it must stay fast (index once, then
each catalogue rule — worker/rules/catalogue.yaml — runs its small template). Findings are data:
kind=document when the document contradicts itself (values stay as printed), kind=extraction
when the extraction looks wrong (a figure not in the page text, a row dropped, a digit an OCR'd
page probably misread — worker/rules/misread.py names the cell).
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas import Document, Finding, FindingKind, Location
from schemas.performance import SectionResult
from worker.rules import TEMPLATES, Rule, catalogue
from worker.rules.index import Index
from worker.rules.misread import point_at_misreads
from worker.rules.ocr import threshold


def run_checks(
    doc: Document,
    rules: tuple[Rule, ...] | None = None,
    sections: Sequence[SectionResult] = (),
) -> list[Finding]:
    """All findings for `doc`, in catalogue order (a subset of rules may be passed). `sections`
    are the LLM stage's results (绩效目标 / 绩效自评) when there are any."""
    index = Index(doc, sections)
    rules = catalogue() if rules is None else rules
    findings: list[Finding] = []
    for rule in rules:
        if rule.applies(index):
            findings.extend(TEMPLATES[rule.check](index, rule))
    if any(loc.confidence is not None for f in findings for loc in f.locations):
        point_at_misreads(index, findings, threshold(rules))
    return _distrust(findings, {r.id for r in rules if not r.distrust})


def _distrust(findings: list[Finding], advisory: set[str]) -> list[Finding]:
    """Arithmetic on a table the extraction got wrong says nothing about the document: a
    document finding that touches such a table becomes an extraction finding (re-extract or
    review first). `advisory` rules (low OCR confidence) only ask for a look: a table with one
    unsure cell is not wrong, and the misread pass already named that cell where it matters. A
    finding that names suspected cells puts only their tables in doubt."""
    suspect = {
        loc.table_key
        for f in findings
        if f.kind == FindingKind.extraction and f.rule_id not in advisory
        for loc in _in_doubt(f)
        if loc.table_key
    }
    for f in findings:
        if f.kind == FindingKind.document and any(loc.table_key in suspect for loc in f.locations):
            f.kind = FindingKind.extraction
            f.message += "（所涉表格的提取有误，先复核提取）"
    return findings


def _in_doubt(f: Finding) -> list[Location]:
    return [loc for loc in f.locations if loc.suspect] or f.locations
