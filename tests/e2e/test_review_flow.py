"""A reviewer's day in a real browser (headless Chromium, `budgetlens ui` as a real process):
confirm a table with the keyboard, confirm the document, go on with N — and keep working.
Every step after a confirm is a click that must find the page intact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemas import DocStatus
from tests.support import browser as bw
from tests.support.apptest import said
from tests.support.documents import misread_one_value, store_sample
from tests.support.samples import SAMPLES
from ui.i18n import t
from worker.store import Store


def test_confirm_table_document_then_next_keeps_working(live, chromium) -> None:
    url, store, shots = live
    first = store_sample(store)
    misread_one_value(store, first)
    second = store_sample(store, SAMPLES / "000_954316b1df943981.pdf")
    with bw.browsing(chromium, shots) as page:
        _flow(page, url, store, shots, first, second)


def _flow(page: Any, url: str, store: Store, shots: Path, first: str, second: str) -> None:
    page.goto(f"{url}/review?doc={first[:16]}")
    bw.sign_in(page)
    bw.intact(page, "signing in")

    bw.in_one_run(page, lambda: bw.shortcut(page, "Shift+T"))  # confirm table
    page.get_by_text(said("table.table_confirmed")).first.wait_for()
    bw.intact(page, "Shift+T")
    assert store.audit(first)[-1].action == "confirm_table"
    page.screenshot(path=str(shots / "r1_table_confirmed.png"))
    bw.committed(page, bw.key(page, "next_page").get_by_role("button").click)  # any click: every
    # widget's state is sent
    bw.intact(page, "a click after Shift+T")
    bw.choose(page, 1, 1)  # another table
    bw.intact(page, "choosing a table after Shift+T")
    bw.choose(page, 1, 0)  # and back to the confirmed one, whose label changed
    bw.intact(page, "choosing the confirmed table")

    bw.in_one_run(page, bw.key(page, "confirm_doc").get_by_role("button").click)
    page.get_by_text(t("panels.doc_confirmed")).wait_for()
    bw.intact(page, "Confirm document")
    assert store.get(first).status == DocStatus.confirmed
    page.screenshot(path=str(shots / "r2_document_confirmed.png"))

    bw.shortcut(page, "n")  # next needing review, straight after the confirm
    page.wait_for_url(f"**doc={second[:16]}**")
    bw.intact(page, "N")
    bw.committed(page, bw.key(page, "next_page").get_by_role("button").click)
    bw.intact(page, "a click after N")
    bw.choose(page, 1, 1)
    bw.intact(page, "choosing a table in the next document")
    bw.committed(page, bw.key(page, "next_page").get_by_role("button").click)
    bw.intact(page, "turning the page")
    bw.choose(page, 0, 0)  # back to the first document through the picker
    bw.intact(page, "choosing the first document")
    assert f"doc={first[:16]}" in page.url
    page.screenshot(path=str(shots / "r3_next_and_back.png"))
