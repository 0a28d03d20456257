"""`budgetlens status` from SQL aggregates: the command runs the same few statements for 8
documents as for 80, none of them reading a result, each returning a bounded number of rows; on
SQLite and PostgreSQL. (Not timed: bench/status.py times it on 5,000 documents.)"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from schemas import DocStatus, Document
from schemas.performance import Section, SectionKind
from tests.support.sql import statements
from worker.cli import app
from worker.settings import Settings
from worker.store import Store


@pytest.fixture(params=["sqlite", "postgres"])
def db_settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if request.param == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


def _fill(store: Store, numbers: range) -> None:
    """Documents: a quarter failed (three reasons), a quarter queued, the rest with a result and
    one pending LLM section each."""
    for i in numbers:
        doc_id, _ = store.add_document(f"doc {i}".encode(), f"[bold]{i}[/].pdf", "pdf")
        if i % 4 == 0:
            store.mark_failed(doc_id, f"reason {i % 3}")
        elif i % 4 == 1:
            continue
        else:
            store.save_result(Document(doc_id=doc_id, pages=2), [], DocStatus.needs_review)
            section = Section(section_id="s1", kind=SectionKind.narrative_targets, title="绩效目标",
                              text="目标", reason="narrative")
            store.save_sections(doc_id, [section], {})


def test_status_runs_the_same_aggregates_for_8_and_80_documents(db_settings: Settings) -> None:
    store = Store.from_settings(db_settings)
    env = {"BUDGETLENS_DATA_DIR": str(db_settings.data_dir),
           "BUDGETLENS_REDIS_URL": db_settings.redis_url,
           "BUDGETLENS_DATABASE_URL": db_settings.database_url or "", "COLUMNS": "200"}
    shapes = []
    for n in (8, 80):
        _fill(store, range(len(shapes) and 8, n))
        with statements(Engine) as seen:
            out = CliRunner().invoke(app, ["status"], env=env)
        assert out.exit_code == 0, out.output
        lines = out.output.splitlines()
        cells = [[c.strip() for c in line.split("│")[1:3]] for line in lines]
        assert ["failed", str(n // 4)] in cells and ["needs_review", str(n // 2)] in cells
        assert f"{n // 2} LLM sections pending in {n // 2} documents" in out.output
        failures = [line for line in lines if line.startswith("failed ")]
        assert len(failures) == min(20, n // 4)  # the latest 20, names printed as they are
        assert failures[0].endswith(f"[bold]{n - 4}[/].pdf: reason {(n - 4) % 3}")
        reads = [sql for sql in seen if sql.startswith("SELECT") and " FROM " in sql
                 and "sqlite_master" not in sql and "pg_catalog" not in sql]
        for sql in reads:  # no result read; every answer bounded: an aggregate or a LIMIT
            assert "documents.result" not in sql and "documents.findings" not in sql
            assert "count(" in sql or "sum(" in sql or "LIMIT" in sql, sql
        shapes.append(seen)
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:9/v1"])
def test_pending_sections_say_why_by_whether_an_endpoint_is_configured(
        settings: Settings, endpoint: str | None) -> None:
    """Pending sections were always put down to 'no LLM endpoint configured', with one set too."""
    _fill(Store.from_settings(settings), range(2, 3))  # one document, one pending section
    env = {"BUDGETLENS_DATA_DIR": str(settings.data_dir), "BUDGETLENS_REDIS_URL": "",
           "BUDGETLENS_LLM_BASE_URL": endpoint or "", "COLUMNS": "200"}
    out = CliRunner().invoke(app, ["status"], env=env)
    assert out.exit_code == 0, out.output
    assert "1 LLM sections pending in 1 documents" in out.output
    configured = "the endpoint was down or the token budget spent" in out.output
    assert configured == bool(endpoint)
    assert ("no LLM endpoint configured" in out.output) == (not endpoint)
