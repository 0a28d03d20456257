"""The store on a real PostgreSQL server (tests/support/pg.py): what only a client/server
database shows: forked work horses, concurrent schema creation, the URL forms, a
full run through the real queue, and an export identical to SQLite's.

The rest of tests/store/ runs on both databases (tests/store/conftest.py). Needs Debian's
`postgresql` and the `postgres` extra (psycopg); without them these skip, except under CI=true,
where they fail: CI must prove the PostgreSQL path.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import inspect, text

from schemas import DocStatus
from schemas.performance import SectionKind, SectionResult, SectionStatus, Source
from tests.support.fresh import env_without_settings
from tests.support.openai_stub import OpenAIStub, tool
from tests.support.pg import PostgresServer
from tests.support.samples import SAMPLES
from worker.runtime.pool import work
from worker.services.export import export
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store
from worker.store.llm_cache import LLMCache


@pytest.fixture
def backend() -> str:
    """Only PostgreSQL here (tests/store/conftest.py runs the rest of tests/store/ on both)."""
    return "postgres"


def _backend_pid(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")))  # type: ignore[arg-type]


def test_the_store_under_test_is_postgresql(store: Store) -> None:
    assert (store.engine.dialect.name, store.engine.dialect.driver) == ("postgresql", "psycopg")
    tables = set(inspect(store.engine).get_table_names())
    assert {"documents", "audit", "sections", "llm_cache", "llm_calls"} <= tables


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://", "postgresql+psycopg://"])
def test_url_forms_all_reach_the_server(pg_url: str, tmp_path: Path, scheme: str) -> None:
    url = scheme + pg_url.split("://", 1)[1]
    first = Store(url, tmp_path)
    doc_id, _ = first.add_document(b"u", "u.txt", "txt")
    assert Store(pg_url, tmp_path).get(doc_id) is not None  # the same database
    assert first.engine.dialect.driver == "psycopg"


def _child(store: Store, conn: Connection) -> None:
    doc_id, _ = store.add_document(b"from the child", "c.txt", "txt")
    conn.send((_backend_pid(store), doc_id))


def test_forked_child_never_reuses_the_parents_connection(store: Store) -> None:
    parent_pid = _backend_pid(store)  # now pooled, open, in the parent
    here, there = mp.get_context("fork").Pipe()
    child = mp.get_context("fork").Process(target=_child, args=(store, there))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    child_backend, doc_id = here.recv()
    assert child_backend != parent_pid  # a session of its own, not the parent's socket
    assert _backend_pid(store) == parent_pid  # and the parent's session was left intact
    assert store.get(doc_id) is not None


def test_workers_creating_the_tables_at_once_do_not_collide(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    for _ in range(3):  # a race: give it a few chances to show
        url = postgres.create_database()
        with ThreadPoolExecutor(6) as pool:
            stores = list(pool.map(Store, [url] * 6, [tmp_path] * 6))
        assert all(s.counts()[DocStatus.queued] == 0 for s in stores)
        for s in stores:
            s.engine.dispose()
        postgres.drop_database(url)


def test_llm_cache_put_twice_keeps_the_first(store: Store) -> None:
    # two workers reading the same section text both miss the cache, then both put
    cache = LLMCache(store.engine)
    result = SectionResult(
        section_id="n1", kind=SectionKind.narrative_targets, status=SectionStatus.ok, model="m"
    )
    cache.put("k" * 64, result, "v1", "text")
    cache.put("k" * 64, result.model_copy(update={"model": "other"}), "v1", "text")
    assert cache.get("k" * 64) == result


# -- a full run through the real queue -------------------------------------------------------

SAMPLE_FILES = [next(SAMPLES.glob("004_*.docx")), next(SAMPLES.glob("000_*.pdf"))]


def _run_and_export(settings: Settings, store: Store, queue: Queue, out: Path) -> list[str]:
    inbox = out.parent / "in"  # the same paths for both databases: source_file is exported
    inbox.mkdir(exist_ok=True)
    for sample in SAMPLE_FILES:
        shutil.copy(sample, inbox)
    answer = tool({"overall_goal": None, "items": []})
    with OpenAIStub([answer] * 20) as stub:
        live = settings.model_copy(update={"llm_base_url": stub.base_url, "llm_model": "stub"})
        doc_ids = submit([str(inbox)], store, queue, live).doc_ids
        work(live, burst=True)  # RQ forks a work horse per job: each opens its own connections
    export(store, "csv", out)
    return doc_ids


def _parsed(store: Store, doc_id: str) -> list[dict]:
    """The parser's section results, as stored with the document."""
    document, _ = store.load_result(doc_id)
    assert document is not None
    return [s.model_dump(mode="json") for s in document.sections if s.source == Source.parser]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_pipeline_on_postgresql_exports_what_sqlite_does(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    doc_ids = _run_and_export(settings, store, queue, tmp_path / "pg")
    records = store.list()
    assert len(records) == 2
    assert all(r.status in (DocStatus.extracted, DocStatus.needs_review) for r in records)
    assert all(r.fiscal_year and r.department and r.attempts == 1 for r in records)
    docx = next(d for d in doc_ids if store.get(d).kind == "docx")
    # 004's project target table is read by the parser (with the document), its prose by the LLM
    llm_sections = store.section_results(docx)
    assert [s.kind for s in llm_sections] == [SectionKind.narrative_targets]
    assert all(s.status != SectionStatus.pending for s in llm_sections)
    assert LLMCache(store.engine).doc_usage(docx).calls >= 1  # the ledger is in PostgreSQL
    parsed = _parsed(store, docx)
    assert [s["kind"] for s in parsed] == [SectionKind.project_targets]

    lite = settings.model_copy(update={"database_url": None, "data_dir": tmp_path / "lite"})
    lite_store = Store.from_settings(lite)
    assert lite_store.engine.dialect.name == "sqlite"
    queue.connection.flushall()
    _run_and_export(lite, lite_store, queue, tmp_path / "sqlite")
    for name in ("documents", "facts", "findings"):
        pg_rows, lite_rows = (
            _csv(tmp_path / "pg" / f"{name}.csv"),
            _csv(tmp_path / "sqlite" / f"{name}.csv"),
        )
        assert pg_rows == lite_rows, name
    lite_docx = next(r.doc_id for r in lite_store.list() if r.kind == "docx")
    assert _parsed(lite_store, lite_docx) == parsed  # the parser's reading, stored alike
    assert len(_csv(tmp_path / "pg" / "facts.csv")) > 100


@pytest.mark.slow
def test_cli_run_with_two_workers_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """As deployed: the URL from the environment, two spawned workers writing at once."""
    inbox, data = tmp_path / "in", tmp_path / "data"
    inbox.mkdir()
    for sample in SAMPLE_FILES:
        shutil.copy(sample, inbox)
    env = env_without_settings()
    env |= {
        "BUDGETLENS_DATA_DIR": str(data),
        "COLUMNS": "120",
        "BUDGETLENS_DATABASE_URL": pg_url.replace("postgresql+psycopg://", "postgresql://"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "worker.cli", "run", str(inbox), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "2 queued, 0 duplicate, 0 rejected" in run.stdout

    store = Store(pg_url, data / "blobs")
    records = store.list()
    assert len(records) == 2 and all(r.attempts == 1 for r in records)
    assert {r.status for r in records} <= {DocStatus.extracted, DocStatus.needs_review}
    assert store.pending_sections()  # no LLM endpoint: its sections wait, in PostgreSQL
    assert not (data / "budgetlens.sqlite3").exists()
