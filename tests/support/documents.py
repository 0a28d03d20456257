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
    doc, clean = store.load_result(doc_id)
    assert doc is not None
    for ti, table in enumerate(doc.tables):
        for ri, row in enumerate(table.rows):
            value = row.values.get("total")
            if row.level == 3 and value is not None and value.value and value.value > 0:
                wrong = value.value + Decimal("1.00")
                wan = wrong if table.unit == Unit.wan else wrong / 10000
                row.values["total"] = value.model_copy(
                    update={"raw": f"{wrong:.2f}", "value": wrong, "wan": wan}
                )
                findings = run_checks(doc)
                if len(findings) > len(clean):
                    store.save_result(doc, findings, DocStatus.needs_review, 0.0)
                    return Misread(ti, ri, "total", value.raw, f"{wrong:.2f}", clean)
                row.values["total"] = value  # this cell is checked by nothing: try another
    raise AssertionError("no checked leaf amount found in the sample")


def last_audit(store: Store, doc_id: str) -> tuple[str, str, str | None, str | None]:
    """(user, action, old, new) of the document's latest audit entry."""
    entry = store.audit(doc_id)[-1]
    return entry.user, entry.action, entry.old, entry.new
