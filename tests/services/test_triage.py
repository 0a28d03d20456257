"""Findings a reviewer triages: dismissed with a reason, audited, shown, reopened; a dismissal
outlives re-checks (by the finding's identity, not a position) and confirming a document with
open errors needs a note. On the real store, SQLite and PostgreSQL, with the real checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from schemas import DocStatus, Finding, Severity
from schemas.findings import evidence, finding_key
from tests.support.documents import misread_one_value, store_sample
from tests.support.exports import read_export
from tests.support.samples import SAMPLES
from worker.services.export import FINDING_COLUMNS, export
from worker.services.review import (
    DismissReason,
    Edit,
    InvalidEdit,
    NotAllowed,
    Review,
    VersionConflict,
    confirm_document,
    correct,
    dismiss,
    open_review,
    reopen_finding,
)
from worker.settings import Settings
from worker.store import Store

THREE_ERRORS = SAMPLES / "000_954316b1df943981.pdf"  # two tables' columns, the 三公 sum


@pytest.fixture(params=["sqlite", "postgres"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """conftest's settings (real Redis, fresh data dir), on both databases."""
    if request.param == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


@pytest.fixture
def review(store: Store) -> Review:
    doc_id = store_sample(store, THREE_ERRORS)
    opened = open_review(store, doc_id)
    assert opened is not None
    return opened


def _rule(review: Review, rule_id: str) -> Finding:
    return next(f for f in review.findings if f.rule_id == rule_id)


def test_a_dismissal_is_stored_audited_shown_and_reversible(store: Store, review: Review) -> None:
    f = _rule(review, "sangong.parts")
    assert f.severity == Severity.error and f in review.open_errors
    after = dismiss(store, review, f, DismissReason.document_says_so, "alice", " p.12 prints it ")

    assert after.version == review.version + 1
    d = after.dismissal(f)
    assert d is not None and (d.reason, d.note, d.user) == (
        DismissReason.document_says_so, "p.12 prints it", "alice")
    assert f not in after.open_findings and len(after.open_findings) == len(review.findings) - 1
    again = open_review(store, review.doc_id)  # stored, not just on the returned object
    assert again.dismissal(f) == d and again.findings == review.findings
    entry = store.audit(review.doc_id)[-1]
    assert (entry.user, entry.action, entry.target, entry.new) == (
        "alice", "dismiss", finding_key(f), "document_says_so")
    assert entry.detail["note"] == "p.12 prints it" and entry.at == d.at

    back = reopen_finding(store, again, f, "bob", "look again")
    assert back.dismissal(f) is None and f in back.open_errors
    entry = store.audit(review.doc_id)[-1]
    assert (entry.user, entry.action, entry.old) == ("bob", "reopen_finding", "document_says_so")
    with pytest.raises(InvalidEdit, match="not dismissed"):
        reopen_finding(store, back, f, "bob")


def test_refusals_write_nothing(store: Store, review: Review) -> None:
    f = _rule(review, "sangong.parts")
    with pytest.raises(NotAllowed):
        dismiss(store, review, f, DismissReason.rounding, "anonymous")
    with pytest.raises(InvalidEdit, match="note"):
        dismiss(store, review, f, DismissReason.other, "alice", "  ")
    gone = f.model_copy(update={"rule_id": "no.such_rule"})
    with pytest.raises(InvalidEdit, match="no longer raised"):
        dismiss(store, review, gone, DismissReason.rounding, "alice")
    assert store.dismissals(review.doc_id) == {}
    assert store.get(review.doc_id).version == review.version
    dismiss(store, review, f, DismissReason.rounding, "alice")
    with pytest.raises(VersionConflict, match="changed by alice"):  # a stale view is refused
        dismiss(store, review, f, DismissReason.document_says_so, "bob")
    assert store.dismissals(review.doc_id)[finding_key(f)].user == "alice"


def test_a_dismissal_survives_the_recheck_after_a_correction(store: Store, review: Review) -> None:
    f = _rule(review, "sangong.parts")
    review = dismiss(store, review, f, DismissReason.document_says_so, "alice")
    # a correction elsewhere: every check runs again and the findings are new objects
    ti, ri, col = next((ti, ri, c) for ti, t in enumerate(review.document.tables)
                       if t.key != "sangong" for ri, r in enumerate(t.rows)
                       for c, v in r.values.items() if v.value)
    cell = review.document.tables[ti].rows[ri].values[col]
    review = correct(store, review, [Edit(ti, ri, col, f"{cell.value + 1}")], "alice")
    review = open_review(store, review.doc_id)
    again = _rule(review, "sangong.parts")
    assert review.dismissal(again) is not None and again not in review.open_findings


def test_a_finding_whose_difference_changed_is_open_again(store: Store) -> None:
    doc_id = store_sample(store)
    m = misread_one_value(store, doc_id)
    review = open_review(store, doc_id)
    new = [f for f in review.findings if f not in m.findings_before]  # the value is not printed
    review = dismiss(store, review, new[0], DismissReason.rounding, "alice")
    assert new[0] not in review.open_findings
    worse = f"{Decimal(m.misread) + 5:.2f}"  # the same cell, another value not printed there
    review = correct(store, review, [Edit(m.table, m.row, m.column, worse)], "alice")
    same = [f for f in review.findings if finding_key(f) == finding_key(new[0])]
    assert same and worse in same[0].message and evidence(same[0]) != evidence(new[0])
    assert same[0] in review.open_findings  # the dismissal no longer covers it
    assert finding_key(same[0]) in review.dismissals  # but is kept, in case it comes back


def test_confirming_with_open_errors_needs_a_note(store: Store, review: Review) -> None:
    errors = review.open_errors
    assert len(errors) == 3
    with pytest.raises(InvalidEdit, match="3 error finding"):
        confirm_document(store, review, "alice")
    assert store.get(review.doc_id).status == DocStatus.needs_review
    done = confirm_document(store, review, "alice", note="the 三公 table is printed so")
    entry = store.audit(review.doc_id)[-1]
    assert done.record.status == DocStatus.confirmed
    assert entry.action == "confirm" and entry.detail["note"] == "the 三公 table is printed so"
    assert entry.detail["open_findings"] == {"error": 3}


def test_with_every_error_dismissed_no_note_is_needed(store: Store, review: Review) -> None:
    for f in review.open_errors:
        review = dismiss(store, review, f, DismissReason.document_says_so, "alice")
    done = confirm_document(store, review, "alice")
    assert done.record.status == DocStatus.confirmed
    assert store.audit(review.doc_id)[-1].detail["dismissed"] == 3


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
def test_the_export_shows_the_dismissal(store: Store, review: Review, tmp_path: Path,
                                        fmt: str) -> None:
    f = _rule(review, "sangong.parts")
    review = dismiss(store, review, f, DismissReason.document_says_so, "alice", "印刷如此")
    export(store, fmt, tmp_path)
    rows = read_export(tmp_path, "findings", fmt)
    assert list(rows[0]) == FINDING_COLUMNS
    mine = [r for r in rows if r["rule_id"] == "sangong.parts"]
    others = [r for r in rows if r["rule_id"] != "sangong.parts"]
    d = review.dismissal(f)
    assert mine and {(r["status"], r["reason"], r["note"], r["reviewer"], r["reviewed_at"])
                     for r in mine} == {("dismissed", "document_says_so", "印刷如此", "alice",
                                         d.at.isoformat())}
    assert others and {(r["status"], r["reviewer"] or None) for r in others} == {("open", None)}


def test_two_figures_of_one_subject_on_a_page_are_dismissed_apart(store: Store) -> None:
    """Sample 003 p.19 states two projects' amounts that each repeat elsewhere: same rule,
    subject, field and page. Their identities differ (the sentence's place), so dismissing
    the second no longer replaces the first's dismissal (was 12 of 13 dismissed, 1 open)."""
    review = open_review(store, store_sample(store, SAMPLES / "003_10d8e44b991496ab.pdf"))
    assert len({finding_key(f) for f in review.findings}) == len(review.findings) == 13
    for f in review.findings:
        review = dismiss(store, review, f, DismissReason.document_says_so, "alice")
    assert (len(review.open_findings), len(store.dismissals(review.doc_id))) == (0, 13)
