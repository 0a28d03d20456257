#!/usr/bin/env python3
"""Queue throughput, and where a job's time goes: the real embedded Redis, RQ workers and SQLite
store, against the pipeline in-process and pdfplumber's `extract_tables` alone, in one run.

    python bench/queue.py                              # digital PDFs, 1 worker
    python bench/queue.py --docs 5000 --workers 1 2 4  # generated small documents, at scale

Digital (default): every PDF of ../shared/realdocs and samples/ is read by pdfplumber
(`extract_tables` on every page), by `worker.pipeline.process` in-process (per stage), and
end to end through `budgetlens worker`'s pool with `--workers` (default 1); then the per-job
costs around the pipeline are measured one by one: forking a work horse, RQ's Redis round trips,
the store's reads and writes, JSON (de)serialization, and caches a cold work horse rebuilds.

Scale (`--docs N`): N small documents (tools/synth.py tables, rendered, 1–3 pages, distinct
bytes) through 1, 2 and 4 workers: docs/min, Redis memory per queued document, peak RSS per
worker (the worker and its work horse), documents lost (not finished) or duplicated (run
more than once), and the workers' CPU seconds per document (their work horses included): on a
shared machine docs/min says what this machine gave, docs per CPU-minute what a core gives.

Every figure comes with the load average: the machine may be shared. Wall-clock figures are
what a user waits; CPU figures (process time) are steadier on a busy machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and `queue.py` would shadow the
# standard library's `queue`; the repository root goes there instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import multiprocessing as mp  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import psutil  # noqa: E402
import pymupdf  # noqa: E402
from rq import SimpleWorker, Worker  # noqa: E402

from schemas import DocStatus  # noqa: E402
from worker.cli import TERMINAL, services  # noqa: E402
from worker.pipeline import Options, process  # noqa: E402
from worker.runtime.supervisor import Pool  # noqa: E402
from worker.services.submit import submit  # noqa: E402
from worker.settings import Settings  # noqa: E402
from worker.store import Store  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs"


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    """Wall and CPU (this process) seconds of the block."""
    out: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield out
    out["wall"], out["cpu"] = time.perf_counter() - wall, time.process_time() - cpu


# --- digital PDFs ------------------------------------------------------------------------------


def digital_pdfs() -> list[Path]:
    return sorted(REALDOCS.glob("*.pdf")) + sorted((ROOT / "samples").glob("*.pdf"))


def pdfplumber_alone(paths: list[Path]) -> dict[str, float]:
    import pdfplumber  # a dev dependency: only the benches use it

    with timer() as t:
        for path in paths:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_tables()
                    page.close()  # pdfplumber keeps every page's objects otherwise
    return t


def in_process(paths: list[Path]) -> tuple[dict[str, float], Counter[str], Counter[str]]:
    """The whole run's wall and CPU seconds, and the seconds per stage, wall and CPU."""
    options = Options.from_settings(Settings())
    stages: Counter[str] = Counter()
    cpu: Counter[str] = Counter()
    with timer() as t:
        for path in paths:
            outcome = process(path.read_bytes(), "pdf", path.stem, path.name, options)
            stages.update(outcome.stages)
            cpu.update(outcome.stages_cpu)
    return t, stages, cpu


def end_to_end(paths: list[Path], n_workers: int) -> dict[str, float]:
    """`paths` submitted to `n_workers` running workers and worked off: wall seconds from the
    submission to the last document done; the workers' CPU in that time (their work horses
    included); and the seconds of `process` each job measured (the store's `seconds`)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", redis_url=None, database_url=None)
        with services(settings) as sv:
            pool, procs = _ready_pool(sv.settings, sv.queue.connection, n_workers)
            cpu = sum(_tree_cpu(p) for p in procs)
            start = time.perf_counter()
            with PeakRss(procs) as rss:
                ids = submit([str(p) for p in paths], sv.store, sv.queue, sv.settings).doc_ids
                _wait(sv.store, ids)
            wall = time.perf_counter() - start
            cpu = sum(_tree_cpu(p) for p in procs) - cpu
            pool.stop()
            records = sv.store.list(doc_ids=ids)
    return {"wall": wall, "cpu": cpu, "docs": len(ids),
            "pages": sum(r.pages or 0 for r in records),
            "process": sum(r.seconds or 0.0 for r in records),
            "peak_rss_mb": max(rss.peak.values(), default=0) / 2**20}


def _ready_pool(settings: Settings, conn: object, n: int) -> tuple[Pool, list[psutil.Process]]:
    """`n` workers started and registered in Redis (imports done: startup is not measured)."""
    pool = Pool(settings, n).start()
    deadline = time.monotonic() + 600
    while len(Worker.all(connection=conn)) < n:  # type: ignore[arg-type]
        if time.monotonic() > deadline:
            raise TimeoutError("the workers did not start within 600 s")
        time.sleep(0.1)
    return pool, [psutil.Process(p.pid) for p in pool.procs if p.pid]


def _tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of a worker and of its work horses (exited ones count once reaped)."""
    try:
        t = proc.cpu_times()
        live = sum(c.cpu_times().user + c.cpu_times().system for c in proc.children(True))
    except psutil.Error:
        return 0.0
    return t.user + t.system + t.children_user + t.children_system + live


def _wait(store: Store, ids: list[str], timeout: float = 4 * 3600) -> None:
    deadline = time.monotonic() + timeout
    while sum(store.counts(ids)[s] for s in TERMINAL) < len(ids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"documents still not done after {timeout:.0f} s")
        time.sleep(0.1)


# --- per-job costs around the pipeline, one by one ---------------------------------------------


def fork_cost(n: int = 20) -> float:
    """Seconds to fork this process (pipeline imported and warm, as a worker is) and reap the
    child: what RQ pays for a work horse per job, before the job does anything."""
    start = time.perf_counter()
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    return (time.perf_counter() - start) / n


def redis_cost(n: int = 50) -> dict[str, float]:
    """Seconds per job of RQ's bookkeeping in Redis (enqueue, dequeue, start, finish: a no-op
    job run by RQ's non-forking SimpleWorker), and that plus a work horse (its forking Worker)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", redis_url=None, database_url=None)
        with services(settings) as sv:
            for name, cls in (("rq", SimpleWorker), ("rq+fork", Worker)):
                for _ in range(n):
                    sv.queue.enqueue("os.getpid", result_ttl=60)
                worker = cls([sv.queue], connection=sv.queue.connection)
                start = time.perf_counter()
                worker.work(burst=True, logging_level="WARNING")
                out[name] = (time.perf_counter() - start) / n
    return out


def store_cost(paths: list[Path]) -> dict[str, float]:
    """Seconds per document of what `process_document` asks of the store around the pipeline
    (get, previous result, audit, mark_running, save_result), and of the JSON (de)serialization
    of the result inside those calls, on SQLite."""
    options = Options.from_settings(Settings())
    outcomes = [process(p.read_bytes(), "pdf", p.stem, p.name, options) for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/store.db", Path(tmp) / "blobs")
        ids = [store.add_document(p.read_bytes(), p.name, "pdf")[0] for p in paths]
        with timer() as writes:
            for doc_id, outcome in zip(ids, outcomes, strict=True):
                outcome.document.doc_id = doc_id
                store.get(doc_id)
                store.load_result(doc_id)
                store.audit(doc_id)
                store.mark_running(doc_id)
                store.save_result(outcome.document, outcome.findings, outcome.status, 1.0)
        with timer() as rerun:  # a re-run loads the previous result (the jobs carry reviews)
            for doc_id in ids:
                store.load_result(doc_id)
    with timer() as dumps:
        for outcome in outcomes:
            outcome.document.model_dump_json()
            "[" + ",".join(f.model_dump_json() for f in outcome.findings) + "]"
    n = len(paths)
    return {"store": writes["wall"] / n, "serialize": dumps["wall"] / n,
            "load_previous": rerun["wall"] / n}


def cold_cache_cost(paths: list[Path]) -> float:
    """CPU seconds per document a work horse forked from a worker that never warmed up spends
    more than one forked from a warmed worker (worker/runtime/warm.py): the per-process caches
    (reference YAML, compiled patterns, rule catalogue) a cold horse builds and throws away."""
    ctx = mp.get_context("spawn")  # a fresh interpreter: nothing cached yet
    with ctx.Pool(1) as pool:
        return pool.apply(_cold_minus_warm, ([str(p) for p in paths],)) / len(paths)


def _cold_minus_warm(paths: list[str]) -> float:
    import worker.runtime.jobs  # noqa: F401 - what a worker has imported before its first job
    from worker.runtime.warm import warm

    def in_horse() -> float:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            start = time.process_time()
            for path in paths:
                process(Path(path).read_bytes(), "pdf", "x", "x.pdf")
            os.write(write, f"{time.process_time() - start}".encode())
            os._exit(0)
        os.waitpid(pid, 0)
        os.close(write)
        return float(os.read(read, 64).decode())

    cold = in_horse()
    warm()
    return cold - in_horse()


PARTS = ("pdfplumber", "in-process", "end-to-end", "around")


def digital(n_workers: int, parts: tuple[str, ...] = PARTS) -> None:
    """The parts asked for (all by default; the × pdfplumber figure needs both of its runs)."""
    paths = digital_pdfs()
    pages = sum(pymupdf.open(p).page_count for p in paths)
    print(f"{len(paths)} digital PDFs, {pages} pages ({REALDOCS.name} + samples)\n")
    plumber = None
    if "pdfplumber" in parts:
        plumber = pdfplumber_alone(paths)
        print(f"pdfplumber extract_tables alone: {pages / plumber['wall']:7.1f} pages/s "
              f"({pages / plumber['cpu']:.1f} per CPU-s), {load()}")
    if "in-process" in parts:
        inproc, stages, cpu = in_process(paths)
        print(f"pipeline in-process:             {pages / inproc['wall']:7.1f} pages/s "
              f"({pages / inproc['cpu']:.1f} per CPU-s), {load()}")
        print("  per stage, ms/page wall: " + ", ".join(
            f"{s} {1000 * v / pages:.2f}" for s, v in stages.items()))
        print("  per stage, CPU ms/page:  " + ", ".join(
            f"{s} {1000 * v / pages:.2f}" for s, v in cpu.items()))
    if "end-to-end" in parts:
        _end_to_end_report(paths, pages, n_workers, plumber)
    if "around" in parts:
        _around_report(paths)


def _end_to_end_report(paths: list[Path], pages: int, n_workers: int,
                       plumber: dict[str, float] | None) -> None:
    e2e = end_to_end(paths, n_workers)
    rate = pages / e2e["wall"]
    versus = f"{rate * plumber['wall'] / pages:.2f}× pdfplumber; " if plumber else ""
    print(f"end to end, {n_workers} worker(s):        {rate:7.1f} pages/s "
          f"({pages / e2e['cpu']:.1f} per worker CPU-s), {load()}; "
          f"{versus}peak RSS/worker {e2e['peak_rss_mb']:.0f} MB")
    docs = e2e["docs"]
    per_job = (e2e["wall"] * n_workers - e2e["process"]) / docs
    print(f"  per job: {1000 * e2e['wall'] * n_workers / docs:.0f} ms of a worker, of which "
          f"process() {1000 * e2e['process'] / docs:.0f} ms and around it {1000 * per_job:.0f} ms; "
          f"{1000 * e2e['cpu'] / docs:.0f} ms of worker CPU")


def _around_report(paths: list[Path]) -> None:
    fork = fork_cost()
    rq = redis_cost()
    st = store_cost(paths)
    cold = cold_cache_cost(paths[:8])
    print(f"  around the pipeline, ms per job ({load()}): fork {1000 * fork:.1f}; "
          f"RQ + Redis {1000 * rq['rq']:.1f} (with its work horse {1000 * rq['rq+fork']:.1f}); "
          f"store reads + writes {1000 * st['store']:.1f} (of which JSON serialization "
          f"{1000 * st['serialize']:.1f}; a re-run's load of its previous result "
          f"{1000 * st['load_previous']:.1f}); "
          f"caches a work horse of an unwarmed worker rebuilds {1000 * cold:.0f} (CPU)")


# --- at scale -------------------------------------------------------------------------------


def make_small_docs(out: Path, n: int, distinct: int = 40) -> int:
    """`n` small PDFs: `distinct` synthetic documents (tools/synth.py), each cut to its title,
    first narrative paragraphs and first table(s) (1–3 pages), copied with varied metadata so
    every file has its own bytes. Returns the page count."""
    from tools.render import render_pdf
    from tools.synth import generate, to_blocks
    from worker.layout import TableBlock

    bases = []
    for seed in range(distinct):
        blocks = to_blocks(generate(seed), seed)
        first = next(i for i, b in enumerate(blocks) if isinstance(b, TableBlock))
        path = out / f"base-{seed}.pdf"
        render_pdf(blocks[: first + 2], path)
        bases.append(path.read_bytes())
        path.unlink()
    pages = 0
    for i in range(n):
        doc = pymupdf.open(stream=bases[i % distinct], filetype="pdf")
        doc.set_metadata({"title": f"small {i}", "subject": f"{random.random()}"})
        (out / f"doc-{i:05d}.pdf").write_bytes(doc.tobytes())
        pages += doc.page_count
    return pages


@dataclass
class PeakRss:
    """Samples the RSS of each worker process tree (the worker + its work horse) every 50 ms."""

    procs: list[psutil.Process]
    peak: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for proc in self.procs:
                try:
                    rss = proc.memory_info().rss + sum(
                        c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                self.peak[proc.pid] = max(self.peak.get(proc.pid, 0), rss)

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def at_scale(inbox: Path, pages: int, n_workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", redis_url=None, database_url=None)
        with services(settings) as sv:
            redis = sv.queue.connection
            before = int(redis.info("memory")["used_memory"])
            with timer() as sub:
                ids = submit([str(inbox)], sv.store, sv.queue, sv.settings).doc_ids
            per_doc = (int(redis.info("memory")["used_memory"]) - before) / max(1, len(ids))
            pool, procs = _ready_pool(sv.settings, redis, n_workers)
            cpu = sum(_tree_cpu(p) for p in procs)
            start = time.perf_counter()
            with PeakRss(procs) as rss:
                _wait(sv.store, ids)
            wall = time.perf_counter() - start
            cpu = sum(_tree_cpu(p) for p in procs) - cpu
            # before stopping the pool: Pool.stop ends every child process of this one that is
            # left, the embedded Redis included
            left = sv.queue.count + sv.queue.failed_job_registry.count
            pool.stop()
            records = sv.store.list(doc_ids=ids)
    status = Counter(r.status for r in records)
    return {"workers": n_workers, "docs": len(ids), "pages": pages, "submit_s": sub["wall"],
            "seconds": wall, "docs_per_min": len(ids) / wall * 60, "pages_per_s": pages / wall,
            "cpu_per_doc": cpu / max(1, len(ids)),
            "redis_kb_per_doc": per_doc / 1024,
            "peak_rss_mb": max(rss.peak.values(), default=0) / 2**20,
            "failed": status[DocStatus.failed],
            "lost": len(ids) - sum(status[s] for s in TERMINAL) + left,
            "duplicated": sum(1 for r in records if r.attempts > 1)}


def scale(n_docs: int, workers: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp)
        with timer() as made:
            pages = make_small_docs(inbox, n_docs)
        print(f"{n_docs} generated documents, {pages} pages ({made['wall']:.0f} s to make)")
        head = (f"{'workers':>7} {'docs':>6} {'pages':>6} {'submit s':>8} {'total s':>8} "
                f"{'docs/min':>8} {'pages/s':>7} {'Redis KB/doc':>12} {'peak RSS/worker MB':>18} "
                f"{'failed':>6} {'lost':>4} {'dup':>4} {'CPU-s/doc':>9} {'docs/CPU-min':>12}  load")
        print(head)
        for n in workers:
            r = at_scale(inbox, pages, n)
            print(f"{n:>7} {r['docs']:>6} {pages:>6} {r['submit_s']:>8.1f} {r['seconds']:>8.1f} "
                  f"{r['docs_per_min']:>8.0f} {r['pages_per_s']:>7.1f} "
                  f"{r['redis_kb_per_doc']:>12.2f} {r['peak_rss_mb']:>18.0f} {r['failed']:>6} "
                  f"{r['lost']:>4} {r['duplicated']:>4} {r['cpu_per_doc']:>9.3f} "
                  f"{60 / max(r['cpu_per_doc'], 1e-9):>12.0f}  {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, help="generated small documents (scale mode)")
    parser.add_argument("--workers", type=int, nargs="+", help="worker counts (default 1; "
                        "with --docs: 1 2 4)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="digital mode: the parts to run (default all)")
    args = parser.parse_args()
    if args.docs:
        scale(args.docs, args.workers or [1, 2, 4])
    else:
        digital((args.workers or [1])[0], tuple(args.parts))


if __name__ == "__main__":
    main()
