"""Benchmark: workbooks through the pipeline, in-process, beside the DOCX and PDF of the same
seeds (tools/render_xlsx.py builds the workbooks: a sheet per table).

    python -m bench.sheets [--repeat 5]

Prints per format: documents/s and pages/s (a workbook's pages are its sheets; a DOCX is one
page, so compare docs/s) and the CPU seconds of load + chunk (the reader) per document.
"""

from __future__ import annotations

import argparse
import time

from tests.support.samples import NAMES, SAMPLES
from tests.support.workbooks import seed_workbook
from worker.pipeline import process

SEEDS = ["000", "001", "002", "003"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    docs = {
        "xlsx": [seed_workbook(s, "xlsx") for s in SEEDS],
        "xls": [seed_workbook(s, "xls") for s in SEEDS],
        "docx": [(SAMPLES / f"{NAMES[s]}.docx").read_bytes() for s in SEEDS],
        "pdf": [(SAMPLES / f"{NAMES[s]}.pdf").read_bytes() for s in SEEDS],
    }
    print(f"{'format':6} {'docs':>5} {'pages':>6} {'docs/s':>8} {'pages/s':>8} "
          f"{'reader CPU-ms/doc':>18}")
    for kind, datas in docs.items():
        pages, reader, start = 0, 0.0, time.perf_counter()
        for _ in range(args.repeat):
            for data in datas:
                outcome = process(data, kind, "d", f"d.{kind}")
                pages += outcome.document.pages
                reader += outcome.stages_cpu["load"] + outcome.stages_cpu["chunk"]
        took, n = time.perf_counter() - start, len(datas) * args.repeat
        print(f"{kind:6} {n:5} {pages:6} {n / took:8.1f} {pages / took:8.1f} "
              f"{reader / n * 1000:18.1f}")


if __name__ == "__main__":
    main()
