"""What a document job asks of the database: a fixed number of statements per document, however
many LLM sections it has (no endpoint: the sections are stored pending and the document is
final in the same job), and its result is written once and never read back."""

from __future__ import annotations

import pytest

from schemas import DocStatus
from tests.support.samples import SAMPLES
from tests.support.sql import statements
from worker.runtime import jobs
from worker.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def db_settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if request.param == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


def test_statements_per_document_do_not_grow_with_its_sections(db_settings: Settings) -> None:
    jobs.configure(db_settings)
    _, store = jobs._context()
    counts = {}
    for name in ("000_*.pdf", "003_*.pdf"):  # 1 and 4 LLM sections
        path = next(SAMPLES.glob(name))
        doc_id, _ = store.add_document(path.read_bytes(), path.name, "pdf")
        with statements(store.engine) as seen:
            status = jobs.process_document(doc_id)
        assert status == store.get(doc_id).status.value  # final in this job: no endpoint
        assert store.get(doc_id).status != DocStatus.running
        assert len(store.pending_sections()[doc_id]) == {"000_*.pdf": 1, "003_*.pdf": 4}[name]
        counts[name] = len(seen)
        # read: the record, the previous result (none); written: running, sections, the result
        reads = [s for s in seen if s.startswith("SELECT")]
        assert len(reads) == 2, seen
        result_writes = [s for s in seen if s.startswith("UPDATE documents") and "result=" in s]
        assert len(result_writes) == 1, seen
    # before: 11 statements + one per section (000: 12, 003: 15), the result written twice
    # and read back once
    assert counts == {"000_*.pdf": 6, "003_*.pdf": 6}
