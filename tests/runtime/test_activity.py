"""What the Queue page reads about the work, from a real worker on a real Redis: which workers
are alive, and how far the document a worker is reading has got (held still with SIGSTOP, so
nothing here depends on timing)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil
from rq import Queue

from schemas import DocStatus
from schemas.progress import Stage
from tests.support.fresh import env_without_settings
from tests.support.pdfs import text_pdf
from tests.support.wait import wait_for
from worker.runtime.activity import live_workers, running_progress
from worker.runtime.queue import connect
from worker.services.submit import SubmitReport, submit_bytes
from worker.settings import Settings
from worker.store import Store

# the reading is told every 5 % of the pages: the test catches it at one of those steps and
# holds it still (a fast machine reads these trivial pages in well under a second)
PAGES = 2000


def test_workers_alive_and_a_running_document_s_progress(
    settings: Settings, store: Store, queue: Queue
) -> None:
    conn = connect(settings)
    assert live_workers(settings, conn) == []
    env = env_without_settings() | {
        "BUDGETLENS_DATA_DIR": str(settings.data_dir), "BUDGETLENS_REDIS_URL": str(settings.redis_url),
        "BUDGETLENS_WORKERS": "1", "BUDGETLENS_HEARTBEAT_S": "1",
        "BUDGETLENS_MAX_PAGES": str(PAGES)}
    sup = subprocess.Popen([sys.executable, "-m", "worker.cli", "worker"], env=env)
    try:
        [idle] = wait_for(lambda: live_workers(settings, conn), 300, "the worker to register", 0.01)
        assert not idle.busy and idle.doc_id is None
        report = SubmitReport()
        submit_bytes(text_pdf(PAGES), "long.pdf", store, queue, settings, report)
        [(_, doc_id)] = report.queued

        def mid_way() -> list[psutil.Process]:
            p = running_progress(settings, conn).get(doc_id)
            if p is None or not 0 < p.pages_done < PAGES:
                return []
            tree = psutil.Process(sup.pid).children(recursive=True)  # workers, horse
            for proc in tree:
                proc.suspend()
            return tree

        stopped = wait_for(mid_way, 120, "the worker to be reading the pages", 0.01)
        try:
            progress = running_progress(settings, conn)[doc_id]
            [busy] = live_workers(settings, conn)
        finally:
            for proc in stopped:
                proc.resume()
        assert progress.stage == Stage.pages and progress.pages_total == PAGES
        assert 0 < progress.pages_done < PAGES
        assert progress.seconds_left(time.time()) > 0
        assert progress.fiscal_year == 2024  # from the first page, long before the extraction
        assert busy.busy and busy.doc_id == doc_id and busy.name == idle.name
        terminal = {DocStatus.extracted, DocStatus.needs_review, DocStatus.failed}
        wait_for(lambda: store.get(doc_id).status in terminal, 120, "the document to finish")
        assert store.get(doc_id).status != DocStatus.failed, store.get(doc_id).error
        wait_for(lambda: not running_progress(settings, conn), 120, "the job to leave the registry")
    finally:
        sup.send_signal(signal.SIGTERM)
        sup.wait(timeout=120)
    assert live_workers(settings, conn) == []  # a worker that stopped deregisters
