"""The LLM cache on its own database file: opened like the store's (SQLite pragmas, fork-safe
pool), failures as StoreError; on the store's engine, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from schemas.performance import CallRecord, SectionKind, SectionResult, SectionStatus
from worker.errors import StoreError
from worker.store import Store
from worker.store.llm_cache import LLMCache, cache_key

RESULT = SectionResult(
    section_id="n1", kind=SectionKind.narrative_targets, status=SectionStatus.ok, model="m",
    reasons=["quoted from a text layer holding a NUL: 财政\x00局"],
)


def test_its_own_file_is_opened_as_the_store_opens_one(tmp_path: Path) -> None:
    cache = LLMCache(tmp_path / "cache" / "llm.sqlite3")  # the folder is made too
    with cache.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"  # several workers write
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_a_database_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "llm.sqlite3").mkdir()  # a directory where the file should be
    with pytest.raises(StoreError, match="LLM cache"):
        LLMCache(tmp_path / "llm.sqlite3")


def test_on_the_store_engine_results_and_calls_round_trip(store: Store) -> None:
    cache = LLMCache(store.engine)
    key = cache_key("m", "v1", "text")
    assert cache.get(key) is None
    cache.put(key, RESULT, "v1", "text")
    assert cache.get(key) == RESULT  # the NUL survives, PostgreSQL included
    calls = [CallRecord(model="m", tokens_in=10, tokens_out=5, latency_s=0.5, outcome="ok"),
             CallRecord(model="m", tokens_in=7, tokens_out=0, latency_s=0.1, outcome="invalid")]
    cache.record_calls("d1", "n1", calls)
    cache.record_calls("d2", "n1", calls[:1])
    assert cache.doc_tokens("d1") == 22
    usage = cache.total_usage()
    assert (usage.calls, usage.tokens_in, usage.tokens_out) == (3, 27, 10)
