"""What the real-browser tests share: Debian's chromium driven by Playwright, `budgetlens`
commands as real processes, and waits with generous deadlines (never sleep-then-assert)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from schemas import DocStatus
from tests.support.samples import REPO
from tests.support.wait import wait_for
from worker.services.accounts import hash_password
from worker.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
USER, PASSWORD = "alice", "alice-password"
USER_HASH = hash_password(PASSWORD)  # what `budgetlens user add` would print for them


def browser_or_skip() -> Any:
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A `budgetlens` command in a session of its own, as from a terminal: Ctrl-C (SIGINT) at
    its default even when this run's was ignored (a suite started with `&` from a script: the
    shell ignores SIGINT for it, and the command would inherit that and never hear a Ctrl-C)."""
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", *args],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the worker's work horse too
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_disconnected(redis_url: str, timeout: float = 60) -> None:
    """RQ's work horse lives in a session of its own and exits a moment after its worker: wait,
    so the session's Redis is not left running for a client that is about to go."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while len(client.client_list()) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    client.close()


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not come up: {log.read_text()[-2000:]}")


# What the page hears from the app, read from Streamlit's own protocol (streamlit/proto) in the
# page: every rerun request it sends and every run the server reports finished. Installed before
# the page's scripts (`open_page`); the field numbers come from the protobuf descriptors.
_FORWARD = ForwardMsg.DESCRIPTOR
_STATUSES = {v.name: v.number for v in _FORWARD.enum_types_by_name["ScriptFinishedStatus"].values}
_RECORDER = """
((FINISHED, RERUN, DONE) => {
  const fields = (bytes) => {  // a protobuf message's top-level fields: number -> varint or null
    const out = new Map();
    let i = 0;
    const varint = () => {
      let v = 0, s = 0, b;
      do { b = bytes[i++]; v += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80 && i < bytes.length);
      return v;
    };
    while (i < bytes.length) {
      const tag = varint(), wire = tag & 7, field = (tag - wire) / 8;
      if (wire === 0) out.set(field, varint());
      else if (wire === 2) { const n = varint(); i += n; out.set(field, null); }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const bytesOf = (d) => d instanceof ArrayBuffer ? new Uint8Array(d)
    : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : null;
  const log = window.__streamlitRuns = {tick: 0, sent: 0, finished: 0, statuses: [], idle: 0,
                                         reruns: 0};
  const stream = (url) => String(url).includes('/_stcore/stream');
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (!stream(args[0])) return;
      this.addEventListener('message', (e) => {  // before the app's own listener
        const bytes = bytesOf(e.data), f = bytes && fields(bytes);
        if (!f || !f.has(FINISHED)) return;
        log.statuses.push(f.get(FINISHED));
        if (DONE.has(f.get(FINISHED))) log.finished = ++log.tick;
      });
    }
    send(data) {
      const bytes = stream(this.url) && bytesOf(data);
      if (bytes && fields(bytes).has(RERUN)) { log.sent = ++log.tick; log.reruns++; }
      return super.send(data);
    }
  };
})""" + "({}, {}, new Set([{}, {}]));".format(
    _FORWARD.fields_by_name["script_finished"].number,
    BackMsg.DESCRIPTOR.fields_by_name["rerun_script"].number,
    _STATUSES["FINISHED_SUCCESSFULLY"], _STATUSES["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"])

# Idle: every rerun the page asked for has been answered by a run that finished (a run stopped
# early for a rerun is no answer: `st.rerun()` ends one run and starts the next), the app says
# it is not running, and so for two frames in a row (the run's elements are painted).
_IDLE = """() => {
  const log = window.__streamlitRuns, app = document.querySelector('[data-testid="stApp"]');
  if (!log) throw new Error('no run recorder: open the page with browser.open_page');
  if (!app || log.finished < log.sent || app.dataset.testScriptState !== 'notRunning') {
    log.idle = 0;
    return false;
  }
  return ++log.idle >= 2;
}"""


@contextmanager
def browsing(browser: Any, shots: Path, **kwargs: Any) -> Iterator[Any]:
    """A page of `browser` in a context of its own (`open_page`); its screenshot on failure."""
    page = open_page(browser, **kwargs)
    try:
        yield page
    except Exception:
        page.screenshot(path=str(shots / "failure.png"), full_page=True)
        raise
    finally:
        page.context.close()


def open_page(browser: Any, **kwargs: Any) -> Any:
    """A new page of `browser` that records Streamlit's runs (what `settle` waits on)."""
    page = browser.new_page(**{"viewport": {"width": 1600, "height": 1100}, **kwargs})
    page.add_init_script(_RECORDER)
    page.set_default_timeout(60_000)
    return page


def runs(page: Any) -> list[str]:
    """How each run the page has heard of finished (ScriptFinishedStatus names), in order."""
    names = {n: name for name, n in _STATUSES.items()}
    return [names[s] for s in page.evaluate("() => window.__streamlitRuns.statuses")]


def settle(page: Any, timeout: float = 120) -> None:
    """Wait until Streamlit has finished the runs the page has asked for so far, and two frames
    have been painted since. An action's rerun request may leave the page a moment after the
    action: to wait for its answer use `committed` (or `in_one_run`)."""
    page.evaluate("() => { if (window.__streamlitRuns) window.__streamlitRuns.idle = 0; }")
    page.wait_for_function(_IDLE, polling="raf", timeout=timeout * 1000)


def in_one_run(page: Any, act: Any) -> None:
    """Do `act` (a click that writes) and wait for the app's answer: a run stopped early for a
    rerun only when the page itself asked again meanwhile — never the `st.rerun()` after a write,
    which lets the browser hear "not running" and show the page as it was before the write (a
    click there is lost)."""
    before, asked = len(runs(page)), _reruns(page)
    act()
    _sent_after(page, asked)
    settle(page)
    answer, again = runs(page)[before:], _reruns(page) - asked - 1
    assert answer.count("FINISHED_EARLY_FOR_RERUN") <= max(again, 0), (answer, again)


def committed(page: Any, act: Any) -> None:
    """Do `act` (a click on a button or a radio, Enter in a field) and wait until the page has
    sent the rerun it causes and the app has answered it. `settle` alone may return before the
    request has left (the address then read is the one before the click), and a field's value
    otherwise goes with the next click, in a second rerun request that stops the run of the
    first."""
    asked = _reruns(page)
    act()
    _sent_after(page, asked)
    settle(page)


def _sent_after(page: Any, asked: int) -> None:
    page.wait_for_function(f"() => window.__streamlitRuns.reruns > {asked}")


def _reruns(page: Any) -> int:
    return int(page.evaluate("() => window.__streamlitRuns.reruns"))


def shortcut(page: Any, keys: str) -> None:
    """Type a shortcut as a reviewer does: on the page, not in a field. Streamlit ignores a
    plain key typed into an input, and a field may keep the focus after a click."""
    page.evaluate("() => document.activeElement?.blur()")
    page.locator("body").press(keys)


def key(page: Any, name: str) -> Any:
    """The element of the widget with key `name` (Streamlit marks its container `st-key-NAME`,
    other characters as '-'): found whatever the interface language."""
    return page.locator(f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', name)}")


def nav(page: Any, view: str) -> Any:
    """The sidebar's link to a page (views/<view>.py), by address, not by its title."""
    return page.locator(f'[data-testid="stSidebarNav"] a[href$="/{view}"]')


def intact(page: Any, what: str) -> None:
    """The Review page after `what`: no exception box, the sidebar and the page's parts there."""
    settle(page)
    errors = page.get_by_test_id("stException")
    # the table grid is painted a moment after the run ends; a crash shows instead of it
    page.locator('[data-testid="stDataFrame"], [data-testid="stException"]').first.wait_for()
    assert errors.count() == 0, f"after {what}: {errors.first.inner_text()}"
    assert page.get_by_test_id("stSidebar").is_visible(), what
    assert page.get_by_test_id("stSelectbox").count() >= 2, what  # document and table pickers


def choose(page: Any, index: int, option: int) -> None:
    """Open the `index`-th select box of the page and click its `option`-th entry. Open
    problem: now and then (after a dismissal, the page settled: no run pending, no redraw) the
    click focuses the box without listing its options — not the run gap, which is gone; then
    close it and open it again, up to three times (`until_shown`)."""
    box = page.get_by_test_id("stSelectbox").nth(index)
    entry = page.get_by_role("option").nth(option)
    until_shown(page, box.click, entry, undo=lambda: page.keyboard.press("Escape"))
    entry.click()


def until_shown(page: Any, act: Any, shown: Any, *, undo: Any = None, attempts: int = 3,
                timeout: float = 10) -> None:
    """Do `act` (on a settled page) until `shown` is visible, at most `attempts` times, `undo`
    between them: for the clicks a redraw now and then swallows (a select box, the canvas
    grid), where nothing in the DOM says the widget is ready."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        settle(page)
        act()
        try:
            shown.wait_for(timeout=timeout * 1000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            if undo is not None:
                undo()


def sign_in(page: Any, user: str = USER, password: str = PASSWORD) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    key(sidebar, "login_name").locator("input").fill(user)
    key(sidebar, "login_password").locator("input").fill(password)
    key(sidebar, "login_submit").get_by_role("button").click()
    key(sidebar, "sign_out").wait_for()


def upload(page: Any, path: Path, store: Store, timeout: float = 300) -> str:
    """Upload one file on the Queue page and wait until a worker has extracted it (not failed):
    its doc_id."""
    # a file given to the uploader before the sign-in's run has enabled it is dropped
    zone = page.locator('[data-testid="stFileUploaderDropzone"][aria-disabled="false"]')
    zone.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text(re.compile(r"^[\d.]+[KM]B$")).wait_for()  # the upload finished (size shown)
    key(page, "submit_upload").get_by_role("button").click()
    [rec] = wait_for(lambda: [r for r in store.list() if r.source_file == path.name], timeout,
                     f"{path.name} to be submitted")
    done = {DocStatus.extracted, DocStatus.needs_review, DocStatus.failed}
    wait_for(lambda: store.get(rec.doc_id).status in done, timeout, f"a worker to extract {path}")
    assert store.get(rec.doc_id).status != DocStatus.failed, store.get(rec.doc_id).error
    return rec.doc_id
