"""The store: documents keyed by the SHA-256 of their bytes, their results, and the audit log.

A SQLite file under the data dir by default (WAL, so several worker processes can write), or
PostgreSQL by URL (`postgresql://…`, psycopg 3: `pip install 'budgetlens[postgres]'`); both are
tested for real, and worker/store/database.py keeps them behaving alike (and safe across RQ's forks).
Original bytes are kept content-addressed under `blob_dir`, so results can always be re-derived
and pages shown.

    Store        worker/store/documents.py: documents, results, sections, review, audit (ORM)
    summary      worker/store/summary.py: what `budgetlens status` counts, in SQL aggregates
    direct       worker/store/direct.py: a read-only cursor straight from the driver, for `status`
    llm_cache    worker/store/llm_cache.py: the LLM cache and call ledger
    database     worker/store/database.py: the engine, alike on SQLite and PostgreSQL

`Store` is imported on first use: `budgetlens status` reads through `summary` and `direct`
alone, and SQLAlchemy, the ORM and the Pydantic schemas behind `Store` cost a fresh process
more than its queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from worker.errors import VersionConflict

if TYPE_CHECKING:
    from worker.store.documents import Store

__all__ = ["Store", "VersionConflict"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from worker.store.documents import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
