from __future__ import annotations

import pytest

from schemas import DocStatus, Document
from worker.store import Store, VersionConflict


def test_same_bytes_twice_is_a_noop_and_bytes_are_kept(store: Store) -> None:
    doc_id, created = store.add_document(b"%PDF-1.7 abc", "a.pdf", "pdf")
    again, created_again = store.add_document(b"%PDF-1.7 abc", "copy/of/a.pdf", "pdf")
    assert created and not created_again
    assert again == doc_id
    assert store.read_bytes(doc_id) == b"%PDF-1.7 abc"
    assert len(store.list()) == 1
    assert store.get(doc_id).source_file == "a.pdf"  # the first name is kept


def test_doc_id_is_sha256_of_bytes(store: Store) -> None:
    import hashlib

    doc_id, _ = store.add_document(b"hello", "h.txt", "txt")
    assert doc_id == hashlib.sha256(b"hello").hexdigest()


def test_result_round_trip_and_status(store: Store) -> None:
    doc_id, _ = store.add_document(b"x", "x.txt", "txt")
    store.mark_running(doc_id)
    assert store.get(doc_id).status == DocStatus.running
    doc = Document(doc_id=doc_id, department="测试办公室", fiscal_year=2024, pages=3)
    store.save_result(doc, [], DocStatus.extracted, seconds=0.5)
    loaded, findings = store.load_result(doc_id)
    assert loaded == doc and findings == []
    rec = store.get(doc_id)
    assert (rec.status, rec.department, rec.pages, rec.attempts) == (
        DocStatus.extracted, "测试办公室", 3, 1)
    assert store.counts()[DocStatus.extracted] == 1


def test_reviewer_write_checks_version_and_audits(store: Store) -> None:
    doc_id, _ = store.add_document(b"y", "y.txt", "txt")
    store.save_result(Document(doc_id=doc_id), [], DocStatus.needs_review)
    version = store.get(doc_id).version
    doc = Document(doc_id=doc_id, department="改过")
    new = store.update_result(doc, [], version, "alice",
                              [{"action": "correct", "target": "t/r/c", "old": "1", "new": "2"}])
    assert new == version + 1
    with pytest.raises(VersionConflict):
        store.update_result(doc, [], version, "bob", [{"action": "correct"}])
    actions = [(a.user, a.action, a.old, a.new) for a in store.audit(doc_id)]
    assert actions == [("system", "submit", None, "y.txt"), ("alice", "correct", "1", "2")]
