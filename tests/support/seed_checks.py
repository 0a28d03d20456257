"""The checks on a seed document's text form (text → tables + narrative → findings), shared by
tests/rules/test_checks_seeds.py and bench/checks.py."""

from __future__ import annotations

from functools import cache

from schemas import DocType, Document, Finding
from tests.support.samples import NAMES, seed_text
from worker.formats.text import read_text
from worker.narrative import parse_narrative
from worker.pipeline.checks import run_checks
from worker.tables import extract_tables

__all__ = ["NAMES", "findings"]


@cache
def findings(seed: str) -> tuple[Finding, ...]:
    layout = read_text(seed_text(seed))
    tables, _ = extract_tables(layout)
    doc = Document(
        doc_id=seed,
        doc_type=DocType.final_account if seed == "003" else DocType.budget,
        department=None,
        tables=tables,
        narrative=parse_narrative(layout),
        page_texts=[p.text for p in layout.pages],
    )
    return tuple(run_checks(doc))
