"""Stage 3, extract: layout → the canonical Document (metadata, standard tables, narrative)."""

from __future__ import annotations

from schemas import Document, Problem
from worker.layout import Layout
from worker.narrative import parse_narrative
from worker.pipeline.metadata import read_metadata
from worker.tables import extract_tables


def extract(layout: Layout, doc_id: str, source_file: str, page_count: int) -> Document:
    text = layout.text
    meta = read_metadata(text)
    tables, problems = extract_tables(layout)
    doc = Document(
        doc_id=doc_id,
        source_file=source_file,
        department=meta.department,
        region=meta.region,
        fiscal_year=meta.fiscal_year,
        doc_type=meta.doc_type,
        unit=meta.unit,
        pages=page_count,
        tables=tables,
        narrative=parse_narrative(layout),
        page_texts=[p.text for p in layout.pages],
        page_names=[p.name or "" for p in layout.pages] if any(p.name for p in layout.pages)
        else [],
        problems=[*layout.problems, *problems],  # e.g. pages that had to be OCR'd
    )
    for missing in ("department", "fiscal_year", "doc_type"):
        if getattr(doc, missing) is None:
            doc.problems.append(Problem(stage="extract", message=f"could not find the {missing}"))
    return doc
