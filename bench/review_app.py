"""The review app as a reviewer meets it, in a real browser (Debian's chromium, Playwright):
`budgetlens ui` started alone (its own worker and embedded Redis), one real document uploaded.

    python -m bench.review_app [PDF] [--reruns 15]

Prints the time from choosing the file to the Review page showing its table (upload, queue,
extraction by the app's worker, opening it), the extraction alone (the worker's seconds), and
the median / max time of a rerun — a key pressed (J, K: the next / previous page) until the address
shows the new place and Streamlit's run has ended. Default document:
../shared/realdocs/beijing_qxj_2026_budget_tables.pdf (46 pages).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import browser as bw
from worker.settings import Settings
from worker.store import Store

REALDOC = Path(__file__).resolve().parents[2] / "shared/realdocs/beijing_qxj_2026_budget_tables.pdf"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pdf", nargs="?", type=Path, default=REALDOC)
    ap.add_argument("--reruns", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", bw.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETLENS_")} | {
            "BUDGETLENS_DATA_DIR": str(data), "BUDGETLENS_WORKERS": "1",
            "BUDGETLENS_UI_USERS": json.dumps({bw.USER: bw.USER_HASH}),
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
        app = bw.start(["ui", "--port", str(port)], env, Path(tmp) / "ui.log")
        try:
            url = f"http://127.0.0.1:{port}"
            bw.wait_http(f"{url}/_stcore/health", app, Path(tmp) / "ui.log", timeout=120)
            with bw.browser_or_skip()() as pw:
                browser = pw.chromium.launch(executable_path=str(bw.CHROMIUM),
                                             args=bw.CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 1100})
                page.set_default_timeout(300_000)
                _measure(page, url, Store.from_settings(Settings(data_dir=data)), args)
                browser.close()
        finally:
            os.killpg(app.pid, signal.SIGINT)
            app.wait(timeout=120)


def _measure(page: Any, url: str, store: Store, args: argparse.Namespace) -> None:
    page.goto(url)
    page.get_by_text("1 个在运行").wait_for()  # the app's own worker is alive
    bw.sign_in(page)
    bw.settle(page)
    started = time.perf_counter()
    doc_id = bw.upload(page, args.pdf, store)
    processed = time.perf_counter() - started
    page.goto(f"{url}/review?doc={doc_id[:16]}")
    page.get_by_test_id("stDataFrame").first.wait_for()
    bw.settle(page)
    reviewable = time.perf_counter() - started
    rec = store.get(doc_id)
    print(f"{args.pdf.name}: {rec.pages} pages, {rec.n_findings} findings, status {rec.status}")
    print(f"upload → extracted (store): {processed:.1f} s (worker's extraction {rec.seconds:.2f} s)")
    print(f"upload → Review page showing its table: {reviewable:.1f} s")
    times = [_rerun(page, key) for key in ("j", "j", "k") * (args.reruns // 3 + 1)]
    times = times[: args.reruns]
    print(f"reruns ({len(times)}, keys J/K until the address shows the place and the run "
          f"ended): median {statistics.median(times):.2f} s, max {max(times):.2f} s")


def _rerun(page: Any, key: str) -> float:
    before = page.url
    started = time.perf_counter()
    page.locator("body").press(key)
    page.wait_for_url(lambda now: now != before)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
