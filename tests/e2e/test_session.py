"""The session survives a reload, in a real browser: signed in at a document's table and page,
a reload keeps the reviewer signed in at the same place (the token in a cookie, the position in
the address); a forged or expired token is refused on the server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.support import browser as bw
from tests.support.apptest import said
from tests.support.documents import misread_one_value, store_sample
from ui.session import COOKIE
from worker.services.sessions import issue
from worker.settings import Settings
from worker.store import Store


def test_reload_keeps_the_sign_in_and_the_place_forged_and_expired_are_refused(live,
                                                                               chromium) -> None:
    url, store, shots = live
    doc_id = store_sample(store)
    misread_one_value(store, doc_id)
    with bw.browsing(chromium, shots) as page:
        _reload_keeps(page, url, store, shots, doc_id)


def _reload_keeps(page: Any, url: str, store: Store, shots: Path, doc_id: str) -> None:
    page.goto(f"{url}/review?doc={doc_id[:16]}")
    bw.sign_in(page)
    bw.settle(page)
    bw.choose(page, 1, 2)  # the table picker: its third table
    page.wait_for_url("**table=2**")
    bw.committed(page, bw.key(page, "next_page").get_by_role("button").click)  # a page on
    where, table = page.url, _table_shown(page)
    page.screenshot(path=str(shots / "s1_before_reload.png"))

    page.reload()
    bw.key(page, "sign_out").wait_for()  # still signed in
    bw.settle(page)
    page.screenshot(path=str(shots / "s2_after_reload.png"))
    assert page.url == where and f"doc={doc_id[:16]}" in where and "table=" in where
    assert _table_shown(page) == table
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["value"] not in page.url  # the sign-in is not in the address

    _keys_walk(page)
    forged = cookie["value"][:-4] + ("AAAA" if not cookie["value"].endswith("AAAA") else "BBBB")
    _refused(page, url, forged, shots / "s3_forged.png")
    settings = Settings(data_dir=store.blob_dir.parent, ui_users={bw.USER: bw.USER_HASH})
    expired = issue(settings, bw.USER, now=time.time() - settings.ui_session_h * 3600 - 60)
    _refused(page, url, expired, shots / "s4_expired.png")
    _with_cookie(page, url, issue(settings, bw.USER))  # signed with the secret the app made
    bw.key(page, "sign_out").wait_for()


def _keys_walk(page: Any) -> None:
    """The reviewer's keys (Streamlit's button shortcuts, the one mechanism): F picks the next
    finding (its detail and dismiss form appear), J turns the page (the address follows)."""
    assert bw.key(page, "dismiss").count() == 0  # the address named a place, no finding
    # F once more if the first is not heard (a second F shows the next finding: as good)
    bw.until_shown(page, lambda: bw.shortcut(page, "f"), bw.key(page, "dismiss"), timeout=30)
    bw.settle(page)
    shown = int(page.url.rsplit("page=", 1)[1].split("&")[0])
    bw.shortcut(page, "j")
    page.wait_for_url(f"**page={shown + 1}**")


def _table_shown(page: Any) -> str:
    return page.get_by_test_id("stSelectbox").nth(1).inner_text()


def _with_cookie(page: Any, url: str, value: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": COOKIE, "value": value, "url": url}])
    page.reload()
    bw.settle(page)


def _refused(page: Any, url: str, token: str, shot: Path) -> None:
    _with_cookie(page, url, token)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(said("session.refused")).wait_for()
    page.screenshot(path=str(shot))
    assert bw.key(sidebar, "login_name").is_visible() and bw.key(sidebar, "sign_out").count() == 0
