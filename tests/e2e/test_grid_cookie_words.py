"""Issue 13's leftovers, in a real browser: a refusal from the services reads in Chinese,
never in their English."""

from __future__ import annotations

from typing import Any

from tests.support import browser as bw
from tests.support.documents import store_sample
from ui.i18n import t


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
    grid = page.get_by_test_id("stDataFrame").first
    bw.settle(page)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 40, box["y"] + 35 + 17)  # first row's amount
    field = page.locator('[class*="st-key-fix-value-"] input')
    field.wait_for()
    field.fill("abc")
    bw.in_one_run(page, page.get_by_role("button", name=t("table.save_correction")).click)
    said = t("state.not_saved", reason=t("refused.not_a_number", raw="abc"))
    alert = page.get_by_test_id("stAlert").filter(has_text="abc")
    alert.wait_for()
    assert said in alert.inner_text(), alert.inner_text()
    assert "not a number" not in page.locator("main").inner_text()
