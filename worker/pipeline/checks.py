"""The checks stage: arithmetic and cross-reference rules over an extracted document.

Runs after extraction and again on every reviewer edit, so it must stay fast (index once, then
each catalogue rule — worker/rules/catalogue.yaml — runs its small template). Findings are data:
kind=document when the document contradicts itself (values stay as printed, quoted with their
pages), kind=extraction when the extraction looks wrong (a table whose structure is unresolved,
a figure not in the page text, a row dropped, a digit an OCR'd page probably misread —
worker/rules/misread.py names the cell). worker/rules/trust.py then groups each extraction
cause with the document findings resting on it: one finding per cause.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas import Document, Finding
from schemas.performance import SectionResult
from worker.rules import TEMPLATES, Rule, catalogue
from worker.rules.index import Index
from worker.rules.misread import point_at_misreads
from worker.rules.ocr import threshold
from worker.rules.trust import settle


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
    return settle(findings, rules)
