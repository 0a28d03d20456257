"""`budgetlens status` on a big store: its queries in-process, and the command as a user runs it.

    python bench/status.py [--docs 5000]

A SQLite store gets `--docs` documents (distinct bytes; 80% with a stored result of a
generated document, 5% failed with a reason, the rest queued or running), then `status`'s
queries are timed in-process (SQL aggregates: counts per state, failures, pending LLM sections,
LLM usage) and `budgetlens status` is run as a command (wall and CPU, with its interpreter
start and imports, and the embedded Redis it reads the queue lengths from).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas import DocStatus
from tools.synth import generate
from worker.settings import Settings
from worker.store import Store
from worker.store.llm_cache import LLMCache


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
        elif i % 20 == 17:
            store.mark_running(doc_id)


def queries(store: Store) -> float:
    start = time.perf_counter()
    store.counts()
    store.list(DocStatus.failed)
    store.pending_sections()
    LLMCache(store.engine).total_usage()
    return time.perf_counter() - start


def command(data_dir: Path) -> tuple[float, float]:
    env = {**os.environ, "BUDGETLENS_DATA_DIR": str(data_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "worker.cli", "status"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), redis_url=None, database_url=None)
        store = Store.from_settings(settings)
        start = time.perf_counter()
        fill(store, args.docs)
        print(f"{args.docs} documents stored in {time.perf_counter() - start:.0f} s; "
              f"counts {dict((s.value, n) for s, n in store.counts().items() if n)}")
        q = min(queries(store) for _ in range(3))
        print(f"status queries in-process: {1000 * q:.0f} ms, load {os.getloadavg()[0]:.1f}")
        for run in ("first (starts the embedded Redis)", "again"):
            wall, cpu = command(Path(tmp))
            print(f"budgetlens status, {run}: {wall:.2f} s wall, {cpu:.2f} CPU-s, "
                  f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
