"""The edit panels of the Review page with AppTest, through their widgets: the metadata, a row
deleted, a target value corrected and another confirmed, a narrative figure corrected. Real
SQLite store, real Redis, the real extraction of the bundled samples."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from schemas import ValueStatus
from tests.support.apptest import open_app, pick, said, texts
from tests.support.documents import store_sample
from tests.support.samples import SAMPLES
from worker.settings import Settings
from worker.store import Store

TARGETS = SAMPLES / "004_7bbd092f919e0a0c.pdf"


def _review_page(doc_id: str) -> AppTest:
    at = open_app("alice")
    at.query_params["doc"] = doc_id[:16]
    at.switch_page("views/review.py").run()
    assert not at.exception, at.exception
    return at


def _select(at: AppTest, key: str, row: int) -> AppTest:
    """A dataframe row picked, as a click in the grid would (AppTest cannot click one)."""
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def test_metadata_and_a_row_deleted(env: Settings, store: Store) -> None:
    doc_id = store_sample(store)
    at = _review_page(doc_id)
    v = at.session_state["review"].version
    at.text_input(key=f"md-dept-{v}").input("北京市政务服务和数据管理局")
    at.button(key="md-save").click().run()
    assert not at.exception, at.exception
    assert store.get(doc_id).department == "北京市政务服务和数据管理局"
    assert "北京市政务服务和数据管理局" in texts(at, "subheader")

    doc = at.session_state["review"].document
    ti = next(i for i, t in enumerate(doc.tables) if t.key == "expenditure")
    ri = next(i for i, r in enumerate(doc.tables[ti].rows) if r.code == "2013704")
    pick(at, "table_sel", ti)
    pick(at, f"row_sel-{ti}", ri)
    at.segmented_control(key="row_op").set_value("delete").run()
    at.button(key="row-delete").click().run()
    assert not at.exception, at.exception
    stored, findings = store.load_result(doc_id)
    assert all(r.code != "2013704" for r in stored.tables[ti].rows)
    assert any(f.rule_id == "hierarchy.sum" for f in findings)  # re-checked
    assert [e.action for e in store.audit(doc_id)][-2:] == ["edit_metadata", "delete_row"]


def test_targets_are_corrected_and_confirmed(env: Settings, store: Store) -> None:
    doc_id = store_sample(store, TARGETS)
    at = _review_page(doc_id)
    review = at.session_state["review"]
    key = f"perf-{doc_id[:12]}-{review.version}"
    grid = next(d.value for d in at.dataframe if "item" in d.value.columns)  # keys, not headers
    i = next(i for i, p in enumerate(grid["item"]) if p.endswith("累计支出进度百分数"))
    at = _select(at, key, i)
    field = next(t for t in at.text_input if t.key.startswith(f"pv-{review.version}-"))
    field.input("55")
    at.button(key="pv-correct").click().run()
    assert not at.exception, at.exception
    assert said("edits.corrected") in texts(at, "success")
    stored, _ = store.load_result(doc_id)
    corrected = [(s.section_id, p) for s in stored.sections for p, w in s.where.items()
                 if w.status == ValueStatus.corrected]
    assert len(corrected) == 1 and corrected[0][1].endswith(".percent")

    review = at.session_state["review"]
    at = _select(at, f"perf-{doc_id[:12]}-{review.version}", i + 2)
    at.button(key="pv-confirm").click().run()
    stored, _ = store.load_result(doc_id)
    assert sum(w.status == ValueStatus.confirmed for s in stored.sections
               for w in s.where.values()) == 1
    assert [e.action for e in store.audit(doc_id)][-2:] == ["section_value", "section_value"]


def test_a_narrative_figure_is_corrected(env: Settings, store: Store) -> None:
    doc_id = store_sample(store)
    at = _review_page(doc_id)
    review = at.session_state["review"]
    i = next(i for i, n in enumerate(review.document.narrative) if n.amount)
    at = _select(at, f"narr-{doc_id[:12]}-{review.version}", i)
    printed = review.document.narrative[i].amount.raw
    at.text_input(key=f"nf-{review.version}-{i}-amount").input("1.00")
    at.button(key="nf-save").click().run()
    assert not at.exception, at.exception
    stored, findings = store.load_result(doc_id)
    assert stored.narrative[i].amount.raw == "1.00" and findings  # re-checked: it disagrees
    entry = store.audit(doc_id)[-1]
    assert (entry.action, entry.old, entry.new) == ("edit_narrative", printed, "1.00")
