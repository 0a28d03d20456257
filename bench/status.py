"""`budgetlens status` on a big store: its queries in-process, and the command as a user runs it.

    python bench/status.py [--docs 5000] [--database sqlite postgres]

A SQLite store, and a PostgreSQL one (a throwaway server, tests/support/pg.py), each get
`--docs` documents (distinct bytes; 80% with a stored result of a generated document and one
pending LLM section, 5% failed with a reason, the rest queued or running), then `status`'s
queries are timed in-process (worker/services/status.py: SQL aggregates — counts per state,
failures by reason and the latest 20, pending LLM sections, LLM usage) and `budgetlens status`
is run as a user runs it, a fresh process: interpreter start, imports, connect, queries, render
(wall, and the child's CPU seconds from getrusage(RUSAGE_CHILDREN), which mean the same on a
busy machine): with no Redis running, then with the embedded one up (it reads the queue lengths);
beside the interpreter alone and the imports `status` cannot do without (its CLI, settings and
database driver; SQLAlchemy is not one of them: worker/store/direct.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# this file's folder would come first on sys.path, and bench/queue.py would shadow `queue`
sys.path[0] = str(Path(__file__).resolve().parents[1])

from schemas import DocStatus  # noqa: E402
from schemas.performance import Section, SectionKind  # noqa: E402
from tests.support.pg import PostgresServer  # noqa: E402
from tools.synth import generate  # noqa: E402
from worker.runtime.queue import redis_server  # noqa: E402
from worker.services.status import summary  # noqa: E402
from worker.settings import Settings  # noqa: E402
from worker.store import Store  # noqa: E402

SECTION = Section(section_id="narrative_targets-1", kind=SectionKind.narrative_targets,
                  title="绩效目标", text="2024年绩效目标：完成项目10个。", reason="narrative")


def fill(store: Store, n: int) -> None:
    result = generate(0)
    for i in range(n):
        doc_id, _ = store.add_document(f"document {i}".encode(), f"doc-{i:05d}.pdf", "pdf")
        if i % 20 == 0:
            store.mark_failed(doc_id, "truncated PDF: no page can be read")
        elif i % 20 < 17:
            result.doc_id = doc_id
            status = DocStatus.needs_review if i % 3 else DocStatus.extracted
            store.save_result(result, [], status, 0.5)
            store.save_sections(doc_id, [SECTION], {})
        elif i % 20 == 17:
            store.mark_running(doc_id)


def queries(store: Store) -> float:
    start = time.perf_counter()
    summary(store.url)
    return time.perf_counter() - start


RUNS = 5  # per figure: the best and the median, as the machine's other load comes and goes


def command(args: list[str], data_dir: Path, database_url: str | None) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh `python args…` (the child's, from getrusage)."""
    env = {**os.environ, "BUDGETLENS_DATA_DIR": str(data_dir), "BUDGETLENS_REDIS_URL": "",
           "BUDGETLENS_DATABASE_URL": database_url or ""}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def report(what: str, args: list[str], data_dir: Path, database_url: str | None) -> None:
    runs = [command(args, data_dir, database_url) for _ in range(RUNS)]
    walls, cpus = sorted(w for w, _ in runs), sorted(c for _, c in runs)
    print(f"  {what}: {walls[0]:.2f} s wall best, CPU-s best {cpus[0]:.2f} / median "
          f"{cpus[RUNS // 2]:.2f} ({RUNS} runs), load {os.getloadavg()[0]:.1f}")


def bench(n: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), redis_url=None, database_url=database_url)
        store = Store.from_settings(settings)
        start = time.perf_counter()
        fill(store, n)
        print(f"{store.engine.dialect.name}: {n} documents stored in "
              f"{time.perf_counter() - start:.0f} s; "
              f"counts {dict((s.value, n) for s, n in store.counts().items() if n)}")
        q = min(queries(store) for _ in range(3))
        print(f"  status queries in-process: {1000 * q:.0f} ms, load {os.getloadavg()[0]:.1f}")
        data_dir = Path(tmp)
        report("python -c pass (the interpreter alone)", ["-c", "pass"], data_dir, database_url)
        driver = "psycopg" if database_url else "sqlite3"
        libraries = f"import typer, rich.console, rich.table, worker.settings, {driver}"
        report("its libraries alone (the floor)", ["-c", libraries], data_dir, database_url)
        status = ["-m", "worker.cli", "status"]
        report("budgetlens status, no Redis running", status, data_dir, database_url)
        with redis_server(settings):  # the embedded one, as while `budgetlens worker` runs
            report("budgetlens status, embedded Redis up", status, data_dir, database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--database", nargs="+", choices=("sqlite", "postgres"),
                        default=["sqlite", "postgres"])
    args = parser.parse_args()
    if "sqlite" in args.database:
        bench(args.docs, None)
    if "postgres" in args.database:
        server = PostgresServer.start()
        try:
            bench(args.docs, server.create_database())
        finally:
            server.stop()


if __name__ == "__main__":
    main()
