"""Issue 13's leftovers, in a real browser: the review grid sorts its amounts as numbers (their
display: tests/ui), the sign-in cookie is out of the page's reach (HttpOnly, SameSite=Strict,
Secure over HTTPS), and a refusal from the services reads in Chinese, never in their English."""

from __future__ import annotations

import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any

from schemas import Value
from tests.support import browser as bw
from tests.support.documents import store_sample
from tests.support.wait import wait_for
from ui.i18n import t
from ui.session import COOKIE, ROUTE
from ui.tableview import number_columns, value_keys
from worker.store import Store

# printed amounts whose text order is not their numeric order ("100.00" < "9.00" as text)
AMOUNTS = ["12345.6", "9.00", "100.00", "10.5", "2,000.00", "0.75", "300", "45.25"]


def _amounts_in_first_table(store: Store, doc_id: str) -> tuple[int, list[Decimal]]:
    """Every row of the first table's last column (the grid's right-most) holds one of AMOUNTS
    in turn: (its position in the grid, the numbers stored)."""
    doc, findings = store.load_result(doc_id)
    assert doc is not None
    table = doc.tables[0]
    key = value_keys(table)[-1]
    numbers = []
    for i, row in enumerate(table.rows):
        raw = AMOUNTS[i % len(AMOUNTS)]
        number = Decimal(raw.replace(",", "")).normalize()
        row.values[key] = Value(raw=raw, value=number, wan=number, page=row.page)
        numbers.append(number)
    assert key in number_columns(table)
    store.save_result(doc, findings, store.get(doc_id).status)
    return 3 + value_keys(table).index(key), numbers  # after the code and name columns


def _column(grid: Any, col: int) -> list[Decimal]:
    """The column's cells in the order the grid draws them (its accessible copy of the rows
    drawn holds the numbers; the canvas shows them formatted, see tests/ui)."""
    cells = grid.locator(f'tbody td[aria-colindex="{col}"]')
    cells.first.wait_for(state="attached")
    return [Decimal(text.replace(",", "")) for text in cells.all_inner_texts()]


def test_the_table_grid_sorts_amounts_as_numbers(live, chromium) -> None:
    url, store, shots = live
    doc_id = store_sample(store)
    col, numbers = _amounts_in_first_table(store, doc_id)
    with bw.browsing(chromium, shots) as page:
        page.goto(f"{url}/review?doc={doc_id[:16]}")
        grid = page.get_by_test_id("stDataFrame").first
        grid.wait_for()
        bw.settle(page)
        before = _column(grid, col)
        assert before == numbers[:len(before)]
        box = grid.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 40, box["y"] + 17)  # its header: sort
        wait_for(lambda: _column(grid, col) != before, 60, "the grid to sort the column")
        page.screenshot(path=str(shots / "sorted.png"))
        ascending = _column(grid, col)
        # by value: as text, 0.75 < 10.5 < 100 < 12345.6 < 2,000 < 300 < 45.25 < 9
        assert ascending == sorted(numbers)[:len(ascending)], ascending


def test_the_session_cookie_is_out_of_the_pages_reach(live, chromium) -> None:
    url, store, shots = live
    doc_id = store_sample(store)
    with bw.browsing(chromium, shots) as page:
        page.goto(f"{url}/review?doc={doc_id[:16]}")
        bw.sign_in(page)
        bw.settle(page)
        [cookie] = wait_for(lambda: [c for c in page.context.cookies() if c["name"] == COOKIE],
                            60, "the sign-in cookie")
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Strict", False)
        assert COOKIE not in page.evaluate("() => document.cookie")
        page.reload()
        bw.key(page, "sign_out").wait_for()  # the server read it: still signed in
    # the route sets nothing for a code it did not issue, and marks the cookie Secure over HTTPS
    assert _post(url, "not-a-code")[0] == 403
    status, set_cookie = _post(url, "", {"X-Forwarded-Proto": "https"})
    assert status == 204 and {"HttpOnly", "Secure", "SameSite=strict"} <= {
        p.strip() for p in set_cookie.split(";")}, set_cookie


def test_a_refusal_of_the_services_reads_in_chinese(live, chromium) -> None:
    """A correction the review service refuses (not a number): the page says why in Chinese,
    not in the service's English."""
    url, store, shots = live
    doc_id = store_sample(store)
    with bw.browsing(chromium, shots) as page:
        page.goto(f"{url}/review?doc={doc_id[:16]}")
        bw.sign_in(page)
        _refused_in_chinese(page)
        page.screenshot(path=str(shots / "refused.png"))


def _refused_in_chinese(page: Any) -> None:
    field = page.locator('[class*="st-key-fix-value-"] input')
    _select_first_amount(page, field)
    field.fill("abc")
    bw.in_one_run(page, page.get_by_role("button", name=t("table.save_correction")).click)
    said = t("state.not_saved", reason=t("refused.not_a_number", raw="abc"))
    alert = page.get_by_test_id("stAlert").filter(has_text="abc")
    alert.wait_for()
    assert said in alert.inner_text(), alert.inner_text()
    assert "not a number" not in page.locator("main").inner_text()


def _select_first_amount(page: Any, field: Any) -> None:
    """Click the first row's amount until its correction field shows: a click on the grid (a
    canvas) is lost now and then when it lands while the grid is still being drawn."""
    grid = page.get_by_test_id("stDataFrame").first

    def click() -> None:
        box = grid.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 40, box["y"] + 35 + 17)

    bw.until_shown(page, click, field, timeout=15)
    bw.settle(page)  # a click that was late, not lost, has its own run: let it end before the save


def _post(url: str, body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url + ROUTE, data=body.encode(), method="POST",
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get("set-cookie", "")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers.get("set-cookie", "")
