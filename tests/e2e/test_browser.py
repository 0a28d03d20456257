"""A newcomer's path in a real browser: Debian's chromium driven by Playwright, `budgetlens ui`
as a real process (it runs the worker itself) on a real Redis and SQLite file.

Sign in, upload a sample PDF, wait for the worker, open it, fix a misread value in the table
editor, confirm — then the database must hold the correction and the confirmation. Screenshots
of every page go to the test's tmp dir (printed); look at them when the UI changes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from schemas import DocStatus, ValueStatus
from tests.support import browser as bw
from tests.support.browser import USER
from tests.support.documents import CLEAN_SAMPLE, misread_one_value, store_sample
from tests.support.samples import SAMPLES
from ui.common import STATUS_LABEL, WORD_JOINER
from ui.i18n import t
from ui.tableview import value_keys
from worker.services.export import FACT_COLUMNS
from worker.store import Store

pytestmark = pytest.mark.slow

def test_upload_review_correct_confirm_in_a_real_browser(live_worker, chromium) -> None:
    url, store, shots = live_worker
    with bw.browsing(chromium, shots) as page:
        _journey(page, url, store, shots)


_UPLOADER_WORDS = """() => [
  '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p',
  '[data-testid="stFileUploaderDropzoneInstructions"] span',
].map(sel => {
  const e = document.querySelector(sel);
  return {size: getComputedStyle(e).fontSize, shown: getComputedStyle(e, '::after').content};
})"""


def _journey(page: Any, url: str, store: Store, shots: Path) -> None:
    page.goto(url)
    page.get_by_text(t("queue.add")).wait_for()
    page.screenshot(path=str(shots / "01_queue_anonymous.png"))
    # the uploader's own English ("Upload", "100MB per file") hidden, ours shown in its place
    button, limit = page.evaluate(_UPLOADER_WORDS)
    assert button == {"size": "0px", "shown": f'"{t("queue.browse")}"'}
    assert limit["size"] == "0px"
    assert re.fullmatch(f'"{t("queue.limit", mb=r"[1-9][0-9]*")}"', limit["shown"])

    bw.sign_in(page)

    [rec] = store.list(doc_ids=[bw.upload(page, CLEAN_SAMPLE, store)])
    # the queue's live listing shows it processed (the grid's accessible copy of its cells)
    listed = page.get_by_test_id("stDataFrame").filter(has_text=CLEAN_SAMPLE.name)
    listed.filter(has_text=STATUS_LABEL[rec.status]).first.wait_for(state="attached")
    bw.settle(page)
    page.screenshot(path=str(shots / "02_queue_extracted.png"))

    # an extraction slip on purpose: one printed amount misread, so a check fires
    slip = misread_one_value(store, rec.doc_id)
    bw.nav(page, "review").click()
    bw.key(page, "f_status").wait_for()  # the findings are listed (their filter is drawn)
    bw.settle(page)
    page.screenshot(path=str(shots / "03_review_finding.png"))
    findings_before = store.get(rec.doc_id).n_findings
    assert findings_before > len(slip.findings_before)

    _type_into_editor(page, store, rec.doc_id, slip)
    page.screenshot(path=str(shots / "04_review_edited.png"))
    bw.in_one_run(page, bw.key(page, "save_edits").get_by_role("button").click)
    page.get_by_text(t("table.corrections_saved", n=1)).wait_for()
    bw.settle(page)
    page.screenshot(path=str(shots / "05_review_saved.png"))

    bw.in_one_run(page, bw.key(page, "confirm_doc").get_by_role("button").click)
    page.get_by_text(t("panels.doc_confirmed")).wait_for()
    bw.settle(page)
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
    bw.nav(page, "overview").click()
    page.get_by_role("heading", name=t("overview.title")).wait_for()
    bw.settle(page)
    page.screenshot(path=str(shots / "08_overview.png"), full_page=True)
    _markup_stays_text(page, url, store, shots)


def _export(page: Any, store: Store, shots: Path, doc_id: str, slip: Any) -> None:
    """The confirmed document downloads in the export contract's columns, corrected value in."""
    bw.nav(page, "export").click()
    page.get_by_role("heading", name=t("export.title")).wait_for()
    bw.key(page, "export_go").get_by_role("button").click()
    facts = bw.key(page, "dl-facts").get_by_role("button")
    with page.expect_download() as download:
        facts.click()
    bw.settle(page)
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
    bw.settle(page)
    page.screenshot(path=str(shots / "09_markup_as_text.png"))
    assert page.locator("img[src='x']").count() == 0
    links = page.locator("main a[href]:not([href^='#'])")  # heading anchors are Streamlit's own
    assert links.count() == 0, links.first.evaluate("a => a.outerHTML")
    assert heading.inner_text().replace(WORD_JOINER, "").startswith(doc.department)
    assert page.evaluate("() => window.pwned === undefined")


def _type_into_editor(page: Any, store: Store, doc_id: str, slip: Any) -> None:
    """Keyboard only, like a reviewer: focus the grid, walk to the cell, Enter, type, Enter."""
    bw.key(page, "edit_mode").get_by_text(t("table.edit_values")).click()
    page.get_by_text(t("table.editor_hint")).wait_for()  # the run that shows the editor is done
    editor = page.get_by_test_id("stDataFrame").first
    doc, _ = store.load_result(doc_id)
    table = doc.tables[slip.table]
    column = 2 + value_keys(table).index(slip.column)
    shown = [r.values[slip.column].raw if slip.column in r.values else "" for r in table.rows]
    overlay = page.locator("textarea.gdg-input, input.gdg-input").first
    down = slip.row
    for _ in range(4):  # a rerun landing mid-walk (e.g. a selection event) resets the grid focus
        got = _reach_and_type(page, editor, overlay, column, down, slip)
        if got is None:
            return
        # landed on another row of the column (the first click a row off, say): the value it
        # holds tells which, and the next walk makes up the difference
        rows = [i for i, text in enumerate(shown) if got and text == got]
        if rows:
            down += slip.row - min(rows, key=lambda i: abs(i - down))
    raise AssertionError("could not type into the misread cell with the keyboard")


def _reach_and_type(page: Any, editor: Any, overlay: Any, column: int, down: int,
                    slip: Any) -> str | None:
    """Walk `down` rows to the misread cell and type the printed value: None once typed, else
    what the cell reached holds ("" when a rerun got in the way)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    bw.settle(page)
    box = editor.bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # first data row, code column
    page.wait_for_timeout(200)
    for key in ["ArrowRight"] * column + ["ArrowDown"] * down + ["Enter"]:
        page.keyboard.press(key)
        page.wait_for_timeout(60)
    overlay.wait_for()
    reached = overlay.input_value()
    if reached != slip.misread:  # not the cell the finding is about
        overlay.press("Escape")
        return reached
    overlay.press("Control+a")
    overlay.press_sequentially(slip.printed)
    overlay.press("Enter")
    try:
        page.get_by_text(t("table.unsaved", n=1)).wait_for(timeout=20_000)
    except PlaywrightTimeout:
        return ""
    return None
