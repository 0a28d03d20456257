"""A dismissed finding stays dismissed when the document is extracted again (requeued, then a
real worker re-runs the job): the dismissal is kept by the finding's identity, and the re-run's
audit entry says how many dismissals still cover a finding."""

from __future__ import annotations

from pathlib import Path

from rq import Queue

from schemas import DocStatus
from tests.support.samples import SAMPLES
from worker.runtime.pool import work
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
