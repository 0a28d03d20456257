"""Use cases shared by the CLI and the UI: submit, review, export, accounts; and `Services`,
the store and queue both of them work with.

`Services` opens the store at once and the queue on first use: its Redis (embedded unless
BUDGETLENS_REDIS_URL is set) is started then, so reading works where Redis cannot run.
`close()` (or leaving the `with` block) stops what it started.

Light to import (the store, RQ and Redis load when a `Services` is made or its queue used):
`budgetlens status` imports worker/services/status.py, and with it this package, without them.
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import TYPE_CHECKING

from worker.settings import Settings

if TYPE_CHECKING:
    from rq import Queue

    from schemas.progress import Progress, WorkerInfo
    from worker.runtime.queue import EmbeddedRedis


class Services:
    def __init__(self, settings: Settings) -> None:
        from worker.store import Store

        self.settings = settings  # with the live redis_url once the queue is up
        self.store = Store.from_settings(settings)
        self.redis: EmbeddedRedis | None = None  # ours to restart, when embedded
        self._queue: Queue | None = None
        self._stack = contextlib.ExitStack()

    @property
    def queue(self) -> Queue:
        """The RQ queue; starts (or reuses) Redis on first use."""
        if self._queue is None:
            from worker.runtime.queue import connect, get_queue, redis_owned

            live, self.redis = self._stack.enter_context(redis_owned(self.settings))
            self._queue = get_queue(live, connect(live))
            self.settings = live
        return self._queue

    def live(self) -> Settings:
        """Settings whose redis_url reaches a running server (started if needed)."""
        _ = self.queue
        return self.settings

    def workers(self) -> list[WorkerInfo]:
        """The worker processes alive now (by their Redis heartbeat), wherever they run."""
        from worker.runtime.activity import live_workers

        conn = self.queue.connection
        return live_workers(self.settings, conn)

    def progress(self) -> dict[str, Progress]:
        """doc_id → how far its running extraction has got."""
        from worker.runtime.activity import running_progress

        conn = self.queue.connection
        return running_progress(self.settings, conn)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
