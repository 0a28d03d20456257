"""What the browser tests share: one headless chromium for the session (each test has a
context of its own: its own cookies), and `budgetlens ui` as a real process on the test's data
dir and Redis — without a worker unless the test uploads (the worker's start is the costly part
and only an upload needs one)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser as bw
from worker.settings import Settings
from worker.store import Store


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    with bw.browser_or_skip()() as pw:
        browser = pw.chromium.launch(executable_path=str(bw.CHROMIUM), args=bw.CHROMIUM_ARGS)
        yield browser
        browser.close()


def _app(settings: Settings, tmp_path: Path, workers: bool) -> Iterator[tuple[str, Store, Path]]:
    port = bw.free_port()
    env = os.environ | {
        "BUDGETLENS_DATA_DIR": str(settings.data_dir),
        "BUDGETLENS_REDIS_URL": settings.redis_url or "",
        "BUDGETLENS_UI_USERS": json.dumps({bw.USER: bw.USER_HASH}),
        "BUDGETLENS_UI_WORKERS": str(workers).lower(),
        "BUDGETLENS_WORKERS": "1",
        "BUDGETLENS_JOB_RETRIES": "0",  # a pipeline crash shows at once, not after back-offs
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    logs, shots = tmp_path / "logs", tmp_path / "screenshots"
    logs.mkdir()
    shots.mkdir()
    app = bw.start(["ui", "--port", str(port)], env, logs / "ui.log")
    try:
        url = f"http://127.0.0.1:{port}"
        bw.wait_http(f"{url}/_stcore/health", app, logs / "ui.log")
        yield url, Store.from_settings(settings), shots
    finally:
        bw.stop(app)
        bw.wait_disconnected(settings.redis_url or "")
        print(f"\nscreenshots: {shots}\nlogs: {logs}")
        if out := os.environ.get("BUDGETLENS_E2E_SCREENSHOTS"):
            shutil.copytree(shots, out, dirs_exist_ok=True)  # keep them where CI can upload them


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Store, Path]]:
    """`budgetlens ui` on this test's data dir and Redis, no worker (documents are stored by
    the test): (address, store, screenshot dir)."""
    yield from _app(settings, tmp_path, workers=False)


@pytest.fixture
def live_worker(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Store, Path]]:
    """The same with the worker the app starts (an upload is processed)."""
    yield from _app(settings, tmp_path, workers=True)
