"""The review app's page logic with Streamlit's AppTest, against a real SQLite store and Redis,
on documents the real extraction made from the bundled samples."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pymupdf
import pytest
from rq import Queue
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import AppTestError

from schemas import Column, DocStatus, Row, Table, Value, ValueStatus
from tests.support.apptest import grid_key, open_app, pick, said, texts
from tests.support.documents import (
    CLEAN_SAMPLE,
    Misread,
    last_audit,
    misread_one_value,
    store_sample,
)
from tests.support.workbooks import seed_workbook
from ui import tableview as tv
from ui.common import WORD_JOINER, md
from ui.pageimage import COLORS, Box, legend, render_page
from ui.review.state import sorted_findings
from worker.pipeline import process
from worker.pipeline.checks import run_checks
from worker.pipeline.load import KINDS
from worker.settings import Settings
from worker.store import Store
from worker.tables.numbers import parse


@pytest.fixture
def misread(env: Settings, store: Store) -> tuple[str, Misread]:
    doc_id = store_sample(store)
    return doc_id, misread_one_value(store, doc_id)


def _review(at: AppTest, doc_id: str, m: Misread | None = None) -> AppTest:
    at.query_params["doc"] = doc_id[:16]
    at.switch_page("views/review.py").run()
    if m is not None and at.session_state["table_sel"] != m.table:
        pick(at, "table_sel", m.table)
    assert not at.exception, at.exception
    return at


def _edit(at: AppTest, doc_id: str, m: Misread, new: str) -> AppTest:
    at.toggle(key="edit_mode").set_value(True).run()
    version = at.session_state["review"].version
    at.session_state[f"editor-{doc_id[:12]}-{version}-{m.table}"] = {
        "edited_rows": {m.row: {m.column: new}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    return at.button(key="save_edits").click().run()


def test_sign_in_needs_the_right_password(env: Settings) -> None:
    at = open_app()
    at.sidebar.text_input(key="login_name").input("alice")
    at.sidebar.text_input(key="login_password").input("wrong")
    at.sidebar.button[0].click().run()
    assert said("login.wrong") in texts(at, "error") and "user" not in at.session_state
    open_app("alice")


def test_edit_is_stored_as_a_correction_and_the_finding_clears(misread, store: Store) -> None:
    doc_id, m = misread
    at = _review(open_app("alice"), doc_id, m)
    before = len(at.session_state["review"].findings)
    assert before > len(m.findings_before)
    at = _edit(at, doc_id, m, m.printed)

    assert not at.exception, at.exception
    saved = said("state.saved", done="", before=before, after=len(m.findings_before))
    assert saved.strip() in texts(at, "success")
    doc, findings = store.load_result(doc_id)
    value = doc.tables[m.table].rows[m.row].values[m.column]
    assert (value.raw, value.status) == (m.printed, ValueStatus.corrected)
    assert len(findings) == len(m.findings_before)
    assert last_audit(store, doc_id) == ("alice", "correct", m.misread, m.printed)


def test_a_typo_is_refused_with_a_message(misread, store: Store) -> None:
    doc_id, m = misread
    version = store.get(doc_id).version
    at = _edit(_review(open_app("alice"), doc_id, m), doc_id, m, "20l.28")
    assert said("refused.not_a_number", raw="20l.28") in texts(at, "error")  # not the service's
    assert "not a number" not in texts(at, "error")  # English
    assert store.get(doc_id).version == version


def test_confirm_document(misread, store: Store) -> None:
    doc_id, m = misread
    at = _review(open_app("bob"), doc_id, m)
    at.button(key="confirm_table").click().run()
    assert store.audit(doc_id)[-1].action == "confirm_table"
    at.button(key="confirm_doc").click().run()
    assert not at.exception, at.exception
    assert store.get(doc_id).status == DocStatus.confirmed
    assert [(e.user, e.action) for e in store.audit(doc_id)][-1] == ("bob", "confirm")
    assert at.button(key="reopen").disabled is False  # a confirmed document offers reopening


def test_the_table_grid_holds_numbers_shown_as_printed(misread, store: Store) -> None:
    """The grid's amounts are numbers (a header click sorts them by value, tests/e2e), shown as
    before: thousands separators, two decimals (more where the document prints more); the
    editor keeps the printed text."""
    doc_id, m = misread
    at = _review(open_app(), doc_id, m)
    [grid] = [d for d in at.dataframe if d.proto.id.split("-", 2)[-1].startswith("grid-")]
    numbers = tv.number_columns(store.load_result(doc_id)[0].tables[m.table])
    assert m.column in numbers
    columns = json.loads(grid.proto.columns)
    for key, decimals in numbers.items():
        assert pd.api.types.is_float_dtype(grid.value[key]), key
        assert columns[key]["type_config"] == {"type": "number", "format": f"%,.{decimals}f"}
    assert grid.value[m.column][m.row] == float(Decimal(m.misread.replace(",", "")))
    assert set(numbers.values()) == {2}  # the sample prints two decimals throughout


def test_only_columns_of_plain_printed_numbers_become_numbers() -> None:
    """A column with a dash, a percentage or accounting parentheses keeps its printed text
    (a number there would show 0.00, 12.30 or -4.00); a blank cell is no obstacle."""
    printed = {"plain": ["1,234.5", "", "7"], "three": ["0.125", "2"], "dash": ["5.00", "-"],
               "percent": ["12.3%", "1"], "paren": ["(4.00)", "1"]}
    rows = [Row(name=f"r{i}", values={k: Value(raw=raw, value=parse(raw).value)
                                      for k, cells in printed.items() if i < len(cells)
                                      for raw in [cells[i]]})
            for i in range(3)]
    table = Table(key="t", title="t", columns=[Column(key=k, title=k) for k in printed],
                  rows=rows)
    assert tv.number_columns(table) == {"plain": 2, "three": 3}
    frame = tv.table_frame(table, numeric=True)
    assert list(frame["plain"].astype(object).where(frame["plain"].notna(), None)) == [
        1234.5, None, 7.0]
    assert list(frame["dash"]) == ["5.00", "-", ""]


def test_anonymous_can_read_but_not_confirm_or_correct(misread, store: Store) -> None:
    doc_id, m = misread
    at = _review(open_app(), doc_id, m)
    assert at.dataframe  # the table is shown
    assert at.button(key="confirm_doc").disabled
    assert at.button(key="confirm_table").disabled
    assert at.toggle(key="edit_mode").disabled
    with pytest.raises(AppTestError, match="disabled"):
        at.button(key="confirm_doc").click()
    assert store.get(doc_id).status == DocStatus.needs_review
    assert [e.action for e in store.audit(doc_id)] == ["submit"]


def test_two_reviewers_editing_the_same_document_get_a_conflict(misread, store: Store) -> None:
    doc_id, m = misread
    alice = _review(open_app("alice"), doc_id, m)
    bob = _review(open_app("bob"), doc_id, m)
    _edit(alice, doc_id, m, m.printed)
    assert said("table.corrections_saved", n=1) in texts(alice, "success")

    bob = _edit(bob, doc_id, m, "555.55")
    errors = texts(bob, "error")
    assert said("state.conflict") in errors and "alice" in errors
    assert said("refused.changed_by") in errors and "NOT saved" not in errors
    doc, _ = store.load_result(doc_id)
    assert doc.tables[m.table].rows[m.row].values[m.column].raw == m.printed
    assert said("review.changed_by", who="alice").strip() in texts(bob.run(), "warning")  # and it stays visible until reload
    bob.button(key="reload").click().run()
    assert bob.session_state["review"].version == store.get(doc_id).version


def test_upload_goes_through_the_submit_path(env: Settings, store: Store, queue: Queue) -> None:
    at = open_app("alice")
    files = [
        (CLEAN_SAMPLE.name, CLEAN_SAMPLE.read_bytes(), "application/pdf"),
        ("notes.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("empty.pdf", b"", "application/pdf"),
    ]
    at.file_uploader(key="uploads").set_value(files)
    at.form_submit_button[-1].click().run()
    assert not at.exception, at.exception
    assert said("queue.queued", n=1, files=CLEAN_SAMPLE.name) in texts(at, "success")
    errors = texts(at, "error")
    unsupported = said("refused.unsupported_type", accepted=", ".join(KINDS))
    assert said("queue.rejected", file="notes.exe", reason=unsupported) in errors
    assert said("queue.rejected", file="empty.pdf", reason=said("refused.empty_file")) in errors
    [rec] = store.list()
    assert (rec.source_file, rec.status) == (CLEAN_SAMPLE.name, DocStatus.queued)
    assert [j.args for j in queue.jobs] == [(rec.doc_id,)]

    at.file_uploader(key="uploads").set_value([files[0]])
    at.form_submit_button[-1].click().run()
    assert said("queue.duplicate", file=CLEAN_SAMPLE.name, doc_id=rec.doc_id[:12]) in texts(
        at, "info")
    assert len(store.list()) == 1 and queue.count == 1


def test_anonymous_cannot_upload_or_requeue(env: Settings, store: Store) -> None:
    doc_id, _ = store.add_document(b"%PDF-1.4 broken", "broken.pdf", "pdf")
    store.mark_failed(doc_id, "corrupt PDF: cannot be opened")
    at = open_app()
    assert at.file_uploader(key="uploads").disabled
    assert at.button(key=f"requeue-{doc_id}").disabled
    assert "corrupt PDF: cannot be opened" in [c.value for c in at.code]
    at = open_app("alice")
    at.button(key=f"requeue-{doc_id}").click().run()
    assert store.get(doc_id).status == DocStatus.queued
    assert said("queue.requeued", n=1) in texts(at, "success")


def test_queue_filters(env: Settings, store: Store) -> None:
    store_sample(store)
    other, _ = store.add_document(b"%PDF-1.4 x", "x.pdf", "pdf")
    store.mark_failed(other, "corrupt")
    at = open_app()
    assert len(at.dataframe[0].value) == 2
    at.multiselect(key="f_status").set_value([DocStatus.failed]).run()
    assert list(at.dataframe[0].value["file"]) == ["x.pdf"]
    at.multiselect(key="f_status").set_value([]).run()
    at.multiselect(key="f_year").set_value([2024]).run()
    assert list(at.dataframe[0].value["file"]) == [CLEAN_SAMPLE.name]


def test_export_offers_the_contract_files(misread, store: Store) -> None:
    at = open_app("alice")  # with accounts configured, exports need a reviewer
    at.switch_page("views/export.py").run()
    at.radio(key="export_scope").set_value("all").run()
    at.button(key="export_go").click().run()
    assert not at.exception, at.exception
    keys = {b.key: b.label for b in at.download_button}
    assert {"dl-facts", "dl-documents", "dl-findings", "dl-zip"} <= set(keys), keys
    assert keys["dl-documents"] == said("export.file_documents", n=1)
    at.radio(key="export_scope").set_value("confirmed").run()
    at.button(key="export_go").click().run()
    assert said("export.none_confirmed") in texts(at, "info")


def test_overview_draws_the_charts(misread) -> None:
    at = open_app()
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader][:3] == [
        said("overview.totals"), said("overview.sangong"), said("overview.findings")]


def test_document_text_is_never_markup(env: Settings, store: Store) -> None:
    doc_id = store_sample(store)
    doc, findings = store.load_result(doc_id)
    doc.department = "<b>x</b> **bold** [a](http://evil.test) www.evil.test a@evil.test :red[x] $x$"
    store.save_result(doc, findings, DocStatus.needs_review)
    at = _review(open_app(), doc_id)
    heading = at.subheader[0].value
    assert not re.search(r"(?<!\\)[<>*\[\]()$:.@]", heading), heading  # each one escaped
    assert not re.search(r"(?<!\u2060)\\[:.@]", heading), heading  # and URLs/e-mails broken
    assert heading.replace("\\", "").replace(WORD_JOINER, "").startswith(doc.department)


def test_select_a_cell_and_type_the_printed_value(misread, store: Store) -> None:
    """The keyboard path: select the cell in the table, type, Enter (the form submits)."""
    doc_id, m = misread
    at = _review(open_app("alice"), doc_id, m)
    version = at.session_state["review"].version
    at.session_state[grid_key(at, f"grid-{doc_id[:12]}-{m.table}-")] = {
        "selection": {"rows": [], "columns": [], "cells": [(m.row, m.column)]}
    }
    at.run()
    field = at.text_input(key=f"fix-value-{version}-{m.table}-{m.row}-{m.column}")
    assert field.value == m.misread  # prefilled with what was read
    field.input(m.printed)
    at.form_submit_button[-1].click().run()
    assert said("table.correction_saved") in texts(at, "success")
    doc, findings = store.load_result(doc_id)
    assert doc.tables[m.table].rows[m.row].values[m.column].raw == m.printed
    assert len(findings) == len(m.findings_before)


def test_open_a_document_from_the_queue(misread) -> None:
    doc_id, _ = misread
    at = open_app()
    at.session_state["docs"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.button(key="open_doc").click().run()
    assert not at.exception, at.exception
    assert at.session_state["doc_id"] == doc_id
    assert at.session_state["review"].doc_id == doc_id  # the Review page rendered it


def test_a_document_without_pages_shows_its_text(env: Settings, store: Store) -> None:
    path = CLEAN_SAMPLE.with_suffix(".txt")
    doc_id, _ = store.add_document(path.read_bytes(), path.name, "txt")
    outcome = process(path.read_bytes(), "txt", doc_id, path.name)
    store.save_result(outcome.document, outcome.findings, outcome.status)
    at = _review(open_app("alice"), doc_id)
    assert not at.image  # nothing to render
    squeeze = "".join  # st.text dedents; compare the characters, not the indentation
    assert squeeze(outcome.document.page_texts[0].split()) == squeeze(at.text[0].value.split())
    assert at.dataframe  # its tables are still reviewable


def test_a_workbook_shows_each_sheet_as_its_page(env: Settings, store: Store) -> None:
    data = seed_workbook("001", "xlsx")
    doc_id, _ = store.add_document(data, "001.xlsx", "xlsx")
    outcome = process(data, "xlsx", doc_id, "001.xlsx")
    store.save_result(outcome.document, outcome.findings, outcome.status)
    at = _review(open_app("alice"), doc_id)
    assert not at.image and not at.exception, at.exception
    assert said("page.sheets") in texts(at, "caption")
    sheets = [m.value for m in at.markdown if m.value.startswith("**第 ")]
    assert len(sheets) == outcome.document.pages == len(at.text) > 5
    assert sheets[0] == f"**{md(said('page.sheet', page=1, name='1 部门预算收支总表'))}**"
    squeeze = "".join
    assert squeeze(at.text[2].value.split()) == squeeze(outcome.document.page_texts[2].split())
    assert at.dataframe


# -- OCR'd pages ------------------------------------------------------------------------------


@dataclass
class Scan:
    doc_id: str
    table: int
    low: list[tuple[int, str]]  # (row, column) of the low-confidence numbers, misread first
    printed: str  # what the misread cell really prints


@pytest.fixture
def scan(env: Settings, store: Store) -> Scan:
    """The clean sample as if its first coded table had been OCR'd: every number sure except
    three, and the least sure of those misread by one digit (a finding points at it)."""
    doc_id = store_sample(store)
    doc, _ = store.load_result(doc_id)
    ti, table = next((i, t) for i, t in enumerate(doc.tables) if any(r.level == 3 for r in t.rows))
    for row in table.rows:
        for v in row.values.values():
            v.confidence = 0.95
    leaves = [
        (ri, "total")
        for ri, r in enumerate(table.rows)
        if r.level == 3 and "total" in r.values and r.values["total"].value
    ]
    low = [leaves[0], *[(ri, k) for ri, r in enumerate(table.rows) for k in r.values][1:3]]
    for (ri, key), conf in zip(low, (0.55, 0.6, 0.7), strict=True):
        table.rows[ri].values[key].confidence = conf
    ri, key = low[0]
    cell = table.rows[ri].values[key]
    units = int(cell.raw.replace(",", "").split(".")[0][-1])
    wrong = f"{cell.value + (3 if units <= 6 else -3):.2f}"  # one digit, no carry
    table.rows[ri].values[key] = cell.model_copy(
        update={"raw": wrong, "value": Decimal(wrong), "wan": Decimal(wrong)}
    )
    # an OCR'd page's text is the OCR reading: the misread is what its text layer says
    page = (cell.page or table.pages[0]) - 1
    doc.page_texts[page] = doc.page_texts[page].replace(cell.raw, wrong, 1)
    store.save_result(doc, run_checks(doc), DocStatus.needs_review)
    return Scan(doc_id, ti, low, cell.raw)


def _pick_cell(at: AppTest, s: Scan, ri: int, key: str) -> AppTest:
    at.session_state[grid_key(at, f"grid-{s.doc_id[:12]}-{s.table}-")] = {
        "selection": {"rows": [], "columns": [], "cells": [(ri, key)]}
    }
    return at.run()


def _grid_css(at: AppTest) -> str:
    return at.dataframe[0].proto.arrow_data.styler.styles


def test_low_confidence_numbers_are_marked_until_confirmed(scan: Scan, store: Store) -> None:
    at = _review(open_app("alice"), scan.doc_id)
    pick(at, "table_sel", scan.table)
    captions = texts(at, "caption")
    assert said("table.unsure_count", n=3, threshold="0.8") in captions, captions
    assert tv.LOW_TEXT in _grid_css(at)

    ri, key = scan.low[1]
    at = _pick_cell(at, scan, ri, key)
    note = said("table.confidence", confidence="0.60")
    assert said("table.confidence_low", note=note, threshold="0.8") in texts(at, "caption")
    version = at.session_state["review"].version
    field = at.text_input(key=f"fix-value-{version}-{scan.table}-{ri}-{key}")
    assert note in (field.help or "")
    at.button(key=f"confirm-value-{version}-{scan.table}-{ri}-{key}").click().run()
    assert not at.exception, at.exception
    assert said("table.value_confirmed") in texts(at, "success")
    doc, _ = store.load_result(scan.doc_id)
    assert doc.tables[scan.table].rows[ri].values[key].status == ValueStatus.confirmed
    assert said("table.unsure_count", n=2, threshold="0.8") in texts(at, "caption")
    assert store.audit(scan.doc_id)[-1].action == "confirm_value"


def test_the_suspected_misread_stands_out_and_a_correction_clears_it(
    scan: Scan, store: Store
) -> None:
    at = _review(open_app("alice"), scan.doc_id)
    review = at.session_state["review"]
    pointed = [
        i for i, f in enumerate(sorted_findings(review)) if any(loc.suspect for loc in f.locations)
    ]
    assert pointed, [f.message for f in review.findings]
    at.session_state["finding_sel"] = pointed[0]
    at.session_state["table_sel"] = scan.table
    at.run()
    assert tv.BACKGROUND["suspect"] in _grid_css(at)
    f = sorted_findings(review)[pointed[0]]
    assert "疑似OCR误读" in f.message and "置信度0.55" in f.message
    assert said("panels.suspects") in texts(at, "caption")  # the finding's detail names it

    ri, key = scan.low[0]
    at = _pick_cell(at, scan, ri, key)
    version = at.session_state["review"].version
    at.text_input(key=f"fix-value-{version}-{scan.table}-{ri}-{key}").input(scan.printed)
    at.form_submit_button[-1].click().run()
    assert said("table.correction_saved") in texts(at, "success")
    doc, findings = store.load_result(scan.doc_id)
    fixed = doc.tables[scan.table].rows[ri].values[key]
    assert (fixed.raw, fixed.confidence) == (scan.printed, None)
    assert not any(loc.suspect for f in findings for loc in f.locations)
    assert said("table.unsure_count", n=2, threshold="0.8") in texts(at, "caption")


@pytest.mark.parametrize("role", ["low_confidence", "suspect"])
def test_the_page_draws_ocr_boxes_in_their_own_colour(role: str) -> None:
    box = (100.0, 100.0, 200.0, 130.0)
    png = render_page(CLEAN_SAMPLE, 1, (Box(box, role),), width_px=595)  # ≈ 1 px per point
    pix = pymupdf.Pixmap(png)
    stroke = tuple(round(255 * c) for c in COLORS[role][0])
    left_edge = [pix.pixel(98, y) for y in range(105, 125)]  # the frame is drawn 2 pt outside
    assert min(max(abs(a - b) for a, b in zip(p, stroke, strict=True)) for p in left_edge) < 40
    for other, (line, _) in COLORS.items():  # its frame told apart from every other role's
        if other != role:
            assert max(abs(a - b) for a, b in zip(COLORS[role][0], line, strict=True)) > 0.3
    shown = said(f"legend.{role}")
    assert shown in legend([Box(box, role)]) and shown not in legend([])
