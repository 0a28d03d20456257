"""`budgetlens worker` as a supervisor, for real: worker processes, a real Redis, SIGKILL and
SIGTERM. No assertion on speed; the waits are readiness waits with generous limits."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import redis
from rq import Queue, Retry, Worker
from rq.job import JobStatus

from schemas import DocStatus
from tests.support.fresh import env_without_settings
from tests.support.pdfs import text_pdf
from tests.support.wait import wait_for
from worker.runtime.queue import get_queue
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = env_without_settings()
    env.update({"BUDGETLENS_DATA_DIR": str(settings.data_dir),
                "BUDGETLENS_HEARTBEAT_S": str(settings.heartbeat_s),
                "BUDGETLENS_HEARTBEAT_GRACE_S": str(settings.heartbeat_grace_s),
                "BUDGETLENS_RETRY_BACKOFF_S": "[0]", "BUDGETLENS_MAX_PAGES": "5000", **extra})
    if settings.redis_url:
        env["BUDGETLENS_REDIS_URL"] = settings.redis_url
    return env


def _supervisor(settings: Settings, *args: str, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "worker.cli", "worker", *args],
                            env=_env(settings, **extra))


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is not None:  # it exited (and is reaped): its code, not psutil's NoSuchProcess
        return proc.returncode  # in place of the test's own failure
    tree = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=300)
    # what it started goes with it (multiprocessing's resource tracker a moment later)
    _, alive = psutil.wait_procs(tree, timeout=120)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    return code


@pytest.mark.slow
def test_a_killed_workers_job_is_requeued_by_the_live_ones_within_seconds(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.pdf").write_bytes(text_pdf(1500))
    (doc_id,) = submit([str(folder)], store, queue, settings).doc_ids
    sup = _supervisor(settings, "--workers", "2")
    try:
        wait_for(lambda: store.get(doc_id).status == DocStatus.running, 300, "the job to start",
                 every=0.05)
        busy = next(w for w in Worker.all(connection=queue.connection)
                    if w.get_current_job_id())
        victim = psutil.Process(busy.pid)  # the worker, its work horse (and scheduler, if any)
        for proc in [victim, *victim.children(recursive=True)]:
            proc.send_signal(signal.SIGKILL)
        killed = time.time()

        def requeued() -> bool:
            return any(a.action == "requeue" and "Abandoned" in (a.detail.get("reason") or "")
                       for a in store.audit(doc_id))

        wait_for(requeued, 120, "recovery", every=0.05)  # RQ's own cleanup took ~405 s
        entry = next(a for a in store.audit(doc_id) if a.action == "requeue")
        print(f"abandoned job requeued {entry.at.timestamp() - killed:.1f} s after the kill "
              f"(heartbeat {settings.heartbeat_s} s + grace {settings.heartbeat_grace_s} s)")
        wait_for(lambda: store.get(doc_id).status in (DocStatus.extracted,
                                                      DocStatus.needs_review), 300, "the re-run",
                 every=0.05)
        assert store.get(doc_id).attempts == 2
    finally:
        code = _stop(sup)
    assert code == 0  # SIGTERM: everything it started is gone, nothing orphaned


@pytest.mark.slow
def test_burst_returns_only_after_the_scheduled_retries_ran(
    settings: Settings, queue: Queue, tmp_path: Path
) -> None:
    job = queue.enqueue("tests.support.flaky.fail_once", str(tmp_path / "marker"),
                        retry=Retry(max=1, interval=[2]))
    sup = _supervisor(settings, "--workers", "1", "--burst")
    assert sup.wait(timeout=300) == 0
    assert job.get_status() == JobStatus.FINISHED  # not left scheduled with an empty queue


@pytest.mark.slow
def test_the_embedded_redis_is_restarted_and_the_workers_carry_on(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", redis_url=None, heartbeat_s=1,
                        heartbeat_grace_s=2)
    sup = _supervisor(settings, "--workers", "1")
    socket = settings.data_dir.resolve() / "redis" / "redis.sock"

    def ping() -> bool:
        try:
            return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def supervised_ping() -> bool:
        # a supervisor that exited cannot restart anything: say so now, not after 300 s (CI
        # once had it give up on a slow first start and leave that server running unsupervised)
        assert sup.poll() is None, f"the supervisor exited with {sup.returncode}"
        return ping()

    try:
        wait_for(supervised_ping, 300, "the embedded redis", every=0.05)
        server = next(p for p in psutil.process_iter(["cmdline"])
                      if "redis-server" in " ".join(p.info["cmdline"] or [])
                      and str(settings.data_dir.resolve()) in " ".join(p.info["cmdline"] or []))
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=60)
        wait_for(supervised_ping, 300, "the supervisor to restart redis", every=0.05)
        live = settings.model_copy(update={"redis_url": f"unix://{socket}"})
        conn = redis.Redis(unix_socket_path=str(socket))
        store = Store.from_settings(live)
        folder = tmp_path / "in"
        folder.mkdir()
        (folder / "a.pdf").write_bytes(text_pdf(2))
        (doc_id,) = submit([str(folder)], store, get_queue(live, conn), live).doc_ids
        wait_for(lambda: store.get(doc_id).status in (DocStatus.extracted,
                                                      DocStatus.needs_review), 300, "the job",
                 every=0.05)
        conn.close()
    finally:
        code = _stop(sup)
    assert code == 0 and not ping()  # it stopped the redis it (re)started


def test_stopping_a_pool_spares_the_processes_its_owner_started_before(settings: Settings) -> None:
    # bench/queue.py and `budgetlens run` start an embedded Redis, then a pool in the same
    # process: stopping the pool used to SIGTERM every child of the process, that Redis too
    from worker.runtime.supervisor import Pool

    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        pool = Pool(settings, 1, burst=True).start()
        pool.join()  # burst, empty queue: the worker finishes on its own
        pool.stop(timeout=300)
        assert bystander.poll() is None  # still running
    finally:
        bystander.kill()
        bystander.wait(timeout=60)
