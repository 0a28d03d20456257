#!/usr/bin/env python3
"""Queue throughput: the bundled samples ×N (distinct bytes: the PDF metadata is varied) through
the real embedded Redis, RQ workers and SQLite store, with 1 and 2 workers.

    python bench/queue.py [--copies 100] [--workers 1 2]

Prints docs/min, pages/s and peak RSS per worker process (worker + its work horse)."""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and `queue.py` would shadow the
# standard library's `queue`; the repository root goes there instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import psutil  # noqa: E402
import pymupdf  # noqa: E402

from schemas import DocStatus  # noqa: E402
from worker.cli import TERMINAL, services  # noqa: E402
from worker.runtime.supervisor import Pool  # noqa: E402
from worker.services.submit import submit  # noqa: E402
from worker.settings import Settings  # noqa: E402


def make_copies(out: Path, copies: int) -> int:
    """Write `copies` variants of every sample PDF; returns the total page count."""
    pages = 0
    for sample in sorted((ROOT / "samples").glob("*.pdf")):
        original = sample.read_bytes()
        for i in range(copies):
            doc = pymupdf.open(stream=original, filetype="pdf")
            doc.set_metadata({"title": f"{sample.stem} copy {i}"})
            (out / f"{sample.stem}-{i:04d}.pdf").write_bytes(doc.tobytes())
            pages += doc.page_count
    return pages


class PeakRss:
    """Samples the RSS of each worker process tree every 50 ms."""

    def __init__(self, pids: list[int]) -> None:
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for pid in self.peak:
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(
                        c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                self.peak[pid] = max(self.peak[pid], rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(n_workers: int, copies: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "in"
        inbox.mkdir()
        pages = make_copies(inbox, copies)
        settings = Settings(data_dir=Path(tmp) / "data", redis_url=None, database_url=None)
        with services(settings) as sv:
            t0 = time.perf_counter()
            ids = submit([str(inbox)], sv.store, sv.queue, sv.settings).doc_ids
            t_submit = time.perf_counter() - t0
            pool = Pool(sv.settings, n_workers).start()
            with PeakRss([p.pid for p in pool.procs if p.pid]) as rss:
                while sum(sv.store.counts(ids)[s] for s in TERMINAL) < len(ids):
                    time.sleep(0.1)
            elapsed = time.perf_counter() - t0
            pool.stop()
            failed = sv.store.counts(ids)[DocStatus.failed]
    return {"workers": n_workers, "docs": len(ids), "pages": pages, "failed": failed,
            "submit_s": t_submit, "seconds": elapsed, "docs_per_min": len(ids) / elapsed * 60,
            "pages_per_s": pages / elapsed,
            "peak_rss_mb": max(rss.peak.values()) / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{'workers':>7} {'docs':>6} {'pages':>7} {'failed':>6} {'submit s':>8} {'total s':>8} "
          f"{'docs/min':>9} {'pages/s':>8} {'peak RSS/worker MB':>19}")
    for n in args.workers:
        r = run(n, args.copies)
        print(f"{r['workers']:>7} {r['docs']:>6} {r['pages']:>7} {r['failed']:>6} "
              f"{r['submit_s']:>8.1f} {r['seconds']:>8.1f} {r['docs_per_min']:>9.0f} "
              f"{r['pages_per_s']:>8.1f} {r['peak_rss_mb']:>19.0f}", flush=True)


if __name__ == "__main__":
    main()
