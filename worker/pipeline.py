"""The pipeline in one screen: load → chunk → extract → check. Pure: bytes in, result out; the
job (worker/jobs.py) does the store I/O around it."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import DocStatus, Document, Finding, Problem
from worker.checks import run_checks
from worker.chunk import chunk
from worker.extract import extract
from worker.load import load


@dataclass
class Outcome:
    document: Document
    findings: list[Finding]

    @property
    def status(self) -> DocStatus:
        """Clean documents are `extracted`; anything a person should look at `needs_review`."""
        if self.findings or self.document.problems:
            return DocStatus.needs_review
        return DocStatus.extracted


def process(data: bytes, kind: str, doc_id: str, source_file: str, max_pages: int) -> Outcome:
    """Raises DocumentRejected when the document cannot be read at all."""
    loaded = load(data, kind, max_pages)
    layout = chunk(loaded)
    document = extract(layout, doc_id, source_file, loaded.page_count)
    document.problems[:0] = [Problem(stage="load", message=w) for w in loaded.warnings]
    findings = run_checks(document)
    return Outcome(document, findings)
