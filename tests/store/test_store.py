"""The store's behaviour, on SQLite and on PostgreSQL alike (tests/store/conftest.py)."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from schemas import DocStatus, Document
from schemas.performance import Section, SectionKind, SectionResult, SectionStatus
from worker.errors import StoreError
from worker.settings import Settings
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
        DocStatus.extracted,
        "测试办公室",
        3,
        1,
    )
    assert store.counts()[DocStatus.extracted] == 1


def test_reviewer_write_checks_version_and_audits(store: Store) -> None:
    doc_id, _ = store.add_document(b"y", "y.txt", "txt")
    store.save_result(Document(doc_id=doc_id), [], DocStatus.needs_review)
    version = store.get(doc_id).version
    doc = Document(doc_id=doc_id, department="改过")
    new = store.update_result(
        doc,
        [],
        version,
        "alice",
        [{"action": "correct", "target": "t/r/c", "old": "1", "new": "2"}],
    )
    assert new == version + 1
    with pytest.raises(VersionConflict):
        store.update_result(doc, [], version, "bob", [{"action": "correct"}])
    actions = [(a.user, a.action, a.old, a.new) for a in store.audit(doc_id)]
    assert actions == [("system", "submit", None, "y.txt"), ("alice", "correct", "1", "2")]


def _section(sid: str, text: str = "一、绩效目标") -> Section:
    return Section(
        section_id=sid,
        kind=SectionKind.narrative_targets,
        title="绩效目标",
        text=text,
        pages=[7],
        reason="narrative",
    )


def test_sections_are_replaced_on_reextraction_and_pending_until_read(store: Store) -> None:
    doc_id, _ = store.add_document(b"s", "s.txt", "txt")
    store.save_sections(doc_id, [_section("n1"), _section("n2")], {"project_names": ["甲项目"]})
    section, context = store.section(doc_id, "n1")
    assert section == _section("n1") and context == {"project_names": ["甲项目"]}
    assert store.pending_sections() == {doc_id: ["n1", "n2"]}
    done = SectionResult(
        section_id="n1",
        kind=SectionKind.narrative_targets,
        status=SectionStatus.ok,
        data={"goal": "提高效率"},
    )
    store.save_section_result(doc_id, done)
    assert store.section_results(doc_id) == [done]
    assert store.pending_sections() == {doc_id: ["n2"]}
    # a re-extraction finds the sections anew: old ones and their results are gone
    store.save_sections(doc_id, [_section("n3", "二、项目")], {})
    assert store.section_results(doc_id) == [] and store.pending_sections() == {doc_id: ["n3"]}
    with pytest.raises(StoreError, match="no section n1"):
        store.section(doc_id, "n1")


def test_listing_filters_orders_limits_and_never_loads_results(store: Store) -> None:
    ids = [store.add_document(f"doc {i}".encode(), f"{i}.txt", "txt")[0] for i in range(5)]
    store.save_result(
        Document(doc_id=ids[1], pages=4, department="x" * 5000), [], DocStatus.needs_review
    )
    store.mark_failed(ids[2], "corrupt PDF", 0.1)
    statements: list[str] = []
    event.listen(
        store.engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql)
    )
    assert [r.doc_id for r in store.list()] == ids  # submission order
    assert [r.doc_id for r in store.list(limit=2)] == ids[:2]
    assert [r.doc_id for r in store.list(DocStatus.queued)] == [ids[0], ids[3], ids[4]]
    assert [r.doc_id for r in store.list(doc_ids=[ids[4], ids[1], "nope"])] == [ids[1], ids[4]]
    assert not any("documents.result" in sql or "documents.findings" in sql for sql in statements)
    counts = store.counts([ids[1], ids[2]])
    assert (counts[DocStatus.needs_review], counts[DocStatus.failed], counts[DocStatus.queued]) == (
        1,
        1,
        0,
    )
    assert store.get(ids[1]).department == "x" * 5000


def test_id_filters_take_more_ids_than_one_statement_can_bind(store: Store) -> None:
    # a national batch runs to tens of thousands of documents; PostgreSQL binds at most 65,535
    # parameters per statement (SQLite, as commonly built, 32,766)
    real = [store.add_document(f"d{i}".encode(), f"{i}.txt", "txt")[0] for i in range(3)]
    store.save_result(Document(doc_id=real[2], pages=9), [], DocStatus.extracted)
    ids = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(70_000)]
    ids = [real[1], *ids[:40_000], real[2], *ids[40_000:], real[0], real[1]]  # far apart, twice
    assert store.counts(ids)[DocStatus.queued] == 2
    assert store.total_pages(ids) == 9
    assert [r.doc_id for r in store.list(doc_ids=ids, limit=2)] == real[:2]  # submission order


def test_concurrent_reviewers_one_write_wins(store: Store) -> None:
    doc_id, _ = store.add_document(b"race", "r.txt", "txt")
    store.save_result(Document(doc_id=doc_id), [], DocStatus.needs_review)
    version = store.get(doc_id).version

    def write(user: str) -> str:
        try:
            store.update_result(
                Document(doc_id=doc_id, department=user),
                [],
                version,
                user,
                [{"action": "correct", "new": user}],
            )
            return "won"
        except VersionConflict:
            return "conflict"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(write, [f"u{i}" for i in range(8)]))
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    winner = outcomes.index("won")
    assert store.get(doc_id).version == version + 1
    assert store.load_result(doc_id)[0].department == f"u{winner}"
    assert [a.user for a in store.audit(doc_id) if a.action == "correct"] == [f"u{winner}"]


def test_same_bytes_submitted_at_the_same_moment_make_one_document(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda i: store.add_document(b"%PDF same", f"{i}.pdf", "pdf"), range(8))
        )
    assert len({doc_id for doc_id, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert len(store.list()) == 1 and len(store.audit()) == 1
    blob = store.blob_path(results[0][0])
    assert blob.read_bytes() == b"%PDF same" and list(blob.parent.iterdir()) == [blob]


def test_nul_characters_in_text_do_not_fail_the_write(store: Store) -> None:
    # PostgreSQL refuses NUL in text; a PDF's text layer can hold one
    doc_id, _ = store.add_document(b"nul", "n\x00.txt", "txt")
    doc = Document(doc_id=doc_id, department="财政\x00局")
    store.save_result(doc, [], DocStatus.extracted)
    store.mark_queued(doc_id, reason="bad\x00reason")
    assert store.get(doc_id).department == "财政\ufffd局"
    assert store.load_result(doc_id)[0] == doc  # the result JSON keeps it, escaped
    assert store.audit(doc_id)[-1].detail == {"reason": "bad\x00reason"}


def test_blobs_are_content_addressed(store: Store, settings: Settings) -> None:
    doc_id, _ = store.add_document(b"%PDF-1.7 blob", "b.pdf", "pdf")
    assert store.blob_path(doc_id) == settings.blob_dir / doc_id[:2] / doc_id
    assert store.read_bytes(doc_id) == b"%PDF-1.7 blob"


def test_a_store_that_cannot_be_opened_is_a_store_error_naming_it(
        unusable_urls: list[str], settings: Settings) -> None:
    for url in unusable_urls:
        with pytest.raises(StoreError, match="cannot read the store") as raised:
            Store(url, settings.blob_dir)
        message, parts = str(raised.value), make_url(url)
        assert (parts.password or "\0") not in message, url
        assert str(parts.database) in message and str(parts.port or "") in message, url
