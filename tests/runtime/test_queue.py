"""The embedded Redis: starts, persists the queue across a stop, is reused by a sibling."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest
import redis

from worker.errors import QueueUnavailable
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


def test_a_server_that_cannot_load_its_queue_says_why(tmp_path: Path) -> None:
    root = tmp_path / "redis"
    root.mkdir()
    (root / "appendonly.aof").write_text("this is not a redis append-only file\n")
    with pytest.raises(QueueUnavailable) as failed:
        EmbeddedRedis(root).start()
    said = str(failed.value)
    assert "exited (1)" in said and "append only file" in said  # redis-server's own words
    assert not _servers_in(root)


def test_a_server_that_never_answers_is_stopped_not_left_behind(tmp_path: Path) -> None:
    # a hung start (a stalled disk, say): given up after the timeout, and the process killed —
    # left running it would come up later serving a queue nobody supervises
    hung = tmp_path / "hung-redis-server"
    hung.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(600)\n")
    hung.chmod(0o755)
    root = tmp_path / "redis"
    with pytest.raises(QueueUnavailable, match="did not answer within 1 s"):
        EmbeddedRedis(root, binary=str(hung)).start(timeout=1)
    assert not _servers_in(root)  # its command line names the config under root


def _servers_in(root: Path) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"])
            if str(root.resolve()) in " ".join(p.info["cmdline"] or [])]
