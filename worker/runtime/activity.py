"""What the workers are doing, for the Queue page: which are alive (RQ's worker registry, whose
entries expire with the heartbeat), and how far each running document has got (the pipeline's
progress, kept in the RQ job's meta while the job runs)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import redis
from rq import Worker, get_current_job
from rq.job import Job

from schemas.progress import Progress, WorkerInfo
from worker.runtime.queue import get_queue
from worker.settings import Settings

if TYPE_CHECKING:  # a type only: `budgetlens status` must not import the pipeline
    from worker.pipeline.progress import Listener

META_KEY = "progress"
_DOCUMENT_JOB = "worker.jobs.process_document"


def job_listener() -> Listener | None:
    """Inside a job: a listener that keeps the progress in the job's meta (best effort: a lost
    Redis connection is the queue's problem, not the document's)."""
    job = get_current_job()
    if job is None:
        return None

    def tell(progress: Progress) -> None:
        job.meta[META_KEY] = progress.model_dump(mode="json")
        with contextlib.suppress(redis.RedisError):
            job.save_meta()

    return tell


def live_workers(settings: Settings, conn: redis.Redis) -> list[WorkerInfo]:
    now = datetime.now(UTC)
    out = []
    for w in Worker.all(queue=get_queue(settings, conn)):
        job = w.get_current_job()
        beat = w.last_heartbeat
        out.append(WorkerInfo(
            name=w.name, busy=w.get_state() == "busy", pid=w.pid, hostname=w.hostname,
            doc_id=job.args[0] if job is not None and job.args else None,
            heartbeat_age_s=(now - beat.replace(tzinfo=UTC)).total_seconds() if beat else None,
        ))
    return sorted(out, key=lambda w: w.name)


def running_progress(settings: Settings, conn: redis.Redis) -> dict[str, Progress]:
    """doc_id → the progress of its document job that is running now."""
    registry = get_queue(settings, conn).started_job_registry
    jobs = Job.fetch_many(registry.get_job_ids(cleanup=False), connection=conn)
    return {
        job.args[0]: Progress.model_validate(job.meta[META_KEY])
        for job in jobs
        if job is not None and job.func_name == _DOCUMENT_JOB and META_KEY in job.meta
    }
