"""A worker that dies by SIGKILL — work horse and worker at once — right after its first job
committed to the store and before RQ recorded the job as finished: the moment after which RQ
believes the job abandoned and runs it again. Run as `python -m tests.support.victim` with the
BUDGETLENS_* environment of the test."""

from __future__ import annotations

import os
import signal
from typing import Any

from worker.runtime import jobs
from worker.runtime.pool import BudgetlensWorker
from worker.runtime.queue import connect, get_llm_queue, get_queue
from worker.settings import Settings


class KilledAfterCommit(BudgetlensWorker):
    def _finalize_success(self, *args: Any, **kwargs: Any) -> None:
        os.kill(os.getppid(), signal.SIGKILL)  # the worker first: it must not see the horse die
        os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    settings = Settings()
    jobs.configure(settings)
    conn = connect(settings)
    worker = KilledAfterCommit([get_queue(settings, conn), get_llm_queue(settings, conn)],
                               connection=conn, job_monitoring_interval=settings.heartbeat_s)
    worker.heartbeat_grace = settings.heartbeat_grace_s
    worker.work(burst=True, logging_level="WARNING")


if __name__ == "__main__":
    main()
