"""`budgetlens export` memory against the number of documents: peak RSS of an export of 500 and
of 5,000 documents, in every format.

    python bench/export.py [--docs 500 5000] [--formats csv json parquet xlsx] [--code DIR]

A SQLite store gets the largest `--docs` documents, each the result of a generated document
(tools/synth.py, its first two tables; findings none) inserted in bulk; a smaller count is
the same store with `--confirmed-only` over the first N (they are marked confirmed). Each export
runs in a fresh interpreter, which reports its own peak RSS (ru_maxrss) and CPU seconds; flat
means the 5,000-document figure is about the 500-document one. `--code DIR`: run the export
of another checkout (e.g. the code before a change: `git archive <sha> | tar -x -C DIR`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/queue.py would shadow the standard library's `queue`

from sqlalchemy import MetaData, Table, insert  # noqa: E402

from schemas import DocStatus  # noqa: E402
from tools.synth import generate  # noqa: E402
from worker.settings import Settings  # noqa: E402
from worker.store import Store  # noqa: E402

CHILD = """
import json, resource, sys, time
from pathlib import Path
from worker.settings import Settings
from worker.store import Store
from worker.services.export import export
data, fmt, out, confirmed = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "1"
store = Store.from_settings(Settings(data_dir=Path(data), redis_url=None, database_url=None))
start = time.process_time()
counts = export(store, fmt, out, confirmed_only=confirmed)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rss_mb": usage.ru_maxrss / 1024, "cpu": time.process_time() - start,
                  "rows": sum(counts.values())}))
"""


def fill(store: Store, n: int, confirmed: int) -> None:
    """`n` documents with a stored result in bulk (one statement per 500 rows); the first
    `confirmed` confirmed."""
    doc = generate(0)
    doc.tables = doc.tables[:2]
    table = Table("documents", MetaData(), autoload_with=store.engine)
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        doc.doc_id = f"{i:064x}"
        status = DocStatus.confirmed if i < confirmed else DocStatus.needs_review
        rows.append(dict(doc_id=doc.doc_id, source_file=f"doc-{i:05d}.pdf", kind="pdf", size=1,
                         status=status.value, department=doc.department, pages=doc.pages,
                         fiscal_year=doc.fiscal_year, result=doc.model_dump_json(),
                         findings="[]", n_findings=0, version=1, attempts=1, seconds=0.1,
                         created_at=now, updated_at=now))
        if len(rows) == 500 or i == n - 1:
            with store.engine.begin() as conn:
                conn.execute(insert(table), rows)
            rows = []


def run(code: Path, data: Path, fmt: str, out: Path, confirmed_only: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    args = [sys.executable, "-c", CHILD, str(data), fmt, str(out), "1" if confirmed_only else "0"]
    start = time.perf_counter()
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True, cwd=code)
    return json.loads(done.stdout.strip().splitlines()[-1]) | {
        "wall": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--formats", nargs="+", default=["csv", "json", "parquet", "xlsx"])
    parser.add_argument("--code", type=Path, default=ROOT)
    args = parser.parse_args()
    docs = sorted(args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        store = Store.from_settings(Settings(data_dir=data, redis_url=None, database_url=None))
        start = time.perf_counter()
        fill(store, docs[-1], docs[0])
        print(f"{docs[-1]} documents stored in {time.perf_counter() - start:.0f} s "
              f"(the first {docs[0]} confirmed); code {args.code}")
        print(f"{'format':>8} {'docs':>6} {'rows':>9} {'peak RSS MB':>11} {'CPU s':>7} "
              f"{'wall s':>7}  load")
        for fmt in args.formats:
            for n in docs:
                out = Path(tmp) / f"out-{fmt}-{n}"
                r = run(args.code, data, fmt, out, confirmed_only=n < docs[-1])
                print(f"{fmt:>8} {n:>6} {r['rows']:>9} {r['rss_mb']:>11.0f} {r['cpu']:>7.1f} "
                      f"{r['wall']:>7.1f}  {os.getloadavg()[0]:.1f}", flush=True)
                subprocess.run(["rm", "-rf", str(out)], check=True)


if __name__ == "__main__":
    main()
