"""What `budgetlens status` shows, from SQL aggregates (worker/store/summary.py): a fixed number
of statements, each returning at most a few dozen rows, however many documents the store holds
(5,000 documents: bench/status.py). No result, finding or listing is loaded, and nothing here
imports the ORM or a Pydantic model: a fresh process would pay more for them than for the SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from schemas.common import DocStatus
from worker.errors import StoreError
from worker.store import summary as totals

SHOWN = 20  # failures listed one by one (the latest), and reasons counted


@dataclass(frozen=True)
class Summary:
    counts: dict[DocStatus, int]  # every state, 0 included
    calls: int  # LLM calls, and their tokens
    tokens_in: int
    tokens_out: int
    pending_sections: int
    pending_documents: int
    reasons: list[tuple[str, int]]  # failure reason, documents; the most frequent first
    latest_failures: list[tuple[str, str, str]]  # doc_id, source file, reason; the latest first

    @property
    def failed(self) -> int:
        return self.counts[DocStatus.failed]


def summary(engine: Engine, shown: int = SHOWN) -> Summary:
    """The store's totals, in one connection; a database no `Store` has opened holds nothing."""
    try:
        with engine.connect() as conn:
            if not totals.opened(conn):
                return Summary(dict.fromkeys(DocStatus, 0), 0, 0, 0, 0, 0, [], [])
            reasons, latest = totals.failures(conn, shown)
            return Summary(totals.counts(conn), *totals.usage(conn),
                           *totals.pending_totals(conn), reasons, latest)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store {engine.url!r}: {exc}") from exc
