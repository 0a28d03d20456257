"""The review reaches the export, in a real browser (headless Chromium, `budgetlens ui` as a real
process): sign in, dismiss a finding with a reason, correct a misread value, export XLSX from the
Export page, download — the workbook shows the dismissal with its reason and the corrected value
with its original. And the page viewer as a reviewer sees it: the image at a legible size, the
highlighted cell in view at every zoom level; the clicks a document with 10 findings takes."""

from __future__ import annotations

import io
import re
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf

from schemas import DocStatus
from tests.e2e import test_browser as e2e
from tests.support import browser as bw
from tests.support.documents import misread_one_value, store_sample
from tests.support.exports import read_export
from tests.support.samples import SAMPLES
from tests.support.wait import wait_for
from ui.pageimage import COLORS, FOCUS_ROLES, ZOOMS
from ui.review.state import sorted_findings
from worker.services.export import WORKBOOK
from worker.services.review import DismissReason, dismiss, open_review
from worker.store import Store

THREE_ERRORS = SAMPLES / "000_954316b1df943981.pdf"
THIRTEEN = SAMPLES / "003_10d8e44b991496ab.pdf"  # 13 findings (2 narrative.repeat on one page)


def _run(live: Any, chromium: Any, flow: Any, *args: Any) -> None:
    url, store, shots = live
    with bw.browsing(chromium, shots, locale="zh-CN") as page:
        flow(page, url, store, shots, *args)


def test_dismissal_and_correction_reach_the_downloaded_workbook(live, chromium,
                                                              tmp_path: Path) -> None:
    _, store, _ = live
    doc_id = store_sample(store, THREE_ERRORS)
    slip = misread_one_value(store, doc_id)
    first = sorted_findings(open_review(store, doc_id))[0]  # picked when the document opens
    assert first in slip.findings_before  # one of the sample's own, not the slip's
    _run(live, chromium, _dismiss_correct_export, doc_id, slip, first.rule_id, tmp_path / "download")


def _dismiss_correct_export(page: Any, url: str, store: Store, shots: Path, doc_id: str,
                            slip: Any, rule_id: str, out: Path) -> None:
    page.goto(f"{url}/review?doc={doc_id[:16]}")
    bw.sign_in(page)
    bw.intact(page, "signing in")
    bw.key(page, "dismiss_reason").locator("label:has(input[type=radio])").first.click()  # 文件确实如此
    note = bw.key(page, "dismiss_note").locator("input")
    note.fill("第12页印刷如此")
    bw.committed(page, lambda: note.press("Enter"))  # the note reaches the app before the click
    bw.in_one_run(page, bw.key(page, "dismiss").get_by_role("button").click)
    wait_for(lambda: store.dismissals(doc_id), 120, "the dismissal")
    bw.intact(page, "dismissing")
    assert [d.reason for d in store.dismissals(doc_id).values()] == [DismissReason.document_says_so]
    page.screenshot(path=str(shots / "x1_dismissed.png"))

    bw.choose(page, 1, slip.table)  # the misread value's table
    bw.intact(page, "choosing the table")
    e2e._type_into_editor(page, store, doc_id, slip)
    bw.key(page, "save_edits").get_by_role("button").click()
    wait_for(lambda: store.audit(doc_id)[-1].action == "correct", 120, "the correction")
    bw.intact(page, "saving the correction")

    bw.settle(page)
    bw.nav(page, "export").click()
    bw.key(page, "export_go").wait_for()
    bw.settle(page)
    scope = bw.key(page, "export_scope").locator("label:has(input[type=radio])").nth(1)
    bw.committed(page, scope.click)  # all with extracted data
    bw.committed(page, bw.key(page, "export_fmt").get_by_text("XLSX", exact=True).click)
    bw.key(page, "export_go").get_by_role("button").click()
    workbook = bw.key(page, "dl-workbook").get_by_role("button")
    with page.expect_download() as download:
        workbook.click()
    page.screenshot(path=str(shots / "x2_export.png"), full_page=True)
    out.mkdir()
    download.value.save_as(out / WORKBOOK)

    findings = read_export(out, "findings", "xlsx")
    dismissed = {(f["rule_id"], f["reason"], f["note"], f["reviewer"]) for f in findings
                 if f["status"] == "dismissed"}
    assert dismissed == {(rule_id, "document_says_so", "第12页印刷如此", e2e.USER)}
    doc, _ = store.load_result(doc_id)
    table, row = doc.tables[slip.table], doc.tables[slip.table].rows[slip.row]
    mine = [f for f in read_export(out, "facts", "xlsx") if f["table_key"] == table.key
            and str(f["row_code"]) == (row.code or row.row_code) and f["column_key"] == slip.column]
    assert [(f["value_raw"], f["status"], f["original"], f["reviewer"]) for f in mine] == [
        (slip.printed, "corrected", slip.misread, e2e.USER)]


def test_page_viewer_and_the_clicks_ten_findings_take(live, chromium) -> None:
    _, store, _ = live
    doc_id = store_sample(store, THIRTEEN)
    review = open_review(store, doc_id)
    for f in sorted_findings(review)[10:]:  # set aside before: 10 open findings remain
        review = dismiss(store, review, f, DismissReason.rounding, "setup")
    assert len(review.open_findings) == 10
    total = len(review.findings)
    _run(live, chromium, _viewer_then_ten_findings, doc_id, total)


def _viewer_then_ten_findings(page: Any, url: str, store: Store, shots: Path,
                              doc_id: str, total: int) -> None:
    page.goto(f"{url}/review?doc={doc_id[:16]}")
    bw.sign_in(page)
    bw.intact(page, "signing in")
    _viewer(page, store, doc_id, shots)

    clicks = 0
    for n in range(10):  # each open finding: pick it (the first is picked on opening), dismiss
        if n:
            _pick_first_finding(page)
            clicks += 1
        bw.in_one_run(page, bw.key(page, "dismiss").get_by_role("button").click)
        clicks += 1
        wait_for(lambda n=n: len(store.dismissals(doc_id)) == total - 10 + n + 1, 120,
                 f"dismissal {n + 1}")
        bw.intact(page, f"dismissing finding {n + 1}")
    bw.settle(page)
    bw.in_one_run(page, bw.key(page, "confirm_doc").get_by_role("button").click)
    clicks += 1
    wait_for(lambda: store.get(doc_id).status == DocStatus.confirmed, 120, "the confirmation")
    bw.intact(page, "confirming")
    assert len(store.dismissals(doc_id)) == total
    print(f"\nclicks to review and confirm a document with 10 findings: {clicks}")
    assert clicks == 2 * 10  # pick + dismiss each (the first comes picked), then confirm


def _pick_first_finding(page: Any) -> None:
    """Click the first row of the findings grid (open ones only: the filter's default) once,
    and its dismiss form appears: a click after the page settled is never lost."""
    bw.settle(page)
    grid = page.locator('[class*="st-key-findings-"] [data-testid="stDataFrame"]').last
    grid.click(position={"x": 14, "y": 35 + 17})  # the row marker of row 1
    bw.key(page, "dismiss").get_by_role("button").wait_for()
    bw.settle(page)


def _viewer(page: Any, store: Store, doc_id: str, shots: Path) -> None:
    """At every zoom level the page image shows the picked finding's highlight; at the
    default zoom the page's digits are at least 12 px on screen."""
    image = page.get_by_test_id("stImage").locator("img").first
    caption = page.get_by_test_id("stImageCaption").first
    pdf = pymupdf.open(store.blob_path(doc_id))
    for i, zoom in enumerate((None, *ZOOMS)):  # None: as opened (the default zoom)
        if zoom is not None:
            control = page.locator('[class*="st-key-zoom-"] button:visible')
            bw.committed(page, control.nth(ZOOMS.index(zoom)).click)  # in ZOOMS' order
            bw.intact(page, f"zoom {zoom}")
        image.wait_for()
        shown = image.evaluate("i => [i.naturalWidth, i.clientWidth, i.clientHeight]")
        number = int(page.locator('[class*="st-key-page_in-"] input').input_value())
        across = _across(caption.inner_text(), pdf[number - 1].rect.width)
        png = image.screenshot(path=str(shots / f"v{i}_zoom_{zoom or 'default'}.png"))
        assert _focus_pixels(png) > 20, f"no highlight in view at zoom {zoom}"
        print(f"\nzoom {zoom or 'default'}: page {number}, {across:.0f} pt across, image "
              f"{shown[0]} px rendered, {shown[1]}x{shown[2]} px shown, "
              f"digits {_digit_size(pdf[number - 1]) * shown[1] / across:.1f} px")
        if zoom is None:
            px_per_pt = shown[1] / across
            assert _digit_size(pdf[number - 1]) * px_per_pt >= 12, (shown, across)
            assert across < pdf[number - 1].rect.width  # zoomed in, not the whole page


def _across(caption: str, page_width: float) -> float:
    """Points across the image: the window the caption names, or the whole page's width."""
    m = re.search(r"([\d.]+)–([\d.]+) × [\d.]+–[\d.]+", caption)
    return float(m[2]) - float(m[1]) if m else page_width


def _digit_size(pg: pymupdf.Page) -> float:
    sizes = [s["size"] for b in pg.get_text("dict")["blocks"] for li in b.get("lines", [])
             for s in li["spans"] if any(c.isdigit() for c in s["text"])]
    return statistics.median(sizes)


def _focus_pixels(png: bytes) -> int:
    """Pixels (every second one each way) in a focus role's stroke colour (selected, suspect,
    finding)."""
    pix = pymupdf.Pixmap(io.BytesIO(png).getvalue())
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
    rgb = rgb[::2, ::2, :3].astype(int)
    strokes = [np.array([round(255 * c) for c in COLORS[r][0]]) for r in FOCUS_ROLES]
    return int(np.logical_or.reduce([np.abs(rgb - s).max(axis=2) < 40 for s in strokes]).sum())
