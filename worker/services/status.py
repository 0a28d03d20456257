"""What `budgetlens status` shows, from SQL aggregates (worker/store/summary.py): a fixed number
of statements, each returning at most a few dozen rows, however many documents the store holds
(5,000 documents: bench/status.py). No result, finding or listing is loaded, and nothing here
imports SQLAlchemy, the ORM or a Pydantic model (worker/store/direct.py reads through the
driver): a fresh process would pay more for them than for the SQL."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.common import DocStatus
from worker.store import summary as totals
from worker.store.direct import reading

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


def summary(url: str, shown: int = SHOWN) -> Summary:
    """The totals of the store at `url` (a database URL), in one connection; a database no
    `Store` has opened holds nothing. StoreError when it cannot be read."""
    with reading(url) as found:
        if found is None:
            return Summary(dict.fromkeys(DocStatus, 0), 0, 0, 0, 0, 0, [], [])
        cur, _dialect = found
        reasons, latest = totals.failures(cur, shown)
        return Summary(totals.counts(cur), *totals.usage(cur), *totals.pending_totals(cur),
                       reasons, latest)
