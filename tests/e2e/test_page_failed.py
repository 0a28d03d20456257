"""A page that fails in the browser: the app runs on a database it cannot read. The reviewer
reads what happened in Chinese with a reference to the log; the traceback is in the app's log,
never on the page (Streamlit's own box would show it, in English, with the store's path)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import browser as bw
from tests.support.apptest import said
from tests.support.fresh import env_without_settings


def test_an_unreadable_store_is_said_in_chinese_and_logged(chromium, tmp_path: Path) -> None:
    garbled = tmp_path / "budgetlens.sqlite3"
    garbled.write_bytes(b"not a database " * 100)
    port, log, shots = bw.free_port(), tmp_path / "ui.log", tmp_path / "shots"
    shots.mkdir()
    env = env_without_settings() | {
        "BUDGETLENS_DATA_DIR": str(tmp_path),
        "BUDGETLENS_DATABASE_URL": f"sqlite:///{garbled}",
        "BUDGETLENS_UI_WORKERS": "false",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    app = bw.start(["ui", "--port", str(port)], env, log)
    try:
        url = f"http://127.0.0.1:{port}"
        bw.wait_http(f"{url}/_stcore/health", app, log)
        with bw.browsing(chromium, shots) as page:
            page.goto(url)
            alert = page.get_by_test_id("stAlertContentError")
            alert.wait_for()
            bw.settle(page)
            page.screenshot(path=str(shots / "f1_store_unreadable.png"), full_page=True)
            text, html = alert.inner_text().strip(), page.content()
            assert page.get_by_test_id("stException").count() == 0  # no traceback box
    finally:
        bw.stop(app)
    pattern = re.escape(said("common.failed_store", ref="@@")).replace("@@", "([0-9a-f]{8})")
    assert (found := re.fullmatch(pattern, text)), text
    assert "Traceback" not in html and str(garbled) not in html
    logged = log.read_text(errors="replace")
    assert f"page failed [{found[1]}]" in logged and "Traceback" in logged, logged[-3000:]
    assert str(garbled) in logged  # what the administrator needs is there
