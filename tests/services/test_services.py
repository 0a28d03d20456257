"""Services, the store and queue the CLI and the UI share: Redis only when the queue is used."""

from __future__ import annotations

import pytest
import redis

from schemas import DocStatus
from worker.services import Services
from worker.settings import Settings


def test_the_queue_and_its_embedded_redis_start_on_first_use(settings: Settings) -> None:
    embedded = settings.model_copy(update={"redis_url": None})
    with Services(embedded) as sv:
        assert sv.store.counts()[DocStatus.queued] == 0  # reading needs no Redis
        assert sv.redis is None and sv.settings.redis_url is None
        queue = sv.queue
        assert sv.redis is not None and sv.settings.redis_url == sv.redis.url
        assert sv.queue is queue and sv.live() is sv.settings
        assert queue.connection.ping()
    with pytest.raises(redis.ConnectionError):  # leaving the block stopped the server it started
        queue.connection.ping()


def test_an_external_redis_is_used_as_it_is(settings: Settings) -> None:
    with Services(settings) as sv:
        assert sv.live().redis_url == settings.redis_url and sv.redis is None
        assert sv.queue.connection.ping()
    assert sv.queue.connection.ping()  # not ours: still up
