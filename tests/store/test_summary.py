"""worker/store/summary.py names the store's tables column by column (to stay clear of the ORM):
those names are the tables `Store` creates, and a database no `Store` opened reads as empty."""

from __future__ import annotations

from sqlalchemy import inspect

from schemas import DocStatus
from worker.services.status import summary
from worker.settings import Settings
from worker.store import Store
from worker.store import summary as totals
from worker.store.database import open_engine


def test_the_summary_names_columns_the_store_creates(settings: Settings) -> None:
    store = Store.from_settings(settings)
    real = inspect(store.engine)
    for table in (totals.documents, totals.sections, totals.llm_calls):
        have = {c["name"] for c in real.get_columns(table.name)}
        assert {c.name for c in table.c} <= have, table.name


def test_a_database_no_store_opened_holds_nothing(settings: Settings) -> None:
    now = summary(open_engine(settings.db_url))
    assert now.counts == dict.fromkeys(DocStatus, 0) and not now.failed
    assert (now.calls, now.pending_sections, now.latest_failures) == (0, 0, [])
