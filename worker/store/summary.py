"""What `budgetlens status` counts, in SQL aggregates: a fixed number of statements, each
returning at most a few dozen rows, however many documents the store holds; no result, finding
or listing is loaded (5,000 documents: bench/status.py).

SQLAlchemy Core over the tables `Store` creates (worker/store/documents.py, llm_cache.py),
named here column by column (tests/store/test_summary.py holds them to the real ones), so a
fresh `budgetlens status` imports neither the ORM nor a Pydantic model: they cost it more than
its queries.
"""

from __future__ import annotations

from sqlalchemy import Connection, column, func, inspect, select, table

from schemas.common import DocStatus, SectionStatus

documents = table("documents", column("doc_id"), column("status"), column("source_file"),
                  column("error"), column("updated_at"))
sections = table("sections", column("doc_id"), column("status"))
llm_calls = table("llm_calls", column("tokens_in"), column("tokens_out"))


def opened(conn: Connection) -> bool:
    """Whether a `Store` ever opened this database (its tables exist)."""
    return inspect(conn).has_table("documents")


def counts(conn: Connection, doc_ids: list[str] | None = None) -> dict[DocStatus, int]:
    """Documents per state (of `doc_ids`, at most one IN (…)'s worth, or of all)."""
    q = select(documents.c.status, func.count()).group_by(documents.c.status)
    if doc_ids is not None:
        q = q.where(documents.c.doc_id.in_(doc_ids))
    found = dict.fromkeys(DocStatus, 0)
    for status, n in conn.execute(q):
        found[DocStatus(status)] += n
    return found


def failures(conn: Connection, limit: int) -> tuple[list[tuple[str, int]],
                                                    list[tuple[str, str, str]]]:
    """Failed documents in two bounded queries: (reason, documents) most frequent first, at most
    `limit` reasons; and the latest `limit` failures (doc_id, source_file, reason)."""
    d = documents.c
    reason = func.coalesce(d.error, "")
    failed = d.status == DocStatus.failed.value
    by_reason = (select(reason, func.count()).where(failed).group_by(reason)
                 .order_by(func.count().desc(), reason).limit(limit))
    latest = (select(d.doc_id, d.source_file, reason).where(failed)
              .order_by(d.updated_at.desc(), d.doc_id).limit(limit))
    return ([(r, n) for r, n in conn.execute(by_reason)],
            [(i, f, r) for i, f, r in conn.execute(latest)])


def pending_totals(conn: Connection) -> tuple[int, int]:
    """(sections, documents) waiting for the LLM, counted by the database."""
    q = select(func.count(), func.count(func.distinct(sections.c.doc_id))).where(
        sections.c.status == SectionStatus.pending.value)
    n, docs = conn.execute(q).one()
    return int(n), int(docs)


def usage(conn: Connection) -> tuple[int, int, int]:
    """LLM calls over every document, and their tokens in and out."""
    c = llm_calls.c
    q = select(func.count(), func.coalesce(func.sum(c.tokens_in), 0),
               func.coalesce(func.sum(c.tokens_out), 0))
    calls, tokens_in, tokens_out = conn.execute(q).one()
    return int(calls), int(tokens_in), int(tokens_out)
