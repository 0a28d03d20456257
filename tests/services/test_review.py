"""The review service against a real SQLite store, the real checks and a real Redis queue, on a
document the real extraction made from a bundled sample."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from rq import Queue

from schemas import (
    Column,
    DocStatus,
    Document,
    Finding,
    Location,
    Row,
    Table,
    Unit,
    Value,
    ValueStatus,
)
from schemas.performance import (
    GradeCounts,
    SectionKind,
    SectionResult,
    SectionStatus,
    SelfEvaluation,
)
from schemas.records import DismissReason
from tests.support.documents import Misread, last_audit, misread_one_value, store_sample
from tests.support.ocr_cases import amounts, names, scanned
from tests.support.ocr_cases import misread as misread_digit
from tools.synth import generate
from worker.pipeline.checks import run_checks
from worker.services.review import (
    Edit,
    InvalidEdit,
    NotAllowed,
    VersionConflict,
    confirm_document,
    confirm_table,
    confirm_value,
    correct,
    dismiss,
    needing_review,
    next_needing_review,
    open_review,
    reopen,
    requeue,
    table_confirmed,
    unsure,
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
    assert last_audit(store, doc_id) == ("alice", "correct", m.misread, m.printed)
    entry = store.audit(doc_id)[-1]
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


def test_a_rate_column_gets_no_wan_figure_even_from_a_blank_cell(store: Store) -> None:
    """The one "is money" rule (the column vocabulary) decides, as for printed cells: a blank
    rate cell corrected to a plain number used to become a 万元 amount."""
    doc_id, _ = store.add_document(b"rate from blank", "t.pdf", "pdf")
    store.save_result(_tiny(doc_id, Unit.wan), [], DocStatus.extracted)
    review = open_review(store, doc_id)
    for typed in ("", "96.5"):
        review = correct(store, review, [Edit(0, 0, "rate", typed)], "alice", checks=lambda d: [])
    rate = review.document.tables[0].rows[0].values["rate"]
    assert (rate.value, rate.wan) == (Decimal("96.5"), None)


def test_next_needing_review_goes_by_open_findings_most_first(store: Store) -> None:
    """Most open findings first (upload order among equals); a dismissed finding no longer
    counts; documents with none open, clean or confirmed ones are not visited; it wraps."""
    def finding(n: int) -> Finding:
        return Finding(rule_id=f"r{n}", message=f"m{n}", locations=[Location(table_key="t")])

    plan = [  # status, findings, of which dismissed
        (DocStatus.extracted, 0, 0),
        (DocStatus.needs_review, 1, 0),
        (DocStatus.confirmed, 5, 0),
        (DocStatus.needs_review, 3, 0),
        (DocStatus.needs_review, 4, 2),  # 2 open
        (DocStatus.needs_review, 2, 2),  # 0 open: nothing to do there
        (DocStatus.needs_review, 3, 0),
    ]
    ids = []
    for i, (status, n, dismissed) in enumerate(plan):
        doc_id, _ = store.add_document(f"doc {i}".encode(), f"{i}.pdf", "pdf")
        findings = [finding(k) for k in range(n)]
        store.save_result(_tiny(doc_id, Unit.wan), findings, status)
        if dismissed:
            dismiss(store, open_review(store, doc_id), findings[:dismissed],
                    DismissReason.document_says_so, "alice")
        ids.append(doc_id)
    order = [ids[3], ids[6], ids[4], ids[1]]
    assert [r.doc_id for r in needing_review(store)] == order
    assert next_needing_review(store) == order[0]
    assert next_needing_review(store, after=order[0]) == order[1]
    assert next_needing_review(store, after=order[3]) == order[0]  # wraps
    assert next_needing_review(store, after=ids[2]) == order[0]  # from a confirmed one
    assert next_needing_review(store, after=ids[5]) == order[0]  # from one with none open


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


# -- OCR'd documents ---------------------------------------------------------------------------

LOW = "extraction.ocr_low_confidence"


def _scan_with_misread(store: Store, seed: int) -> tuple[str, tuple[int, int, str], str, str]:
    """A scanned document whose expenditure table has one digit misread, at low confidence."""
    doc_id, _ = store.add_document(f"scan {seed}".encode(), "scan.pdf", "pdf")
    doc = scanned(generate(seed), random.Random(seed))
    doc.doc_id = doc_id
    cell = next(c for c in amounts(doc) if doc.tables[c[0]].key == "expenditure")
    m = misread_digit(doc, cell, 1)
    assert m is not None
    doc.tables[cell[0]].rows[cell[1]].values[cell[2]].confidence = 0.55
    store.save_result(doc, run_checks(doc), DocStatus.needs_review)
    return doc_id, cell, m.printed, m.read


def _value(review, cell: tuple[int, int, str]) -> Value:
    return review.document.tables[cell[0]].rows[cell[1]].values[cell[2]]


def _blamed(review, cell: tuple[int, int, str]) -> bool:
    doc = review.document
    return any(
        loc.suspect and names(doc, cell, loc) for f in review.findings for loc in f.locations
    )


def test_confirming_an_unsure_ocr_value_clears_its_marks(store: Store) -> None:
    doc_id, cell, _, read = _scan_with_misread(store, 4)
    review = open_review(store, doc_id)
    assert unsure(_value(review, cell)) and _blamed(review, cell)
    assert LOW in {f.rule_id for f in review.findings}
    with pytest.raises(NotAllowed):
        confirm_value(store, review, Edit(*cell, new=""), "anonymous")

    after = confirm_value(store, review, Edit(*cell, new=""), "alice")
    value = _value(after, cell)
    assert (value.raw, value.status, value.confidence) == (read, ValueStatus.confirmed, 0.55)
    assert not unsure(value) and not _blamed(after, cell)
    assert LOW not in {f.rule_id for f in after.findings}
    assert after.findings  # the identity still fails: now it is the document's word
    entry = store.audit(doc_id)[-1]
    assert (entry.user, entry.action, entry.new) == ("alice", "confirm_value", read)
    assert entry.detail["confidence"] == 0.55
    again = confirm_value(store, after, Edit(*cell, new=""), "alice")
    assert again is after  # nothing left to confirm: no write


def test_correcting_a_suspected_misread_clears_every_finding(store: Store) -> None:
    doc_id, cell, printed, _ = _scan_with_misread(store, 9)
    review = open_review(store, doc_id)
    after = correct(store, review, [Edit(*cell, new=printed)], "bob")
    value = _value(after, cell)
    assert (value.raw, value.status, value.confidence) == (printed, ValueStatus.corrected, None)
    assert after.findings == [] and store.get(doc_id).n_findings == 0


def test_confirming_a_table_rechecks_its_ocr_numbers(store: Store) -> None:
    doc_id, cell, _, _ = _scan_with_misread(store, 13)
    review = open_review(store, doc_id)
    other = next(i for i, t in enumerate(review.document.tables) if i != cell[0] and t.rows)
    doc = review.document
    next(iter(doc.tables[other].rows[0].values.values())).confidence = 0.4
    store.save_result(doc, run_checks(doc), DocStatus.needs_review)
    review = open_review(store, doc_id)
    listed = {f.locations[0].table_key for f in review.findings if f.rule_id == LOW}
    assert listed == {doc.tables[cell[0]].key, doc.tables[other].key}

    after = confirm_table(store, review, cell[0], "alice")
    listed = {f.locations[0].table_key for f in after.findings if f.rule_id == LOW}
    assert listed == {doc.tables[other].key}
    assert not _blamed(after, cell)


def test_corrections_keep_the_llm_sections_findings(store: Store) -> None:
    """Re-checking after an edit uses the sections the document carries, like the worker."""
    doc_id, _ = store.add_document(b"sections", "t.pdf", "pdf")
    doc = _tiny(doc_id, Unit.wan)
    del doc.tables[0].rows[0].values["rate"]  # a rate without a 万元 figure is flagged on its own
    counts = GradeCounts(evaluated=14, excellent=9, good=2, fair=0, poor=1)  # 12, not 14
    doc.sections = [
        SectionResult(
            section_id="s",
            kind=SectionKind.self_evaluation,
            status=SectionStatus.ok,
            data=SelfEvaluation(grade_counts=[counts]).model_dump(mode="json"),
        )
    ]
    found = run_checks(doc, sections=doc.sections)
    assert [f.rule_id for f in found] == ["performance.grades"]
    store.save_result(doc, found, DocStatus.needs_review)
    after = correct(store, open_review(store, doc_id), [Edit(0, 0, "total", "999.00")], "alice")
    assert [f.rule_id for f in after.findings] == ["performance.grades"]
