"""What `budgetlens status` counts, in SQL aggregates: a fixed number of statements, each
returning at most a few dozen rows, however many documents the store holds; no result, finding
or listing is loaded (5,000 documents: bench/status.py).

Plain SQL that SQLite and PostgreSQL both speak, over a DBAPI cursor: `Store` passes its
session's (worker/store/documents.py) and a fresh `budgetlens status` one straight from the
driver (worker/store/direct.py), so it imports neither SQLAlchemy nor a Pydantic model — they
cost it more than its queries. The statements take no parameters (the states are our enum's
values, the limit an int), so no driver's placeholder style matters. The table and column names
are the ones `Store` creates (tests/store/test_summary.py holds them to the real tables).
"""

from __future__ import annotations

from typing import Any

from schemas.common import DocStatus, SectionStatus

# whether a `Store` ever opened the database (its tables exist): per dialect, else the standard's
_OPENED_ELSEWHERE = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'documents'"
_OPENED = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'documents'",
    "postgresql": "SELECT count(*) FROM pg_tables WHERE tablename = 'documents' "
                  "AND schemaname = ANY (current_schemas(false))",
}
_COUNTS = "SELECT status, count(*) FROM documents GROUP BY status"
_FAILED = f"status = '{DocStatus.failed.value}'"
_BY_REASON = (f"SELECT coalesce(error, ''), count(*) FROM documents WHERE {_FAILED} "
              "GROUP BY coalesce(error, '') ORDER BY count(*) DESC, coalesce(error, '') LIMIT {}")
_LATEST = (f"SELECT doc_id, source_file, coalesce(error, '') FROM documents WHERE {_FAILED} "
           "ORDER BY updated_at DESC, doc_id LIMIT {}")
_PENDING = ("SELECT count(*), count(DISTINCT doc_id) FROM sections "
            f"WHERE status = '{SectionStatus.pending.value}'")
_USAGE = ("SELECT count(*), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0) "
          "FROM llm_calls")
COLUMNS = {"documents": {"doc_id", "status", "source_file", "error", "updated_at"},
           "sections": {"doc_id", "status"}, "llm_calls": {"tokens_in", "tokens_out"}}


def _rows(cur: Any, sql: str) -> list[tuple[Any, ...]]:
    cur.execute(sql)
    return [tuple(row) for row in cur.fetchall()]


def opened(cur: Any, dialect: str) -> bool:
    """Whether a `Store` ever opened this database."""
    return bool(_rows(cur, _OPENED.get(dialect, _OPENED_ELSEWHERE))[0][0])


def counts(cur: Any) -> dict[DocStatus, int]:
    """Documents per state, every state (0 included)."""
    found = dict.fromkeys(DocStatus, 0)
    for status, n in _rows(cur, _COUNTS):
        found[DocStatus(status)] += n
    return found


def failures(cur: Any, limit: int) -> tuple[list[tuple[str, int]], list[tuple[str, str, str]]]:
    """Failed documents in two bounded queries: (reason, documents) most frequent first, at most
    `limit` reasons; and the latest `limit` failures (doc_id, source_file, reason)."""
    return ([(r, int(n)) for r, n in _rows(cur, _BY_REASON.format(int(limit)))],
            [(i, f, r) for i, f, r in _rows(cur, _LATEST.format(int(limit)))])


def pending_totals(cur: Any) -> tuple[int, int]:
    """(sections, documents) waiting for the LLM, counted by the database."""
    n, docs = _rows(cur, _PENDING)[0]
    return int(n), int(docs)


def usage(cur: Any) -> tuple[int, int, int]:
    """LLM calls over every document, and their tokens in and out."""
    calls, tokens_in, tokens_out = _rows(cur, _USAGE)[0]
    return int(calls), int(tokens_in), int(tokens_out)
