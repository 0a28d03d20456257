"""What `budgetlens status` shows, from SQL aggregates: a fixed number of statements, each
returning at most a few dozen rows, however many documents the store holds (5,000 documents:
bench/status.py). No result, finding or listing is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import DocStatus
from schemas.performance import Usage
from worker.store import Store
from worker.store.llm_cache import LLMCache

SHOWN = 20  # failures listed one by one (the latest), and reasons counted


@dataclass(frozen=True)
class Summary:
    counts: dict[DocStatus, int]
    usage: Usage
    pending_sections: int
    pending_documents: int
    reasons: list[tuple[str, int]]  # failure reason, documents; the most frequent first
    latest_failures: list[tuple[str, str, str]]  # doc_id, source file, reason; the latest first

    @property
    def failed(self) -> int:
        return self.counts[DocStatus.failed]


def summary(store: Store, shown: int = SHOWN) -> Summary:
    reasons, latest = store.failures(shown)
    sections, docs = store.pending_totals()
    return Summary(counts=store.counts(), usage=LLMCache(store.engine).total_usage(),
                   pending_sections=sections, pending_documents=docs, reasons=reasons,
                   latest_failures=latest)
