"""Review work survives the document being extracted again (requeued, then a real worker
re-runs the job): a dismissed finding stays dismissed (kept by the finding's identity), and
structural edits and target reviews are replayed from the audit log onto the new extraction —
or, where they no longer fit, surfaced as a conflict."""

from __future__ import annotations

from pathlib import Path

from rq import Queue

from schemas import DocStatus, ValueStatus
from tests.support.documents import CLEAN_SAMPLE, extract, store_sample
from tests.support.samples import SAMPLES
from worker.runtime.carry import Carried, audit_entry, carried_status, carry_review, replay_edits
from worker.runtime.pool import work
from worker.services.edits import (
    RowSpec,
    correct_section_value,
    delete_row,
    edit_metadata,
    edit_row,
    split_row,
)
from worker.services.review import (
    DismissReason,
    Edit,
    correct,
    dismiss,
    open_review,
    requeue,
)
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store

SAMPLE = SAMPLES / "000_954316b1df943981.txt"  # its 三公 figures contradict each other


def test_a_dismissal_and_a_correction_survive_a_rerun(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    (doc_id,) = submit([str(SAMPLE)], store, queue, settings).doc_ids
    work(settings, burst=True)
    review = open_review(store, doc_id)
    assert review is not None
    sangong = next(f for f in review.findings if f.rule_id == "sangong.parts")
    review = dismiss(store, review, sangong, DismissReason.document_says_so, "alice", "p.3")
    ti, ri, col = next((ti, ri, c) for ti, t in enumerate(review.document.tables)
                       for ri, r in enumerate(t.rows) for c, v in r.values.items() if v.value)
    printed = review.document.tables[ti].rows[ri].values[col].raw
    review = correct(store, review, [Edit(ti, ri, col, printed + "1")], "alice")
    before = {f.rule_id for f in review.open_findings}

    requeue(store, queue, settings, doc_id, "alice")
    work(settings, burst=True)

    assert store.get(doc_id).attempts == 2
    after = open_review(store, doc_id)
    assert after is not None and after.record.status == DocStatus.needs_review
    raised = next(f for f in after.findings if f.rule_id == "sangong.parts")
    d = after.dismissal(raised)
    assert d is not None and (d.user, d.note) == ("alice", "p.3")
    assert raised not in after.open_findings
    assert {f.rule_id for f in after.open_findings} == before  # the correction was re-checked
    assert after.document.tables[ti].rows[ri].values[col].raw == printed + "1"
    rerun = [e for e in store.audit(doc_id) if e.action == "rerun"][-1]
    assert (rerun.detail["dismissed"], rerun.detail["dismissals_lapsed"]) == (1, 0)


def test_structural_edits_and_target_reviews_are_replayed_on_a_rerun(
    settings: Settings, store: Store, queue: Queue
) -> None:
    tables, targets = SAMPLES / "001_f525e4192ca00c01.txt", SAMPLES / "004_7bbd092f919e0a0c.txt"
    ids = submit([str(tables), str(targets)], store, queue, settings).doc_ids
    work(settings, burst=True)
    review = open_review(store, ids[0])
    ti, ri = _row(review, "2013704")
    review = delete_row(store, review, ti, ri, "alice")  # → a hierarchy finding, dismissed
    review = dismiss(store, review, review.findings, DismissReason.document_says_so, "alice")
    review = edit_row(store, review, *_row(review, "2013301"), "2013301", "行政运行（本级）",
                      "alice")
    review = split_row(store, review, *_row(review, "2080502"), RowSpec("2080502", "事业单位离退休"),
                       RowSpec(None, "（其中：离休）"), "alice")
    review = edit_metadata(store, review, "alice", department="北京市某局")
    section = next(s for s in open_review(store, ids[1]).document.sections if s.where)
    path = next(p for p in section.where if p.endswith(".percent"))
    t = correct_section_value(store, open_review(store, ids[1]), section.section_id, path, "55",
                              "bob")
    assert t.record.version > 1

    for doc_id in ids:
        requeue(store, queue, settings, doc_id, "alice")
    work(settings, burst=True)

    after = open_review(store, ids[0])
    doc = after.document
    assert store.get(ids[0]).attempts == 2 and doc.department == "北京市某局"
    rows = {(r.code, r.name) for t in doc.tables if t.key == "expenditure" for r in t.rows}
    assert ("2013704", "信息安全事务") not in rows and ("2013301", "行政运行（本级）") in rows
    assert {("2080502", "事业单位离退休"), (None, "（其中：离休）")} <= rows
    assert after.findings and after.open_findings == []  # re-checked, still dismissed
    rerun = [e for e in store.audit(ids[0]) if e.action == "rerun"][-1]
    assert (rerun.detail["edits"], rerun.detail["dropped_edits"]) == (4, [])
    assert not [p for p in doc.problems if p.stage == "review"]
    kept = next(s for s in open_review(store, ids[1]).document.sections
                if s.section_id == section.section_id)
    assert kept.where[path].status == ValueStatus.corrected
    assert str(_get(kept.data, path)) == "55"


def test_an_edit_that_no_longer_fits_is_a_conflict_and_not_retried(store: Store) -> None:
    doc_id = store_sample(store)
    review = open_review(store, doc_id)
    review = edit_row(store, review, *_row(review, "2013301"), "2013301", "改名", "alice")
    old, _ = store.load_result(doc_id)
    new, _ = extract(CLEAN_SAMPLE, doc_id)
    ti, ri = _row(open_review(store, doc_id), "2013301")
    new.tables[ti].rows[ri].values["total"].raw = "999.99"  # the new reading differs
    carried = carry_review(old, new, False, store.audit(doc_id))
    assert carried.edits == 0 and carried.dropped == [store.audit(doc_id)[-1].id]
    assert "edit_row by alice" in carried.conflicts[0] and "999.99" in carried.conflicts[0]
    assert new.problems[-1].stage == "review"
    assert carried_status(carried, DocStatus.extracted) == DocStatus.needs_review
    entry = audit_entry(carried, DocStatus.needs_review, DocStatus.needs_review)
    store.set_status(doc_id, DocStatus.needs_review, entry)  # as the job writes it
    again = Carried()
    replay_edits(new, store.audit(doc_id), again)
    assert (again.edits, again.conflicts) == (0, [])  # given up on, not raised every re-run


def _row(review, code: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return next((ti, ri) for ti, t in enumerate(review.document.tables) if t.key == "expenditure"
                for ri, r in enumerate(t.rows) if r.code == code)


def _get(data, path: str):  # type: ignore[no-untyped-def]
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data
