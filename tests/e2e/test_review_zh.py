"""The Review page in a real browser with a Chinese locale (headless Chromium, zh-CN, `budgetlens
ui` as a real process, the default setting): its labels are Chinese and no internal key shows in
the page's text — table, column and row keys, rule ids, enum values, narrative subject keys,
path globs (the forbidden set comes from the data: tests/support/ui_keys.py)."""

from __future__ import annotations

from typing import Any

from tests.support import browser as bw
from tests.support.documents import misread_one_value, store_sample
from tests.support.samples import SAMPLES
from tests.support.ui_keys import leaks
from ui.i18n import t

# the page's text as a reader gets it: every text node, hidden ones too (collapsed expanders,
# the grid's accessible copy of its cells), but not scripts, styles, the <noscript> notice or
# icon ligature names
_TEXT = """() => {
  const skip = 'script, style, noscript, [data-testid="stIconMaterial"]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest(skip)) out.push(n.textContent);
  }
  return out.join('\\n');
}"""


def test_review_page_in_chinese_shows_no_internal_key(live, chromium) -> None:
    url, store, shots = live
    first = store_sample(store)
    misread_one_value(store, first)  # a finding, picked on opening: its detail is drawn
    second = store_sample(store, SAMPLES / "000_954316b1df943981.pdf")  # problems, narrative
    with bw.browsing(chromium, shots, locale="zh-CN") as page:
        for n, doc_id in enumerate((first, second)):
            page.goto(f"{url}/review?doc={doc_id[:16]}")
            if n == 0:
                bw.sign_in(page)  # signed in: the editors are drawn too
            bw.key(page, "sign_out").wait_for()  # and the session survives the next address
            text = _review_text(page)
            page.screenshot(path=str(shots / f"review_zh_{doc_id[:8]}.png"), full_page=True)
            (shots / f"text_{doc_id[:8]}.txt").write_text(text)  # what was read
            assert leaks(text, "zh") == set(), doc_id
            for key in ("panels.confirm_doc", "table.table", "review.next_doc"):
                assert t(key) in text, key


def _review_text(page: Any) -> str:
    bw.key(page, "f_status").wait_for()  # findings listed
    page.get_by_test_id("stDataFrame").first.wait_for()
    bw.settle(page)
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        summary.click()  # open every panel: what it shows is read too
        bw.settle(page)
    return page.evaluate(_TEXT)
