"""worker/store/summary.py speaks plain SQL to the driver (worker/store/direct.py), on SQLite and
PostgreSQL (tests/store/conftest.py): its names are the tables `Store` creates, it counts what
`Store` holds through every URL form, a database no `Store` opened reads as empty (a SQLite file
is not created for it), and a store it cannot read is a StoreError that does not show the
password."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from schemas import DocStatus, Document
from schemas.performance import Section, SectionKind
from worker.errors import StoreError
from worker.services.status import summary
from worker.settings import Settings
from worker.store import Store
from worker.store import summary as totals

SECTION = Section(section_id="s1", kind=SectionKind.narrative_targets, title="绩效目标",
                  text="目标", reason="narrative")


def _url_forms(url: str) -> list[str]:
    """The URL as users write it: straight to the driver, and through a SQLAlchemy driver name."""
    rest = url.split("://", 1)[1]
    if url.startswith("sqlite"):
        return ["sqlite://" + rest, "sqlite+pysqlite://" + rest]
    return ["postgresql://" + rest, "postgres://" + rest, "postgresql+psycopg://" + rest]


def test_the_summary_names_columns_the_store_creates(settings: Settings) -> None:
    store = Store.from_settings(settings)
    real = inspect(store.engine)
    for table, columns in totals.COLUMNS.items():
        assert columns <= {c["name"] for c in real.get_columns(table)}, table


def test_it_counts_what_the_store_holds_through_every_url_form(settings: Settings) -> None:
    store = Store.from_settings(settings)
    for i, reason in enumerate(["truncated PDF", "truncated PDF", "it's not a PDF: 100% text"]):
        doc_id, _ = store.add_document(f"failed {i}".encode(), f"failed-{i}.pdf", "pdf")
        store.mark_failed(doc_id, reason)
    for i in range(2):
        done, _ = store.add_document(f"done {i}".encode(), f"done-{i}.pdf", "pdf")
        store.save_result(Document(doc_id=done, pages=1), [], DocStatus.needs_review)
        store.save_sections(done, [SECTION], {})
    store.add_document(b"queued", "queued.pdf", "pdf")
    reasons, latest = store.failures(20)
    assert reasons == [("truncated PDF", 2), ("it's not a PDF: 100% text", 1)]
    for url in _url_forms(settings.db_url):
        now = summary(url)
        assert now.counts == store.counts(), url
        assert (now.counts[DocStatus.failed], now.counts[DocStatus.needs_review],
                now.counts[DocStatus.queued]) == (3, 2, 1)
        assert (now.reasons, now.latest_failures) == (reasons, latest), url
        assert (now.pending_sections, now.pending_documents) == store.pending_totals() == (2, 2)
        assert (now.calls, now.tokens_in, now.tokens_out) == (0, 0, 0)


def test_a_database_no_store_opened_holds_nothing(settings: Settings) -> None:
    for url in _url_forms(settings.db_url):
        now = summary(url)
        assert now.counts == dict.fromkeys(DocStatus, 0) and not now.failed, url
        assert (now.calls, now.pending_sections, now.latest_failures) == (0, 0, [])
        if url.startswith("sqlite://"):  # straight to the driver: it reads, it creates nothing
            assert not Path(make_url(url).database or "").exists()


def test_a_store_it_cannot_read_is_a_store_error_without_the_password(
        unusable_urls: list[str]) -> None:
    for url in unusable_urls:
        with pytest.raises(StoreError, match="cannot read the store") as raised:
            summary(url)
        assert (make_url(url).password or "\0") not in str(raised.value), url
