"""Documents to review, made by the real extraction on the bundled samples, for the UI tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from schemas import DocStatus, Document, Finding, Unit
from tests.support.samples import SAMPLES
from worker.pipeline import process
from worker.pipeline.checks import run_checks
from worker.store import Store

# A budget whose extracted tables are internally consistent (no findings), so a single misread
# value is the only thing the checks can complain about.
CLEAN_SAMPLE = SAMPLES / "001_f525e4192ca00c01.pdf"


def extract(path: Path, doc_id: str) -> tuple[Document, list[Finding]]:
    """What the worker would store for this file: the real pipeline."""
    outcome = process(path.read_bytes(), "pdf", doc_id, path.name)
    return outcome.document, outcome.findings


def store_sample(store: Store, path: Path = CLEAN_SAMPLE) -> str:
    """Submit the sample's bytes and store its extraction, as a worker would."""
    doc_id, _ = store.add_document(path.read_bytes(), path.name, "pdf")
    doc, findings = extract(path, doc_id)
    status = DocStatus.needs_review if findings or doc.problems else DocStatus.extracted
    store.save_result(doc, findings, status, 0.0)
    return doc_id


@dataclass
class Misread:
    """One value the 'extraction' got wrong on purpose: where, what is printed, what was read."""

    table: int
    row: int
    column: str
    printed: str
    misread: str
    findings_before: list[Finding]


def misread_one_value(store: Store, doc_id: str) -> Misread:
    """Change one leaf amount of the stored result (as an OCR slip would) and re-run the checks,
    so the stored result has a finding that correcting the value back must clear."""
    return misread_values(store, doc_id, 1)[0]


def misread_values(
    store: Store, doc_id: str, n: int, columns: tuple[str, ...] = ("total",)
) -> list[Misread]:
    """`n` leaf amounts misread (`columns`' first, in table order), each raising a finding."""
    doc, clean = store.load_result(doc_id)
    assert doc is not None
    slips: list[Misread] = []
    cells = [(ti, ri, key) for key in columns for ti, t in enumerate(doc.tables)
             for ri, r in enumerate(t.rows) if r.level == 3 and key in r.values]
    for ti, ri, key in cells:
        table, row = doc.tables[ti], doc.tables[ti].rows[ri]
        value = row.values[key]
        if value.value and value.value > 0:
            wrong = value.value + Decimal("1.00")
            wan = wrong if table.unit == Unit.wan else wrong / 10000
            row.values[key] = value.model_copy(
                update={"raw": f"{wrong:.2f}", "value": wrong, "wan": wan}
            )
            findings = run_checks(doc)
            if len(findings) <= len(clean):
                row.values[key] = value  # this cell is checked by nothing: try another
                continue
            slips.append(Misread(ti, ri, key, value.raw, f"{wrong:.2f}", clean))
            clean = findings
            if len(slips) == n:
                store.save_result(doc, findings, DocStatus.needs_review, 0.0)
                return slips
    raise AssertionError(f"fewer than {n} checked leaf amounts found in the sample")


def last_audit(store: Store, doc_id: str) -> tuple[str, str, str | None, str | None]:
    """(user, action, old, new) of the document's latest audit entry."""
    entry = store.audit(doc_id)[-1]
    return entry.user, entry.action, entry.old, entry.new
