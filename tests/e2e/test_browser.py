"""A newcomer's path in a real browser: Debian's chromium driven by Playwright, `budgetlens ui`
and `budgetlens worker` as real processes on a real Redis and SQLite file.

Sign in, upload a sample PDF, wait for the worker, open it, fix a misread value in the table
editor, confirm — then the database must hold the correction and the confirmation. Screenshots
of every page go to the test's tmp dir (printed); look at them when the UI changes.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from schemas import DocStatus, ValueStatus
from tests.support.documents import CLEAN_SAMPLE, misread_one_value, store_sample
from tests.support.samples import REPO, SAMPLES
from ui.common import WORD_JOINER
from ui.i18n import t
from ui.tableview import value_keys
from worker.services.accounts import hash_password
from worker.services.export import FACT_COLUMNS
from worker.settings import Settings
from worker.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
USER, PASSWORD = "alice", "alice-password"
pytestmark = pytest.mark.slow


def _browser_or_skip() -> Any:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright (pip install playwright; no browser download needed)")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI must prove the path, never skip it
        pytest.skip(message)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", *args],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the worker's work horse too
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_disconnected(redis_url: str, timeout: float = 20) -> None:
    """RQ's work horse lives in a session of its own and exits a moment after its worker: wait,
    so the session's Redis is not left running for a client that is about to go."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while len(client.client_list()) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    client.close()


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not come up: {log.read_text()[-2000:]}")


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Store, Path]]:
    """`budgetlens ui` and `budgetlens worker` on this test's data dir and Redis."""
    port = _free_port()
    env = os.environ | {
        "BUDGETLENS_DATA_DIR": str(settings.data_dir),
        "BUDGETLENS_REDIS_URL": settings.redis_url or "",
        "BUDGETLENS_UI_USERS": json.dumps({USER: hash_password(PASSWORD)}),
        "BUDGETLENS_WORKERS": "1",
        "BUDGETLENS_JOB_RETRIES": "0",  # a pipeline crash shows at once, not after back-offs
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    app = _start(["ui", "--port", str(port)], env, logs / "ui.log")
    worker = _start(["worker"], env, logs / "worker.log")
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/_stcore/health", app, logs / "ui.log")
        shots = tmp_path / "screenshots"
        shots.mkdir()
        yield url, Store.from_settings(settings), shots
    finally:
        _stop(worker)
        _stop(app)
        _wait_disconnected(settings.redis_url or "")
        shots = tmp_path / "screenshots"
        print(f"\nscreenshots: {shots}\nlogs: {logs}")
        if (out := os.environ.get("BUDGETLENS_E2E_SCREENSHOTS")) and shots.is_dir():
            shutil.copytree(shots, out, dirs_exist_ok=True)  # keep them where CI can upload them


def _wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def key(page: Any, name: str) -> Any:
    """The element of the widget with key `name` (Streamlit marks its container `st-key-NAME`):
    found whatever the interface language."""
    return page.locator(f".st-key-{name}")


def nav(page: Any, view: str) -> Any:
    """The sidebar's link to a page (views/<view>.py), by address, not by its title."""
    return page.locator(f'[data-testid="stSidebarNav"] a[href$="/{view}"]')


def sign_in(page: Any) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    key(sidebar, "login_name").locator("input").fill(USER)
    key(sidebar, "login_password").locator("input").fill(PASSWORD)
    key(sidebar, "login_submit").get_by_role("button").click()
    key(sidebar, "sign_out").wait_for()


def _settle(page: Any) -> None:
    """Wait until Streamlit has finished the run the last action started."""
    page.wait_for_timeout(250)  # the rerun request is sent asynchronously
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_timeout(150)  # and its elements are painted


def test_upload_review_correct_confirm_in_a_real_browser(live) -> None:
    url, store, shots = live
    with _browser_or_skip()() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.set_default_timeout(30_000)
        try:
            _journey(page, url, store, shots)
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def _journey(page: Any, url: str, store: Store, shots: Path) -> None:
    page.goto(url)
    page.get_by_text("Add documents").wait_for()
    page.screenshot(path=str(shots / "01_queue_anonymous.png"))

    sign_in(page)

    page.locator("input[type=file]").set_input_files(str(CLEAN_SAMPLE))
    page.get_by_text(re.compile(r"^[\d.]+KB$")).wait_for()  # the upload finished (size shown)
    page.get_by_role("button", name="Submit for extraction").click()
    page.get_by_text("1 queued").wait_for()
    [rec] = store.list()
    done = {DocStatus.extracted, DocStatus.needs_review, DocStatus.failed}
    _wait_for(lambda: store.get(rec.doc_id).status in done, 120, "the worker to extract it")
    assert store.get(rec.doc_id).status != DocStatus.failed, store.get(rec.doc_id).error
    page.wait_for_timeout(2500)  # one live refresh of the queue page
    _settle(page)
    page.screenshot(path=str(shots / "02_queue_extracted.png"))

    # an extraction slip on purpose: one printed amount misread, so a check fires
    slip = misread_one_value(store, rec.doc_id)
    nav(page, "review").click()
    key(page, "f_status").wait_for()  # the findings are listed (their filter is drawn)
    _settle(page)
    page.screenshot(path=str(shots / "03_review_finding.png"))
    findings_before = store.get(rec.doc_id).n_findings
    assert findings_before > len(slip.findings_before)

    _type_into_editor(page, store, rec.doc_id, slip)
    page.screenshot(path=str(shots / "04_review_edited.png"))
    key(page, "save_edits").get_by_role("button").click()
    page.get_by_text(t("table.corrections_saved", n=1)).wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "05_review_saved.png"))

    key(page, "confirm_doc").get_by_role("button").click()
    page.get_by_text(t("panels.doc_confirmed")).wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "06_review_confirmed.png"))

    rec_now = store.get(rec.doc_id)
    doc, findings = store.load_result(rec.doc_id)
    value = doc.tables[slip.table].rows[slip.row].values[slip.column]
    assert (value.raw, value.status) == (slip.printed, ValueStatus.corrected)
    assert rec_now.status == DocStatus.confirmed
    assert len(findings) == len(slip.findings_before) < findings_before
    audit = [(e.user, e.action, e.old, e.new) for e in store.audit(rec.doc_id)]
    assert (USER, "correct", slip.misread, slip.printed) in audit
    assert audit[-1][:2] == (USER, "confirm")

    _export(page, store, shots, rec.doc_id, slip)
    nav(page, "overview").click()
    page.get_by_role("heading", name=t("overview.title")).wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "08_overview.png"), full_page=True)
    _markup_stays_text(page, url, store, shots)


def _export(page: Any, store: Store, shots: Path, doc_id: str, slip: Any) -> None:
    """The confirmed document downloads in the export contract's columns, corrected value in."""
    nav(page, "export").click()
    page.get_by_role("heading", name=t("export.title")).wait_for()
    key(page, "export_go").get_by_role("button").click()
    facts = key(page, "dl-facts").get_by_role("button")
    with page.expect_download() as download:
        facts.click()
    _settle(page)
    page.screenshot(path=str(shots / "07_export.png"), full_page=True)
    rows = list(csv.DictReader(Path(download.value.path()).read_text("utf-8-sig").splitlines()))
    assert list(rows[0]) == FACT_COLUMNS
    doc, _ = store.load_result(doc_id)
    row = doc.tables[slip.table].rows[slip.row]
    mine = [
        r
        for r in rows
        if r["table_key"] == doc.tables[slip.table].key
        and r["row_code"] == (row.code or row.row_code)
        and r["column_key"] == slip.column
    ]
    # corrected, then the document confirmed: it stays `corrected`, with what was extracted
    assert [(r["value_raw"], r["status"], r["original"], r["reviewer"]) for r in mine] == [
        (slip.printed, "corrected", slip.misread, USER)]


def _markup_stays_text(page: Any, url: str, store: Store, shots: Path) -> None:
    """A department name that is HTML/Markdown shows as the characters it is made of."""
    doc_id = store_sample(store, SAMPLES / "000_954316b1df943981.pdf")
    doc, findings = store.load_result(doc_id)
    doc.department = (
        "<img src=x onerror=window.pwned=1> **bold** [link](http://evil.test) "
        "www.evil.test mail@evil.test :red[x]"
    )
    store.save_result(doc, findings, DocStatus.needs_review)
    page.goto(f"{url}/review?doc={doc_id[:16]}")
    heading = page.get_by_role("heading").filter(has_text="onerror").first
    heading.wait_for()
    _settle(page)
    page.screenshot(path=str(shots / "09_markup_as_text.png"))
    assert page.locator("img[src='x']").count() == 0
    links = page.locator("main a[href]:not([href^='#'])")  # heading anchors are Streamlit's own
    assert links.count() == 0, links.first.evaluate("a => a.outerHTML")
    assert heading.inner_text().replace(WORD_JOINER, "").startswith(doc.department)
    assert page.evaluate("() => window.pwned === undefined")


def _type_into_editor(page: Any, store: Store, doc_id: str, slip: Any) -> None:
    """Keyboard only, like a reviewer: focus the grid, walk to the cell, Enter, type, Enter."""
    key(page, "edit_mode").get_by_text(t("table.edit_values")).click()
    page.get_by_text(t("table.editor_hint")).wait_for()  # the run that shows the editor is done
    editor = page.get_by_test_id("stDataFrame").first
    doc, _ = store.load_result(doc_id)
    column = 2 + value_keys(doc.tables[slip.table]).index(slip.column)
    overlay = page.locator("textarea.gdg-input, input.gdg-input").first
    for _ in range(4):  # a rerun landing mid-walk (e.g. a selection event) resets the grid focus
        if _reach_and_type(page, editor, overlay, column, slip):
            return
    raise AssertionError("could not type into the misread cell with the keyboard")


def _reach_and_type(page: Any, editor: Any, overlay: Any, column: int, slip: Any) -> bool:
    """Walk to the misread cell and type the printed value; False when a rerun got in the way."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    _settle(page)
    box = editor.bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # first data row, code column
    page.wait_for_timeout(200)
    for key in ["ArrowRight"] * column + ["ArrowDown"] * slip.row + ["Enter"]:
        page.keyboard.press(key)
        page.wait_for_timeout(60)
    overlay.wait_for()
    if overlay.input_value() != slip.misread:  # not the cell the finding is about
        overlay.press("Escape")
        return False
    overlay.press("Control+a")
    overlay.press_sequentially(slip.printed)
    overlay.press("Enter")
    try:
        page.get_by_text(t("table.unsaved", n=1)).wait_for(timeout=20_000)
    except PlaywrightTimeout:
        return False
    return True
