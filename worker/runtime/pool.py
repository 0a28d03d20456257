"""Worker processes: RQ workers that notice a dead colleague's job within seconds.

RQ finds an abandoned job (its worker died: SIGKILL, power loss) when a worker cleans the
registries: after the job's heartbeat expired. Stock RQ cleans every 10 minutes and an idle
worker blocks ~405 s in BLPOP between checks; a busy one never checks. Ours checks every
`heartbeat_s`, idle or busy, so a job is back in the queue `heartbeat_s + heartbeat_grace_s`
(+ at most one `heartbeat_s`) after its worker died.
"""

from __future__ import annotations

import ctypes
import signal
import sys
from typing import Any

from rq import Worker
from rq.job import Job

from worker.errors import BudgetlensError
from worker.pipeline import Options
from worker.runtime import jobs
from worker.runtime.queue import connect, get_llm_queue, get_queue
from worker.runtime.warm import warm
from worker.settings import Settings

_PR_SET_PDEATHSIG = 1
_BLPOP_MARGIN = 15  # RQ blocks in BLPOP for worker_ttl - 15 s


class BudgetlensWorker(Worker):
    """RQ's worker with a heartbeat of `heartbeat_s + heartbeat_grace_s` (RQ adds a fixed minute)
    and registry maintenance every `heartbeat_s`, also while its work horse is busy."""

    heartbeat_grace = 10

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = int(min(job.timeout - working_time, interval))
        return int(interval) + self.heartbeat_grace

    def maintain_heartbeats(self, job: Job, execution: Any) -> None:
        super().maintain_heartbeats(job, execution)
        if self.should_run_maintenance_tasks:  # a busy worker rescues dead workers' jobs too
            self.run_maintenance_tasks()

    def unsubscribe(self) -> None:
        """RQ's, with its one-second bound on the wait for the listening thread. RQ unsubscribes,
        then stops the thread; redis-py 8's `stop()` waits for the thread to end, and a thread
        that has already read the unsubscribe's answer waits for a new subscription for RQ's
        `sleep_time`, 60 s: a worker's shutdown took a minute, about every other time. The
        thread is a daemon: it ends with the process."""
        thread, pubsub = self.pubsub_thread, self.pubsub
        if thread is None or pubsub is None:
            return
        pubsub.unsubscribe()
        thread._running.clear()  # what stop() does, without its unbounded wait
        thread.join(timeout=1)
        pubsub.close()


def make_worker(settings: Settings, cls: type[BudgetlensWorker] = BudgetlensWorker
                ) -> BudgetlensWorker:
    conn = connect(settings)
    worker = cls(
        [get_queue(settings, conn), get_llm_queue(settings, conn)],  # in priority order
        connection=conn,
        job_monitoring_interval=settings.heartbeat_s,
        maintenance_interval=settings.heartbeat_s,
        worker_ttl=settings.heartbeat_s + _BLPOP_MARGIN,  # idle: wake up every heartbeat_s
        work_horse_killed_handler=jobs.on_horse_killed,  # RQ calls no failure callback then
    )
    worker.heartbeat_grace = settings.heartbeat_grace_s
    return worker


def work(settings: Settings, burst: bool = False) -> None:
    """Entry point of one worker process."""
    settings.configure_logging()
    jobs.configure(settings)
    warm(Options.from_settings(settings).ocr)  # once, not per work horse (runtime/warm.py)
    make_worker(settings).work(burst=burst, with_scheduler=True, logging_level="WARNING")


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Have the kernel send this process `sig` when its parent dies (Linux; elsewhere nothing)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)


def worker_process(settings: Settings, burst: bool) -> None:
    """A worker process under the supervisor: it stops (warm) when the supervisor dies, and says
    by its exit code whether it could work at all."""
    die_with_parent(signal.SIGTERM)  # SIGTERM = RQ's warm shutdown: the current job finishes
    try:
        work(settings, burst)
    except BudgetlensError as exc:  # Redis gone, store unreachable: the supervisor decides
        print(f"budgetlens worker: {exc}", file=sys.stderr)
        sys.exit(3)
