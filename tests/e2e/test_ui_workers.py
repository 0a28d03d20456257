"""Work processed from the browser alone: `budgetlens ui` started as a user starts it (no Redis
URL, no `budgetlens worker`) runs its own worker and embedded Redis; an upload is extracted and
opens for review with no other command; stopping the app stops everything it started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.support import browser as bw
from tests.support.documents import CLEAN_SAMPLE
from tests.support.fresh import env_without_settings
from tests.support.wait import wait_for
from worker.services.accounts import hash_password
from worker.settings import Settings
from worker.store import Store

pytestmark = pytest.mark.slow


def test_upload_is_processed_without_a_worker_command(tmp_path: Path, chromium) -> None:
    data = tmp_path / "data"
    port = bw.free_port()
    env = env_without_settings() | {
        "BUDGETLENS_DATA_DIR": str(data),  # embedded Redis and SQLite under it, as by default
        "BUDGETLENS_UI_USERS": json.dumps({bw.USER: hash_password(bw.PASSWORD)}),
        "BUDGETLENS_WORKERS": "1",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    (tmp_path / "shots").mkdir()
    app = bw.start(["ui", "--port", str(port)], env, tmp_path / "ui.log")
    try:
        url = f"http://127.0.0.1:{port}"
        bw.wait_http(f"{url}/_stcore/health", app, tmp_path / "ui.log")
        started = wait_for(lambda: _workers_of(app), 300, "the app to start its worker")
        with bw.browsing(chromium, tmp_path / "shots") as page:
            _upload_and_review(page, url, Store.from_settings(Settings(data_dir=data)),
                               tmp_path / "shots")
        family = [psutil.Process(app.pid), *psutil.Process(app.pid).children(recursive=True)]
        assert started and any("redis-server" in " ".join(p.cmdline()) for p in family)
    finally:
        os.killpg(app.pid, signal.SIGINT)  # Ctrl-C in the terminal that runs it
        code = app.wait(timeout=90)
        print(f"\nscreenshots: {tmp_path / 'shots'}\nlog: {tmp_path / 'ui.log'}")
    _, alive = psutil.wait_procs([p for p in family if p.pid != app.pid], timeout=30)
    assert not alive, f"left running after the app stopped: {[p.cmdline() for p in alive]}"
    assert code == 0, (tmp_path / "ui.log").read_text()[-2000:]


def _workers_of(app: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The worker processes under the app's process (multiprocessing's spawned children)."""
    me = psutil.Process(app.pid)
    return [c for c in me.children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]


def _upload_and_review(page: Any, url: str, store: Store, shots: Path) -> None:
    page.goto(url)
    workers = page.get_by_text("1 个在运行")
    workers.wait_for()  # the Queue page sees the worker's heartbeat
    page.screenshot(path=str(shots / "01_worker_alive.png"))
    bw.sign_in(page)
    doc_id = bw.upload(page, CLEAN_SAMPLE, store)
    bw.nav(page, "review").click()
    page.get_by_test_id("stDataFrame").first.wait_for()
    bw.settle(page)
    page.screenshot(path=str(shots / "02_reviewable.png"))
    assert page.get_by_test_id("stException").count() == 0
    assert doc_id[:16] in page.url


def test_app_without_workers_stops_on_ctrl_c(tmp_path: Path) -> None:
    """BUDGETLENS_UI_WORKERS=false: the app alone; Ctrl-C in its terminal stops it, exit 0."""
    port = bw.free_port()
    env = env_without_settings() | {
        "BUDGETLENS_DATA_DIR": str(tmp_path / "data"),
        "BUDGETLENS_UI_WORKERS": "false",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    app = bw.start(["ui", "--port", str(port)], env, tmp_path / "ui.log")
    try:
        bw.wait_http(f"http://127.0.0.1:{port}/_stcore/health", app, tmp_path / "ui.log")
        family = [psutil.Process(app.pid), *psutil.Process(app.pid).children(recursive=True)]
    finally:
        os.killpg(app.pid, signal.SIGINT)
        code = app.wait(timeout=90)
    _, alive = psutil.wait_procs(family[1:], timeout=30)
    assert not alive, f"left running after the app stopped: {[p.cmdline() for p in alive]}"
    assert code == 0, (tmp_path / "ui.log").read_text()[-2000:]
