"""Structural edits and the review of targets: each changes the stored result, is audited old →
new with a replayable model, and re-runs the real checks. Real store (SQLite and PostgreSQL) and
the real extraction of the bundled samples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas import DocStatus, DocType, ValueStatus
from tests.support.documents import store_sample
from tests.support.samples import SAMPLES
from worker.services.edits import (
    RowSpec,
    add_row,
    confirm_section_value,
    correct_section_value,
    delete_row,
    edit_metadata,
    edit_narrative,
    edit_row,
    merge_rows,
    split_row,
)
from worker.services.review import InvalidEdit, NotAllowed, Review, confirm_document, open_review
from worker.settings import Settings
from worker.store import Store

TARGETS = SAMPLES / "004_7bbd092f919e0a0c.pdf"  # a budget that is mostly 项目绩效目标表


@pytest.fixture(params=["sqlite", "postgres"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if request.param == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


@pytest.fixture
def clean(store: Store) -> Review:
    review = open_review(store, store_sample(store))
    assert review is not None and review.findings == []
    return review


def _where(review: Review, key: str, code: str) -> tuple[int, int]:
    ti = next(i for i, t in enumerate(review.document.tables) if t.key == key)
    ri = next(i for i, r in enumerate(review.document.tables[ti].rows) if r.code == code)
    return ti, ri


def _last(store: Store, review: Review) -> tuple[str, str, str | None, str | None]:
    e = store.audit(review.doc_id)[-1]
    return e.user, e.action, e.old, e.new


def test_delete_a_row_then_add_it_back(store: Store, clean: Review) -> None:
    ti, ri = _where(clean, "expenditure", "2013704")
    gone = clean.document.tables[ti].rows[ri]
    review = delete_row(store, clean, ti, ri, "alice")
    assert all(r.code != "2013704" for r in review.document.tables[ti].rows)
    assert {f.rule_id for f in review.findings} >= {"hierarchy.sum"}  # re-checked: 20133 ≠ Σ
    user, action, old, new = _last(store, review)
    assert (user, action, new) == ("alice", "delete_row", None) and "2013704 信息安全事务" in old
    assert store.audit(review.doc_id)[-1].detail["edit"]["ref"]["label"] == "2013704"

    typed = {k: v.raw for k, v in gone.values.items()}
    review = add_row(store, review, ti, ri - 1, RowSpec("2013704", "信息安全事务", typed), "alice")
    row = review.document.tables[ti].rows[ri]
    assert (row.code, row.name, row.level) == ("2013704", "信息安全事务", 3)
    assert {v.status for v in row.values.values()} == {ValueStatus.corrected}
    assert review.findings == []  # the sums hold again
    assert store.load_result(review.doc_id)[0].tables[ti].rows[ri].code == "2013704"


def test_edit_a_rows_code_and_name(store: Store, clean: Review) -> None:
    ti, ri = _where(clean, "expenditure", "2013301")
    with pytest.raises(InvalidEdit, match="not a code"):
        edit_row(store, clean, ti, ri, "20133O1", "行政运行", "alice")
    with pytest.raises(NotAllowed):
        edit_row(store, clean, ti, ri, "2013301", "x", "anonymous")
    review = edit_row(store, clean, ti, ri, "2013350", "事业运行", "alice")
    row = review.document.tables[ti].rows[ri]
    assert (row.code, row.name, row.level) == ("2013350", "事业运行", 3)
    assert _last(store, review) == ("alice", "edit_row", "2013301 行政运行", "2013350 事业运行")
    assert review.findings == []  # still under 20133: every sum holds


def test_split_a_row_then_merge_it_back(store: Store, clean: Review) -> None:
    ti, ri = _where(clean, "expenditure", "2013301")
    before = clean.document.tables[ti].rows[ri]
    with pytest.raises(InvalidEdit, match="both rows print a value"):
        merge_rows(store, clean, ti, ri + 1, "alice")  # 20137 and 2013701: two totals
    review = split_row(store, clean, ti, ri, RowSpec("2013301", "行政运行"),
                       RowSpec(None, "（其中：机关服务）"), "alice")
    one, two = review.document.tables[ti].rows[ri : ri + 2]
    assert (one.code, one.values["total"].raw) == ("2013301", before.values["total"].raw)
    assert (two.code, two.name, two.values) == (None, "（其中：机关服务）", {})
    assert _last(store, review)[1] == "split_row"
    review = merge_rows(store, review, ti, ri, "alice")
    merged = review.document.tables[ti].rows[ri]
    assert (merged.code, merged.name, merged.level) == ("2013301", "行政运行（其中：机关服务）", 3)
    assert merged.values == before.values and review.findings == []
    assert _last(store, review)[1] == "merge_rows"


def test_edit_the_metadata(store: Store, clean: Review) -> None:
    with pytest.raises(InvalidEdit, match="not a fiscal year"):
        edit_metadata(store, clean, "alice", fiscal_year=20245)
    review = edit_metadata(store, clean, "alice", department="北京市政务服务和数据管理局",
                           fiscal_year=2025, doc_type=DocType.final_account)
    record = store.get(clean.doc_id)
    assert (record.department, record.fiscal_year, record.doc_type) == (
        "北京市政务服务和数据管理局", 2025, "final_account")  # listings show the fix
    user, action, old, new = _last(store, review)
    assert (user, action) == ("alice", "edit_metadata")
    assert "department=北京市政务服务和数据管理局" in new and "fiscal_year=2025" in new
    assert old.startswith("department=") and "fiscal_year=" in old
    assert edit_metadata(store, review, "alice", fiscal_year=2025) is review  # nothing new


def test_edit_a_narrative_figure_is_rechecked(store: Store, clean: Review) -> None:
    i = next(i for i, n in enumerate(clean.document.narrative)
             if n.subject_text == "预算收入" and n.amount)
    printed = clean.document.narrative[i].amount.raw
    wrong = f"{Decimal(printed) + 1:.2f}"
    review = edit_narrative(store, clean, i, "amount", wrong, "alice")
    fact = review.document.narrative[i]
    assert (fact.amount.raw, fact.amount.wan) == (wrong, Decimal(wrong))
    assert review.findings  # the narrative no longer agrees with the tables
    assert _last(store, review) == ("alice", "edit_narrative", printed, wrong)
    review = edit_narrative(store, review, i, "amount", printed, "alice")
    assert review.findings == []
    with pytest.raises(InvalidEdit, match="not a number"):
        edit_narrative(store, review, i, "share_pct", "七十", "alice")


def test_an_edit_reopens_a_confirmed_document(store: Store, clean: Review) -> None:
    review = confirm_document(store, clean, "alice")
    ti, ri = _where(review, "expenditure", "2013301")
    review = edit_row(store, review, ti, ri, "2013301", "行政运行 ", "bob")
    assert review is not None and store.get(clean.doc_id).status == DocStatus.confirmed
    review = edit_row(store, review, ti, ri, "2013301", "行政运行（一）", "bob")
    assert store.get(clean.doc_id).status == DocStatus.needs_review
    assert [e.action for e in store.audit(clean.doc_id)][-2:] == ["edit_row", "reopen"]


def test_targets_are_corrected_and_confirmed_like_cells(store: Store) -> None:
    review = open_review(store, store_sample(store, TARGETS))
    section = next(s for s in review.document.sections if s.where)
    paths = [p for p in section.where if p.endswith(".percent")]
    assert len(paths) >= 2
    first, second = paths[:2]
    old = _get(section.data, first)
    with pytest.raises(InvalidEdit, match="does not fit"):
        correct_section_value(store, review, section.section_id, first, "三成", "alice")
    review = correct_section_value(store, review, section.section_id, first, "55", "alice")
    now = next(s for s in review.document.sections if s.section_id == section.section_id)
    assert _get(now.data, first) == "55" and now.where[first].status == ValueStatus.corrected
    assert _last(store, review) == ("alice", "section_value", str(old), "55")
    review = confirm_section_value(store, review, section.section_id, second, "bob")
    now = next(s for s in review.document.sections if s.section_id == section.section_id)
    assert now.where[second].status == ValueStatus.confirmed
    assert _last(store, review)[:2] == ("bob", "section_value")
    stored, _ = store.load_result(review.doc_id)
    kept = next(s for s in stored.sections if s.section_id == section.section_id)
    assert (kept.where[first].status, kept.where[second].status) == (
        ValueStatus.corrected, ValueStatus.confirmed)


def _get(data: dict, path: str):  # type: ignore[no-untyped-def]
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data
