"""The pipeline tells how far it got: the page count once the file is open, pages read, then
the stages after them; what the document is (department, year, type) before it is extracted."""

from __future__ import annotations

from schemas.progress import Progress, Stage
from tests.support.documents import CLEAN_SAMPLE
from tests.support.pdfs import text_pdf
from worker.pipeline import Outcome, process


def _run(data: bytes, name: str) -> tuple[list[Progress], Outcome]:
    told: list[Progress] = []
    outcome = process(data, "pdf", "d" * 64, name, progress=told.append)
    return told, outcome


def test_progress_counts_pages_then_the_stages_after_them() -> None:
    told, outcome = _run(CLEAN_SAMPLE.read_bytes(), CLEAN_SAMPLE.name)
    doc = outcome.document
    assert told[0].stage == Stage.pages and told[0].pages_done == 0
    assert [p.stage for p in told][-2:] == [Stage.extract, Stage.check]
    pages = [p.pages_done for p in told if p.stage == Stage.pages]
    assert pages == sorted(pages) and pages[-1] == doc.pages == told[0].pages_total == 21
    # known from the first pages at once, and what the extraction then finds
    assert (told[0].department, told[0].fiscal_year, told[0].doc_type) == (
        doc.department, doc.fiscal_year, doc.doc_type)
    assert doc.department and doc.fiscal_year == 2024


def test_page_reports_are_thinned_but_the_last_one_is_told() -> None:
    told, _ = _run(text_pdf(300), "long.pdf")
    pages = [p.pages_done for p in told if p.stage == Stage.pages]
    assert pages[-1] == 300 and len(pages) < 300
    # however fast the pages are read, the steps in between are told (every 5 % of the pages)
    assert len([n for n in pages if 0 < n < 300]) >= 19


def test_time_left_is_the_page_rate_so_far() -> None:
    p = Progress(stage=Stage.pages, pages_done=10, pages_total=40, started_at=0.0,
                 pages_started_at=100.0, at=120.0)
    assert p.seconds_left(now=120.0) == 60.0  # 2 s a page, 30 pages to go
    assert p.model_copy(update={"pages_done": 0}).seconds_left(120.0) is None
    assert p.model_copy(update={"stage": Stage.check}).seconds_left(120.0) is None
