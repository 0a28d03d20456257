"""The README's main job, as a user runs it: `budgetlens run` on a folder with the embedded Redis."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from schemas import DocStatus
from tests.support.fresh import env_without_settings, run_python
from tests.support.samples import SAMPLES
from tests.support.workbooks import seed_workbook
from worker.services.export import DOCUMENT_COLUMNS, FACT_COLUMNS, FINDING_COLUMNS
from worker.settings import Settings
from worker.store import Store


def _cli(*args: str, data_dir: Path, cwd: Path,
         **settings: str) -> subprocess.CompletedProcess[str]:
    env = env_without_settings()
    env |= {"BUDGETLENS_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env |= {f"BUDGETLENS_{name.upper()}": value for name, value in settings.items()}
    return subprocess.run([sys.executable, "-m", "worker.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_run_status_export_on_samples(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for sample in sorted(SAMPLES.glob("00[03]_*.pdf")) + sorted(SAMPLES.glob("001_*.docx")):
        shutil.copy(sample, inbox)
    for ext in ("xlsx", "xls"):  # the 001 seed's tables as a department's workbook
        (inbox / "sub").mkdir(exist_ok=True)
        (inbox / "sub" / f"001_tables.{ext}").write_bytes(seed_workbook("001", ext))
    (inbox / "notes.md").write_text("not a document")  # ignored: folders yield supported types
    (inbox / "sub" / "tables.ods").write_bytes(b"PK\x03\x04")  # ignored too
    data = tmp_path / "data"

    run = _cli("run", str(inbox), "--workers", "2", data_dir=data, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "5 queued, 0 duplicate, 0 rejected" in run.stdout
    assert "pages/s" in run.stdout and "docs/min" in run.stdout

    records = Store.from_settings(Settings(data_dir=data)).list()
    assert len(records) == 5
    assert {r.kind for r in records if r.source_file.endswith(("xlsx", "xls"))} == {"xlsx", "xls"}
    assert all(r.status in (DocStatus.extracted, DocStatus.needs_review) for r in records)
    assert {r.fiscal_year for r in records} == {2024}
    # the embedded Redis was stopped when `run` exited, its queue persisted on disk
    assert not (data / "redis" / "redis.sock").exists()

    again = _cli("run", str(inbox), data_dir=data, cwd=tmp_path)
    assert "0 queued, 5 duplicate, 0 rejected" in again.stdout

    status = _cli("status", data_dir=data, cwd=tmp_path)
    assert status.returncode == 0 and "failed" in status.stdout

    out = tmp_path / "out"
    export = _cli("export", "--format", "csv", "--out", str(out), data_dir=data, cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    for name, columns in (("facts", FACT_COLUMNS), ("documents", DOCUMENT_COLUMNS),
                          ("findings", FINDING_COLUMNS)):
        with (out / f"{name}.csv").open(encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            assert reader.fieldnames == columns
            rows = list(reader)
        if name == "documents":
            assert len(rows) == 5
        if name == "facts":
            assert rows and all(r["page"] and int(r["page"]) >= 1 for r in rows
                                if r["doc_id"] != "" and r["x0"])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_store_that_cannot_be_used_is_one_line_naming_it(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """status, run and export on a file that is not a database (or a PostgreSQL database that
    does not exist): one line on stderr, Chinese first, naming the store (never its password),
    exit 1 — no traceback."""
    if backend == "sqlite":
        garbage = tmp_path / "budget.pdf"
        garbage.write_bytes(next(SAMPLES.glob("000_*.pdf")).read_bytes())  # a real PDF
        url, named = f"sqlite:///{garbage}", str(garbage)
    else:
        real = make_url(request.getfixturevalue("pg_url"))
        named = "no_such_database"
        url = real.set(database=named, password="s3cret").render_as_string(hide_password=False)
    (tmp_path / "in.txt").write_text("2024年部门预算")
    for command in (["status"], ["run", str(tmp_path / "in.txt")], ["export", "-o", "out"]):
        out = _cli(*command, data_dir=tmp_path / "data", cwd=tmp_path, database_url=url)
        assert out.returncode == 1, (command, out.stdout, out.stderr)
        [line] = out.stderr.splitlines()
        assert line.startswith("数据库无法使用") and named in line, (command, line)
        assert "s3cret" not in out.stdout + out.stderr and "Traceback" not in line, command


def test_help_documents_every_command(tmp_path: Path) -> None:
    out = _cli("--help", data_dir=tmp_path, cwd=tmp_path).stdout
    for command in ("submit", "worker", "run", "status", "requeue", "export", "ui"):
        assert command in out


def test_the_command_line_imports_no_pipeline_nor_llm_client(tmp_path: Path) -> None:
    """`status`, `export` and `requeue` should not pay seconds of imports (PyMuPDF, openai,
    instructor) for the commands that read documents; each command imports those itself."""
    heavy = ("pymupdf", "openai", "instructor", "worker.pipeline", "worker.llm",
             "worker.runtime.jobs")
    code = f"import sys, worker.cli; print([m for m in {heavy!r} if m in sys.modules])"
    assert run_python(code, cwd=tmp_path).strip() == "[]"
    from worker.cli import LLM_PORT
    from worker.llm.local import DEFAULT_PORT

    assert LLM_PORT == DEFAULT_PORT  # `llm serve`'s default, without importing worker.llm


def test_an_unreachable_redis_is_one_line_without_its_password(tmp_path: Path) -> None:
    """submit, status and worker with Redis down: one line on stderr, Chinese first, naming
    the address but not its password, exit 1 — no traceback."""
    (tmp_path / "in.txt").write_text("2024年部门预算")
    url = "redis://:s3cret@127.0.0.1:1/0"  # nothing listens on port 1
    for command in (["submit", str(tmp_path / "in.txt")], ["status"], ["worker"]):
        out = _cli(*command, data_dir=tmp_path / "data", cwd=tmp_path, redis_url=url)
        assert out.returncode == 1, (command, out.stdout, out.stderr)
        [line] = out.stderr.splitlines() or [""]
        assert line.startswith("队列无法使用") and "127.0.0.1:1" in line, (command, line)
        assert "s3cret" not in out.stdout + out.stderr, command
