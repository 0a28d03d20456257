"""Synthetic budget (部门预算) and final-account (部门决算) documents with known answers.

    doc = generate(seed)                  # the truth: a schemas.Document (tables + narrative)
    blocks = to_blocks(doc, variant)      # the layout IR (worker/layout.py) to render or parse
    bad, where = inject_error(doc, kind, rng)   # one inconsistency the checks must catch

Every amount starts as an exact number of fen (0.01 元); each printed 万元 figure is then rounded
on its own, exactly like real documents, so sums of printed figures show 尾差. Shares and growth
rates are computed from the underlying values, as a spreadsheet would.

Canonical shape of the truth (the contract the extraction engineer measures against):
- coded tables: a `total` row (row_code "total", level 0) then 类/款/项 rows (code "201",
  "20137", "2013701"; level 1/2/3; economic codes "301"/"30101" level 1/2), values per column key.
- summary tables (income_expenditure_summary, fiscal_appropriation_summary): one Row per printed
  line of either side; income side row_code `income.<source>`, `income.total`, `income.carryover`,
  `income.grand_total` …; expenditure side 类 lines carry code "201" (level 1) and totals use
  `expenditure.total`, `expenditure.year_end_balance`, `expenditure.grand_total` ….
- sangong: one row (row_code "total"); final accounts group columns as `budget.*` / `actual.*`.
- project_expenditure: a total row, then one row per project (name only).
A zero is stored as Value(raw="0.00", value=0); layouts may print it blank, "0", "-" or "—".
"""

from __future__ import annotations

from schemas import DocType, Document, Location
from schemas.narrative import NarrativeFact
from tools.synth_errors import KINDS, inject_error
from tools.synth_layout import Variant, to_blocks
from tools.synth_narrative import Writer, budget_sections
from tools.synth_narrative_final import final_sections
from tools.synth_plan import Plan, make_plan
from tools.synth_tables import build_tables

__all__ = ["KINDS", "Location", "Variant", "generate", "inject_error", "to_blocks"]


def generate(seed: int) -> Document:
    """A consistent document: every identity in DOMAIN.md holds up to rounding."""
    plan = make_plan(seed)
    doc = Document(
        doc_id=f"synth-{seed:05d}",
        source_file=f"synth-{seed:05d}",
        department=plan.department,
        region=plan.region,
        fiscal_year=plan.year,
        doc_type=plan.doc_type,
        unit=plan.unit,
        tables=build_tables(plan),
    )
    doc.narrative = narrative(plan)
    return doc


def narrative(plan: Plan) -> list[NarrativeFact]:
    """The narrative sections (most of them: real documents skip some)."""
    w = Writer(plan)
    sections = final_sections if plan.doc_type == DocType.final_account else budget_sections
    for section in sections:
        if plan.rng.random() < 0.9:
            section(w, plan)
    return w.facts


def documents(n: int, start: int = 0) -> list[Document]:
    return [generate(seed) for seed in range(start, start + n)]


if __name__ == "__main__":  # python -m tools.synth SEED: print the truth as JSON
    import sys

    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0).model_dump_json(indent=1))
