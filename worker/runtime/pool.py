"""Worker processes: RQ workers with a short heartbeat, started N at a time."""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.process import BaseProcess
from typing import Any

from rq import Worker
from rq.job import Job

from worker.runtime import jobs
from worker.runtime.queue import connect, get_llm_queue, get_queue
from worker.settings import Settings


class BudgetlensWorker(Worker):
    """RQ's worker, but a job whose worker vanished (SIGKILL, power loss) is noticed after
    `heartbeat_s + heartbeat_grace_s` instead of RQ's fixed extra minute."""

    heartbeat_grace = 10

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = int(min(job.timeout - working_time, interval))
        return int(interval) + self.heartbeat_grace


def work(settings: Settings, burst: bool = False) -> None:
    """Entry point of one worker process."""
    jobs.configure(settings)
    conn = connect(settings)
    worker = BudgetlensWorker(
        [get_queue(settings, conn), get_llm_queue(settings, conn)],  # in priority order
        connection=conn,
        job_monitoring_interval=settings.heartbeat_s,
        maintenance_interval=settings.heartbeat_s + settings.heartbeat_grace_s,
    )
    worker.heartbeat_grace = settings.heartbeat_grace_s
    worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")


class Pool:
    """N worker processes. Stopping is RQ's warm shutdown: the current job finishes first."""

    def __init__(self, settings: Settings, n: int, burst: bool = False) -> None:
        self.settings, self.n, self.burst = settings, n, burst
        self.procs: list[BaseProcess] = []
        self._ctx: Any = mp.get_context("spawn")  # no inherited DB pools or Redis sockets

    def start(self) -> Pool:
        for _ in range(self.n):
            self._spawn()
        return self

    def _spawn(self) -> None:
        proc = self._ctx.Process(target=work, args=(self.settings, self.burst), daemon=False)
        proc.start()
        self.procs.append(proc)

    def respawn_dead(self) -> int:
        """Replace workers that died (killed, crashed); returns how many were replaced."""
        dead = [p for p in self.procs if not p.is_alive() and p.exitcode not in (0, None)]
        for proc in dead:
            self.procs.remove(proc)
            self._spawn()
        return len(dead)

    def stop(self, timeout: float = 30) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM → RQ warm shutdown
        for proc in self.procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join()

    def join(self) -> None:
        for proc in self.procs:
            proc.join()
