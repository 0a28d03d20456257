"""`budgetlens worker`: a supervisor over N worker processes and the Redis they need.

Until it is stopped (SIGTERM, SIGINT) the supervisor
  - respawns a worker that died (killed, crashed, or quit on a lost Redis connection), with a
    backoff for one that keeps dying young;
  - restarts the embedded Redis when it went away; workers reconnect on their own. Without Redis
    for `redis_giveup_s` it stops and exits non-zero;
  - in burst mode returns once nothing is queued, scheduled (a retry waiting out its backoff) or
    started (a job of a dead worker, until a worker re-queues it) — starting burst workers
    again whenever there is work to run;
  - on a stop request stops its workers (RQ's warm shutdown: current jobs finish), then any
    process they left behind (it is the child subreaper: orphaned schedulers and work horses
    become its children), and then the embedded Redis through its owner, the CLI.

Why not RQ's WorkerPool (`rq worker-pool`), which also respawns workers: it forks its workers
from a process holding our database pools, does not know our embedded Redis, and exits 0 when
Redis is gone. This is the small part of it we need, plus those.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

import psutil
import redis

from worker.errors import QueueUnavailable
from worker.runtime.pool import worker_process
from worker.runtime.queue import EmbeddedRedis, backlog
from worker.settings import Settings

_PR_SET_CHILD_SUBREAPER = 36
_TICK_S = 0.5
_YOUNG_S = 5.0  # a worker that dies sooner than this is respawned with a growing delay
_MAX_DELAY_S = 30.0


@dataclass
class _Slot:
    proc: BaseProcess
    started: float
    delay: float = 0.0  # wait this long before replacing it once it died
    died: float | None = None


class Pool:
    """N worker processes (spawned: no inherited DB pools or Redis sockets)."""

    def __init__(self, settings: Settings, n: int, burst: bool = False) -> None:
        self.settings, self.n, self.burst = settings, n, burst
        self.slots: list[_Slot] = []
        self._ctx: Any = mp.get_context("spawn")
        # children this process had before the pool (an embedded Redis it serves, say) are not
        # the pool's to end when it stops
        self._spare: set[int] = set()

    @property
    def procs(self) -> list[BaseProcess]:
        return [s.proc for s in self.slots]

    def start(self) -> Pool:
        if not self.slots:
            self._spare = {c.pid for c in psutil.Process().children(recursive=True)}
        for _ in range(self.n - len(self.alive())):
            self.slots.append(_Slot(self._spawn(), time.monotonic()))
        return self

    def _spawn(self) -> BaseProcess:
        proc = self._ctx.Process(target=worker_process, args=(self.settings, self.burst))
        proc.start()
        return proc

    def alive(self) -> list[BaseProcess]:
        return [p for p in self.procs if p.is_alive()]

    def respawn_dead(self, done_ok: bool = False) -> int:
        """Replace workers that died; with `done_ok`, one that exited 0 (burst: done) is not.
        One that keeps dying young is replaced after a doubling delay."""
        replaced = 0
        for i, slot in enumerate(self.slots):
            code = slot.proc.exitcode
            if code is None or (done_ok and code == 0):
                continue
            now = time.monotonic()
            if slot.died is None:
                slot.died = now
                young = now - slot.started < _YOUNG_S
                slot.delay = min(max(slot.delay * 2, 1.0), _MAX_DELAY_S) if young else 0.0
            if now - slot.died < slot.delay:
                continue
            slot.proc.join()
            self.slots[i] = _Slot(self._spawn(), now, slot.delay)
            replaced += 1
        return replaced

    def forget_finished(self) -> None:
        for slot in self.slots:
            if slot.proc.exitcode is not None:
                slot.proc.join()
        self.slots = [s for s in self.slots if s.proc.exitcode is None]

    def stop(self, timeout: float = 60) -> None:
        """Warm shutdown of the workers, then whatever they left behind."""
        for proc in self.alive():
            proc.terminate()  # SIGTERM → RQ warm shutdown
        for proc in self.procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join()
        _end_leftovers(timeout=10, spare=self._spare)

    def join(self) -> None:
        for proc in self.procs:
            proc.join()


class Supervisor:
    def __init__(self, settings: Settings, n: int, burst: bool = False,
                 embedded: EmbeddedRedis | None = None,
                 until: Callable[[], bool] | None = None) -> None:
        """`until`: also stop once it says so (`budgetlens ui`: the app process has exited)."""
        self.settings, self.burst, self.embedded = settings, burst, embedded
        self.pool = Pool(settings, n, burst)
        self.until = until
        self._stop = False
        self._said = ""  # the last reason the embedded Redis could not be restarted

    def request_stop(self, *_: Any) -> None:
        self._stop = True

    def run(self) -> int:
        """Supervise until stopped (or, in burst mode, until the backlog is empty). Exit code."""
        previous = {s: signal.signal(s, self.request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
        _become_subreaper()
        try:
            return self._loop()
        finally:
            self.pool.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self) -> int:
        conn = redis.Redis.from_url(str(self.settings.redis_url), socket_timeout=5)
        self.pool.start()
        down_since: float | None = None
        while not (self._stop or (self.until is not None and self.until())):
            time.sleep(_TICK_S)
            _reap_zombies(self.pool.procs)
            if not self._redis_up(conn):
                down_since = down_since or time.monotonic()
                if time.monotonic() - down_since > self.settings.redis_giveup_s:
                    print(f"budgetlens worker: no Redis at {self.settings.redis_url} for "
                          f"{self.settings.redis_giveup_s:.0f} s; giving up", file=sys.stderr)
                    return 1
                continue
            down_since = None
            if self.burst and self._burst_done(conn):
                return 0
            if not self.burst:
                self.pool.respawn_dead()
        return 0

    def _redis_up(self, conn: redis.Redis) -> bool:
        try:
            return bool(conn.ping())
        except redis.RedisError:
            if self.embedded is not None:
                try:
                    self.embedded.start()  # it was ours (or a sibling's): bring it back
                except QueueUnavailable as exc:
                    if str(exc) != self._said:  # once per reason, not every tick
                        print(f"budgetlens worker: {exc}", file=sys.stderr)
                    self._said = str(exc)
            return False

    def _burst_done(self, conn: redis.Redis) -> bool:
        self.pool.respawn_dead(done_ok=True)  # a crash is not "done"
        if self.pool.alive():
            return False
        self.pool.forget_finished()
        left = backlog(self.settings, conn)
        if left.total == 0:
            return True
        if left.runnable:  # queued work, a retry whose backoff is over, an expired job
            self.pool.start()
        return False


def _become_subreaper() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _reap_zombies(workers: list[BaseProcess]) -> None:
    """Orphans re-parented to us (see the module docstring) are reaped when they exit; our own
    worker processes are left to multiprocessing."""
    ours = {p.pid for p in workers}
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error, ChildProcessError):
            if child.pid not in ours and child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)


def _end_leftovers(timeout: float, spare: Collection[int] = ()) -> None:
    """Processes our workers left behind (an RQ scheduler, a dead worker's horse), sparing
    the children in `spare`."""
    leftovers = [c for c in psutil.Process().children(recursive=True)
                 if c.pid not in spare and "resource_tracker" not in " ".join(_cmdline(c))]
    for child in leftovers:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(leftovers, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []
