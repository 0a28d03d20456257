"""The LLM cache and call ledger, in two SQL tables of the store's database.

`llm_cache`: one row per (model, prompt version, section text hash) holding the finished
`SectionResult`, so re-running a document makes no call. `llm_calls`: one row per HTTP call
(tokens in/out, latency, outcome) per document and section: the per-document token budget and
the totals that `status` and the export show are sums over it.

`LLMCache(store.engine)` shares the store's engine, whose tables the store creates; a path or
URL opens a database of its own the same way (worker/store/database.py: fork-safe pool, SQLite
pragmas). Either way: insert-or-skip, NUL-safe text, database failures raised as StoreError.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.exc import SQLAlchemyError

from schemas.performance import CallRecord, SectionResult, Usage
from worker.errors import StoreError
from worker.store.database import NulFreeText, create_tables, insert_or_skip, open_engine

M = TypeVar("M", bound=BaseModel)
metadata = MetaData()

cache_table = Table(
    "llm_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("model", String(200), nullable=False),
    Column("prompt_version", String(200), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("result", NulFreeText, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

calls_table = Table(
    "llm_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(64), nullable=False, index=True),
    Column("section_id", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
    Column("latency_s", Float, nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(model: str, prompt_version: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{prompt_version}\0{text_hash(text)}".encode()).hexdigest()


class LLMCache:
    """Cached section results and the call ledger."""

    def __init__(self, target: Engine | str | Path) -> None:
        if isinstance(target, Engine):
            self.engine = target  # the store's: its tables are made with the store's
            return
        url = str(target) if "://" in str(target) else f"sqlite:///{Path(target).resolve()}"
        self.engine = open_engine(url)
        with self._begin() as conn:
            create_tables(conn, metadata)

    @classmethod
    def in_dir(cls, data_dir: Path) -> LLMCache:
        return cls(data_dir / "llm_cache.sqlite3")

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"LLM cache: {exc}") from exc

    def get(self, key: str, kind: type[M] = SectionResult) -> M | None:  # type: ignore[assignment]
        """The cached result of `kind` (a section's, or a table re-read's answer)."""
        with self._begin() as conn:
            row = conn.execute(select(cache_table.c.result).where(cache_table.c.key == key)).first()
        return kind.model_validate_json(row.result) if row else None

    def put(
        self, key: str, result: BaseModel, prompt_version: str, text: str, model: str | None = None
    ) -> None:
        values = {
            "key": key,
            "model": model or getattr(result, "model", None) or "",
            "prompt_version": prompt_version,
            "text_sha256": text_hash(text),
            "result": result.model_dump_json(),
            "created_at": datetime.now(UTC),
        }
        # two workers that missed on the same text both put: the first answer stays
        upsert = insert_or_skip(self.engine.dialect.name)
        stmt = (
            upsert(cache_table).values(**values).on_conflict_do_nothing()
            if upsert
            else insert(cache_table).values(**values)
        )
        with self._begin() as conn:
            conn.execute(stmt)

    def record_calls(self, doc_id: str, section_id: str, calls: list[CallRecord]) -> None:
        if not calls:
            return
        now = datetime.now(UTC)
        rows = [
            {"doc_id": doc_id, "section_id": section_id, "at": now, **c.model_dump()} for c in calls
        ]
        with self._begin() as conn:
            conn.execute(insert(calls_table), rows)

    def doc_usage(self, doc_id: str) -> Usage:
        return self._usage(calls_table.c.doc_id == doc_id)

    def doc_tokens(self, doc_id: str) -> int:
        usage = self.doc_usage(doc_id)
        return usage.tokens_in + usage.tokens_out

    def usage_of(self, doc_ids: list[str]) -> dict[str, Usage]:
        """Calls and tokens per document of `doc_ids` in one grouped query (a batch of an
        export; a document without calls is absent)."""
        c = calls_table.c
        query = (
            select(c.doc_id, func.count(), func.sum(c.tokens_in), func.sum(c.tokens_out),
                   func.sum(c.latency_s))
            .where(c.doc_id.in_(doc_ids))
            .group_by(c.doc_id)
        )
        with self._begin() as conn:
            return {
                doc_id: Usage(calls=n, tokens_in=t_in or 0, tokens_out=t_out or 0,
                              latency_s=latency or 0.0)
                for doc_id, n, t_in, t_out, latency in conn.execute(query)
            }

    def total_usage(self) -> Usage:
        """Calls and tokens over every document (for `budgetlens status`)."""
        return self._usage(true())

    def _usage(self, where: ColumnElement[bool]) -> Usage:
        c = calls_table.c
        query = select(
            func.count(), func.sum(c.tokens_in), func.sum(c.tokens_out), func.sum(c.latency_s)
        ).where(where)
        with self._begin() as conn:
            n, t_in, t_out, latency = conn.execute(query).one()
        return Usage(calls=n, tokens_in=t_in or 0, tokens_out=t_out or 0, latency_s=latency or 0.0)
