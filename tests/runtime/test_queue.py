"""The embedded Redis: starts, persists the queue across a stop, is reused by a sibling."""

from __future__ import annotations

from pathlib import Path

import redis

from worker.runtime.queue import EmbeddedRedis


def test_embedded_redis_persists_across_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    assert server.owned
    client = redis.Redis.from_url(server.url)
    client.rpush("rq:queue:test", "job-1")
    client.close()
    server.stop()
    assert not server.socket.exists() or not EmbeddedRedis(tmp_path / "redis")._ping()

    again = EmbeddedRedis(tmp_path / "redis").start()
    try:
        assert redis.Redis.from_url(again.url).lrange("rq:queue:test", 0, -1) == [b"job-1"]
    finally:
        again.stop()
    assert (tmp_path / "redis" / "appendonlydir").exists() or any(
        (tmp_path / "redis").glob("*.aof"))


def test_second_process_reuses_running_server(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path / "r").start()
    second = EmbeddedRedis(tmp_path / "r").start()
    try:
        assert first.owned and not second.owned
        assert first.url == second.url
        second.stop()  # a borrower never shuts the server down
        assert redis.Redis.from_url(first.url).ping()
    finally:
        first.stop()


def test_long_data_dir_uses_short_socket_path(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    server = EmbeddedRedis(deep).start()
    try:
        assert len(str(server.socket)) <= 100
        assert redis.Redis.from_url(server.url).ping()
    finally:
        server.stop()
