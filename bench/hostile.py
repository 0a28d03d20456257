"""Hostile and runaway documents through the pipeline, as a worker reads them: each in a fresh
process under the job's memory cap (BUDGETLENS_JOB_MEMORY_MB, as worker/runtime/jobs.py sets
it), printing wall time, peak RSS and the outcome (the reason, or what was read).

    python bench/hostile.py                  # zip bombs (1 GB honest and lying) + narrative
    python bench/hostile.py --kb 30 60 120   # narrative: TXT / DOCX of KB text without 。
    python bench/hostile.py --code ../main   # the same cases read by another checkout's code

Cases: a DOCX whose word/document.xml inflates to 1 GB (4.5 MB file) with an honest header,
the same with a lying one (declares 1 KB), a DOCX with 20,000 entries, a DOCX table cell
spanning 5e7 columns, XLSX bombs (1 GB, honest and lying), an XLSX of 2.2M cells and one whose
20,000 cells span a 10⁸-position grid, and TXT / DOCX of narrative prose without a sentence end
(with the size of the result the store writes). Peak RSS includes the ~200 MB the imports take.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_CHILD = """
import json, resource, sys, time
from worker.errors import DocumentRejected
from worker.pipeline import process
from worker.runtime.failures import content_failure, memory_cap
from worker.settings import Settings
path, kind, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
settings = Settings.model_construct(job_memory_mb=mb, job_timeout_s=600)
start = time.perf_counter()
try:
    with memory_cap(mb):
        outcome = process(data, kind, "d", path)
    stored = len(outcome.document.model_dump_json()) / 2**20
    result = f"read: {len(outcome.document.narrative)} narrative figures, result {stored:.1f} MB"
except Exception as exc:
    result = "failed: " + (content_failure(exc, settings) or f"{type(exc).__name__}: {exc}")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"s": time.perf_counter() - start, "mb": peak, "result": result}))
"""


def run(data: bytes, kind: str, memory_mb: int, code: Path = ROOT) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, outcome) of reading `data` in a fresh process running the
    checkout `code` (compare two: --code /path/to/main)."""
    with tempfile.NamedTemporaryFile(suffix=f".{kind}") as f:
        f.write(data)
        f.flush()
        out = subprocess.run([sys.executable, "-c", _CHILD, f.name, kind, str(memory_mb)],
                             capture_output=True, text=True, cwd=code)
    if out.returncode:
        return float("nan"), float("nan"), f"died ({out.returncode}): {out.stderr[-300:]}"
    res = json.loads(out.stdout.splitlines()[-1])
    return res["s"], res["mb"], res["result"]


def main() -> None:
    from tests.support.hostile import (
        docx_bomb,
        grid_span_docx,
        many_entries_docx,
        run_on_docx,
        run_on_text,
    )
    from tests.support.workbooks import many_cells_xlsx, sparse_xlsx, xlsx_bomb

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, nargs="*", default=[30, 60, 120])
    ap.add_argument("--memory-mb", type=int, default=3072, help="the job's memory cap")
    ap.add_argument("--no-bombs", action="store_true")
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code reads")
    args = ap.parse_args()
    cases: list[tuple[str, bytes, str]] = []
    if not args.no_bombs:
        cases += [("DOCX bomb 1 GB document.xml", docx_bomb(1024), "docx"),
                  ("DOCX bomb 1 GB, header says 1 KB", docx_bomb(1024, lie=True), "docx"),
                  ("DOCX with 20,000 entries", many_entries_docx(20_000), "docx"),
                  ("DOCX table, a cell spans 5e7 columns", grid_span_docx(50_000_000), "docx"),
                  ("XLSX bomb 1 GB sheet XML", xlsx_bomb(1024), "xlsx"),
                  ("XLSX bomb 1 GB, header says 1 KB", xlsx_bomb(1024, lie=True), "xlsx"),
                  ("XLSX 2.2M cells", many_cells_xlsx(2_000, 1_100), "xlsx"),
                  ("XLSX 20,000 cells on a diagonal", sparse_xlsx(10_000), "xlsx")]
    for kb in args.kb:
        cases += [(f"TXT {kb} KB without 。", run_on_text(kb).encode(), "txt"),
                  (f"DOCX {kb} KB text without 。", run_on_docx(kb), "docx")]
    print(f"{'case':36} {'file':>9} {'seconds':>8} {'peak RSS':>9}  outcome")
    for name, data, kind in cases:
        seconds, peak, result = run(data, kind, args.memory_mb, args.code)
        print(f"{name:36} {len(data) / 2**20:7.2f}MB {seconds:8.3f} {peak:7.0f}MB  {result[:110]}",
              flush=True)


if __name__ == "__main__":
    main()
