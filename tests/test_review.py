"""The review service against a real SQLite store, the real checks and a real Redis queue, on a
document the real extraction made from a bundled sample."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rq import Queue

from schemas import Column, DocStatus, Document, Row, Table, Unit, Value, ValueStatus
from tests.e2e.support import Misread, misread_one_value, store_sample
from worker.review import (
    Edit,
    InvalidEdit,
    NotAllowed,
    VersionConflict,
    confirm_document,
    confirm_table,
    correct,
    next_needing_review,
    open_review,
    reopen,
    requeue,
    table_confirmed,
)
from worker.settings import Settings
from worker.store import Store


@pytest.fixture
def misread(store: Store) -> tuple[str, Misread]:
    doc_id = store_sample(store)
    return doc_id, misread_one_value(store, doc_id)


def _fix(m: Misread) -> Edit:
    return Edit(table=m.table, row=m.row, column=m.column, new=m.printed)


def test_correction_is_stored_audited_and_clears_the_finding(store: Store, misread) -> None:
    doc_id, m = misread
    review = open_review(store, doc_id)
    assert review is not None and len(review.findings) > len(m.findings_before)
    after = correct(store, review, [_fix(m)], "alice")

    assert after.version == review.version + 1
    doc, findings = store.load_result(doc_id)
    value = doc.tables[m.table].rows[m.row].values[m.column]
    assert (value.raw, value.value, value.status) == (
        m.printed,
        Decimal(m.printed),
        ValueStatus.corrected,
    )
    assert [f.rule_id for f in findings] == [f.rule_id for f in m.findings_before]
    assert store.get(doc_id).n_findings == len(m.findings_before)
    entry = store.audit(doc_id)[-1]
    assert (entry.user, entry.action, entry.old, entry.new) == (
        "alice",
        "correct",
        m.misread,
        m.printed,
    )
    assert entry.target.endswith(f"/{m.column}") and entry.detail["row"] == m.row


def test_a_value_that_is_not_a_number_is_refused_and_nothing_written(store: Store, misread) -> None:
    doc_id, m = misread
    review = open_review(store, doc_id)
    with pytest.raises(InvalidEdit, match="not a number"):
        correct(store, review, [Edit(m.table, m.row, m.column, "12o.5")], "alice")
    with pytest.raises(InvalidEdit, match="no row"):
        correct(store, review, [Edit(m.table, 10_000, m.column, "1")], "alice")
    assert store.get(doc_id).version == review.version
    assert [e.action for e in store.audit(doc_id)] == ["submit"]


def test_an_edit_equal_to_the_cell_writes_nothing(store: Store, misread) -> None:
    doc_id, m = misread
    review = open_review(store, doc_id)
    same = correct(store, review, [Edit(m.table, m.row, m.column, f" {m.misread} ")], "alice")
    assert same is review and store.get(doc_id).version == review.version


def test_anonymous_can_read_but_not_write(store: Store, misread) -> None:
    doc_id, m = misread
    review = open_review(store, doc_id)
    for action in (
        lambda u: correct(store, review, [_fix(m)], u),
        lambda u: confirm_table(store, review, m.table, u),
        lambda u: confirm_document(store, review, u),
    ):
        for user in ("", "anonymous"):
            with pytest.raises(NotAllowed):
                action(user)
    assert store.get(doc_id).version == review.version


def test_the_second_of_two_concurrent_edits_is_refused_with_who_changed_it(
    store: Store, misread
) -> None:
    doc_id, m = misread
    alice, bob = open_review(store, doc_id), open_review(store, doc_id)
    correct(store, alice, [_fix(m)], "alice")
    with pytest.raises(VersionConflict, match="changed by alice") as err:
        correct(store, bob, [Edit(m.table, m.row, m.column, "999.99")], "bob")
    assert "NOT saved" in str(err.value)
    doc, _ = store.load_result(doc_id)
    assert doc.tables[m.table].rows[m.row].values[m.column].raw == m.printed
    assert [e.user for e in store.audit(doc_id) if e.action == "correct"] == ["alice"]
    with pytest.raises(VersionConflict):  # confirming a stale view is refused too
        confirm_document(store, bob, "bob")


def test_confirm_table_then_document(store: Store, misread) -> None:
    doc_id, m = misread
    review = correct(store, open_review(store, doc_id), [_fix(m)], "alice")
    review = confirm_table(store, review, m.table, "alice")
    table = review.document.tables[m.table]
    assert table_confirmed(table)
    statuses = {v.status for r in table.rows for v in r.values.values()}
    # the correction stays visible as such
    assert statuses == {ValueStatus.confirmed, ValueStatus.corrected}
    review = confirm_document(store, review, "bob")
    assert store.get(doc_id).status == DocStatus.confirmed
    assert all(table_confirmed(t) for t in store.load_result(doc_id)[0].tables if t.rows)
    actions = [(e.user, e.action) for e in store.audit(doc_id)][-3:]
    assert actions == [("alice", "correct"), ("alice", "confirm_table"), ("bob", "confirm")]
    with pytest.raises(InvalidEdit, match="already confirmed"):
        confirm_document(store, review, "bob")
    assert store.get(doc_id).status == DocStatus.confirmed


def test_correcting_a_confirmed_document_reopens_it(store: Store, misread) -> None:
    doc_id, m = misread
    review = confirm_document(store, open_review(store, doc_id), "alice")
    review = correct(store, review, [_fix(m)], "bob")
    assert review.record.status == DocStatus.needs_review
    assert [e.action for e in store.audit(doc_id)][-2:] == ["correct", "reopen"]
    review = confirm_document(store, review, "bob")
    assert reopen(store, review, "carol").record.status == DocStatus.needs_review


def _tiny(doc_id: str, unit: Unit) -> Document:
    cells = {
        "total": Value(raw="1,000.00", value=Decimal("1000.00"), page=1),
        "rate": Value(raw="95.00%", value=Decimal("95.00"), page=1),
    }
    cells["total"].wan = Decimal("1000.00") if unit == Unit.wan else Decimal("0.1")
    table = Table(
        key="expenditure",
        title="支出表",
        pages=[1],
        unit=unit,
        columns=[Column(key="total", title="合计"), Column(key="rate", title="完成率")],
        rows=[Row(code="201", name="一般公共服务支出", level=1, values=cells)],
    )
    return Document(doc_id=doc_id, source_file="t.pdf", pages=1, tables=[table])


@pytest.mark.parametrize(
    ("unit", "typed", "value", "wan"),
    [
        (Unit.wan, "1,234.50", Decimal("1234.50"), Decimal("1234.50")),
        (Unit.yuan, "12,345", Decimal("12345"), Decimal("1.2345")),
        (Unit.wan, "-", Decimal(0), Decimal(0)),
        (Unit.wan, "(5.00)", Decimal("-5.00"), Decimal("-5.00")),
        (Unit.wan, "", None, None),
    ],
)
def test_corrected_values_are_parsed_like_printed_cells(
    store: Store, unit, typed, value, wan
) -> None:
    doc_id, _ = store.add_document(f"{unit}{typed}".encode(), "t.pdf", "pdf")
    store.save_result(_tiny(doc_id, unit), [], DocStatus.extracted)
    review = correct(
        store,
        open_review(store, doc_id),
        [Edit(0, 0, "total", typed)],
        "alice",
        checks=lambda doc: [],
    )
    cell = review.document.tables[0].rows[0].values["total"]
    assert (cell.value, cell.wan, cell.status) == (value, wan, ValueStatus.corrected)
    rate = correct(store, review, [Edit(0, 0, "rate", "96.5%")], "alice", checks=lambda d: [])
    assert rate.document.tables[0].rows[0].values["rate"].wan is None  # a rate is not money


def test_next_needing_review_walks_findings_first_and_wraps(store: Store) -> None:
    ids = []
    for i, status in enumerate(
        [DocStatus.extracted, DocStatus.needs_review, DocStatus.confirmed, DocStatus.needs_review]
    ):
        doc_id, _ = store.add_document(f"doc {i}".encode(), f"{i}.pdf", "pdf")
        store.save_result(_tiny(doc_id, Unit.wan), [], status)
        ids.append(doc_id)
    order = [ids[1], ids[3], ids[0]]  # needs_review in upload order, then the clean one
    assert next_needing_review(store) == order[0]
    assert next_needing_review(store, after=order[0]) == order[1]
    assert next_needing_review(store, after=order[2]) == order[0]
    assert next_needing_review(store, after=ids[2]) == order[0]  # from a confirmed one


def test_requeue_puts_a_failed_document_back_on_the_queue(
    store: Store, queue: Queue, settings: Settings
) -> None:
    doc_id, _ = store.add_document(b"%PDF-1.4 broken", "broken.pdf", "pdf")
    store.mark_failed(doc_id, "corrupt PDF")
    with pytest.raises(NotAllowed):
        requeue(store, queue, settings, doc_id, "")
    requeue(store, queue, settings, doc_id, "alice")
    assert store.get(doc_id).status == DocStatus.queued
    assert [j.args for j in queue.jobs] == [(doc_id,)]
    assert store.audit(doc_id)[-1].user == "alice"
