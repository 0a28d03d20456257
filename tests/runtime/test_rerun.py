"""A re-run never wipes review work: RQ re-runs a job whose worker died after the job committed,
and whatever the reviewer did meanwhile survives it (values, status, an audit entry)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from rq import Queue
from rq.registry import StartedJobRegistry

from schemas import DocStatus, Document, ValueStatus
from tests.support.documents import CLEAN_SAMPLE, extract
from tests.support.fresh import env_without_settings
from tests.support.wait import wait_for
from worker.runtime.carry import carry_review
from worker.runtime.pool import work
from worker.services.review import Edit, confirm_document, correct, open_review
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store


def _env(settings: Settings) -> dict[str, str]:
    env = env_without_settings()
    env.update({"BUDGETLENS_DATA_DIR": str(settings.data_dir),
                "BUDGETLENS_REDIS_URL": str(settings.redis_url),
                "BUDGETLENS_HEARTBEAT_S": str(settings.heartbeat_s),
                "BUDGETLENS_HEARTBEAT_GRACE_S": str(settings.heartbeat_grace_s)})
    return env


def _first_amount(doc: Document) -> tuple[int, int, str, str]:
    for ti, table in enumerate(doc.tables):
        for ri, row in enumerate(table.rows):
            for column, value in row.values.items():
                if value.value:
                    return ti, ri, column, value.raw
    raise AssertionError("the sample has no amounts")


def test_review_survives_the_rerun_of_a_job_whose_worker_died_after_commit(
    settings: Settings, store: Store, queue: Queue, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / CLEAN_SAMPLE.name).write_bytes(CLEAN_SAMPLE.read_bytes())
    (doc_id,) = submit([str(folder)], store, queue, settings).doc_ids

    victim = subprocess.run([sys.executable, "-m", "tests.support.victim"], env=_env(settings),
                            timeout=600, check=False)
    assert victim.returncode == -9  # killed after the job committed, before RQ knew
    assert StartedJobRegistry(queue=queue).get_job_ids()  # so RQ believes it abandoned

    review = open_review(store, doc_id)
    assert review is not None
    table, row, column, printed = _first_amount(review.document)
    mine = str(Decimal(printed.replace(",", "")) + 1)
    review = correct(store, review, [Edit(table, row, column, mine)], "alice")
    confirm_document(store, review, "alice", note="the page prints it so")

    registry = StartedJobRegistry(queue=queue)
    # generous: a readiness wait, not a speed limit
    wait_for(lambda: registry.get_expired_job_ids(), 300, "the dead worker's heartbeat to expire",
             every=0.05)
    work(settings, burst=True)  # recovery re-runs the job

    record = store.get(doc_id)
    doc, _ = store.load_result(doc_id)
    assert record.attempts == 2  # it did run again
    assert record.status == DocStatus.confirmed
    value = doc.tables[table].rows[row].values[column]
    assert (value.raw, value.status) == (mine, ValueStatus.corrected)
    assert all(v.status != ValueStatus.extracted
               for t in doc.tables for r in t.rows for v in r.values.values())
    rerun = [e for e in store.audit(doc_id) if e.action == "rerun"]
    assert len(rerun) == 1 and (rerun[0].old, rerun[0].new) == ("confirmed", "confirmed")
    assert rerun[0].detail["kept"] > 0 and rerun[0].detail["conflicts"] == []


def test_a_reviewed_cell_the_new_extraction_lacks_is_surfaced_not_silently_dropped() -> None:
    old, _ = extract(CLEAN_SAMPLE, "x")
    new = old.model_copy(deep=True)
    table, row, column, printed = _first_amount(old)
    old.tables[table].rows[row].values[column].status = ValueStatus.confirmed
    new.tables[table].rows[row].name = new.tables[table].rows[row].code = "renamed"
    new.tables[table].rows[row].row_code = None
    carried = carry_review(old, new, confirmed=True)
    assert carried.kept == 0 and len(carried.conflicts) == 1
    assert printed in carried.conflicts[0]
    assert [p.stage for p in new.problems][-1] == "review"


def test_a_confirmed_value_read_differently_now_keeps_the_reviewers_and_says_so() -> None:
    old, _ = extract(CLEAN_SAMPLE, "x")
    new = old.model_copy(deep=True)
    table, row, column, printed = _first_amount(old)
    old.tables[table].rows[row].values[column].status = ValueStatus.confirmed
    new.tables[table].rows[row].values[column].raw = "999"
    carried = carry_review(old, new, confirmed=False)
    assert carried.kept == 1 and "999" in carried.conflicts[0]
    assert new.tables[table].rows[row].values[column].raw == printed
