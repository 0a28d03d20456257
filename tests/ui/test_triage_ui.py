"""Triage on the Review page with Streamlit's AppTest, through its widgets: dismiss a finding
with a reason → it shows as dismissed (and the open count drops) → the export says so → reopen;
confirming over open errors needs a note. Real SQLite store, real Redis, real extraction."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from schemas import DocStatus
from tests.support.apptest import open_app, texts
from tests.support.documents import store_sample
from tests.support.samples import SAMPLES
from ui.review.state import sorted_findings
from worker.services.export import export
from worker.settings import Settings
from worker.store import Store

SAMPLE = SAMPLES / "000_954316b1df943981.pdf"  # three error findings (two tables' columns, 三公)


@pytest.fixture
def doc_id(env: Settings, store: Store) -> str:
    return store_sample(store, SAMPLE)


def _review_page(doc_id: str) -> AppTest:
    at = open_app("alice")
    at.query_params["doc"] = doc_id[:16]
    at.switch_page("views/review.py").run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest, kind: str) -> str:
    return texts(at, kind)


def _pick(at: AppTest, rule_id: str) -> None:
    """Select the finding as the grid's on_select would (AppTest cannot click a grid row)."""
    review = at.session_state["review"]
    i = next(i for i, f in enumerate(sorted_findings(review)) if f.rule_id == rule_id)
    at.session_state["finding_sel"] = i
    at.run()


def test_dismiss_shows_dismissed_exports_and_reopens(doc_id: str, store: Store,
                                                     tmp_path: Path) -> None:
    at = _review_page(doc_id)
    assert "3 待处理 / 3" in _text(at, "markdown")
    _pick(at, "sangong.parts")
    shown = _text(at, "markdown")
    finding = next(f for f in at.session_state["review"].findings if f.rule_id == "sangong.parts")
    assert " ".join(finding.message.split()) in shown  # the message in full
    assert "expenditure/**" not in shown and "at:" not in _text(at, "text")
    at.radio(key="dismiss_reason").set_value("document_says_so")
    at.text_input(key="dismiss_note").input("印刷如此")
    at.button(key="dismiss").click().run()
    assert not at.exception, at.exception
    assert "已驳回 1 条" in _text(at, "success")
    assert "2 待处理 / 3" in _text(at, "markdown")

    at.segmented_control(key="f_status").set_value("dismissed").run()
    _pick(at, "sangong.parts")
    assert "已驳回（文件确实如此）：印刷如此 — alice" in _text(at, "info")

    export(store, "csv", tmp_path)
    with (tmp_path / "findings.csv").open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["rule_id"] == "sangong.parts"]
    assert rows and {(r["status"], r["reason"], r["note"], r["reviewer"]) for r in rows} == {
        ("dismissed", "document_says_so", "印刷如此", "alice")}

    at.button(key="reopen_finding").click().run()
    assert not at.exception, at.exception
    assert store.dismissals(doc_id) == {}
    assert [e.action for e in store.audit(doc_id)][-2:] == ["dismiss", "reopen_finding"]


def test_confirming_over_open_errors_takes_a_note(doc_id: str, store: Store) -> None:
    at = _review_page(doc_id)
    assert at.button(key="confirm_doc").disabled  # 3 open errors, no note yet
    at.text_input(key="confirm_note").input("三公表原文如此").run()
    at.button(key="confirm_doc").click().run()
    assert not at.exception, at.exception
    assert store.get(doc_id).status == DocStatus.confirmed
    entry = store.audit(doc_id)[-1]
    assert (entry.action, entry.detail["note"]) == ("confirm", "三公表原文如此")


def test_filters_narrow_the_grid(doc_id: str) -> None:
    at = _review_page(doc_id)
    at.multiselect(key="f_kind").set_value(["extraction"]).run()
    assert len(_grid(at)) == 3
    at.multiselect(key="f_table").set_value(["sangong"]).run()
    assert not at.exception, at.exception
    assert len(_grid(at)) == 1 and "三公" in _grid(at)["说明"][0]
    at.multiselect(key="f_kind").set_value(["document"]).run()
    assert "无符合筛选的问题" in _text(at, "caption")


def _grid(at: AppTest):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if "原因" in d.value.columns)
