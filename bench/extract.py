"""Benchmark: table extraction speed and accuracy on PDFs, side by side with pdfplumber.

    python -m bench.extract                       # samples/*.pdf + 20 synthetic PDFs
    python -m bench.extract --synth 100 --json out/bench.json

For each PDF, in the same run:
* ours: `read_pdf` (PyMuPDF, layout IR) + `extract_tables` → pages/s end to end, and the cost of
  `extract_tables` alone (ms/page);
* pdfplumber: `page.extract_tables()` on every page → pages/s.
Accuracy:
* keyed: numeric-cell accuracy of our canonical tables against the truth (golden files for the
  samples, the generator's answer for synthetic PDFs; worker/table_compare.py) — table key, row
  and column must be right too;
* cell recall, comparable across both tools: the share of the truth's numbers found among the
  numeric cells a tool returned for the document (a multiset match; says nothing of structure).
Golden tables marked `source_defect` are left out of sample accuracy (tests/test_tables_golden.py).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pymupdf

from worker.formats.pdf import read_pdf
from worker.numbers import parse
from worker.table_compare import GoldenTable, Score, compare, synth_truth, to_golden
from worker.tables import extract_tables

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"


@dataclass
class Run:
    name: str
    docs: int = 0
    pages: int = 0
    ours_s: float = 0.0  # read_pdf + extract_tables
    tables_s: float = 0.0  # extract_tables alone
    plumber_s: float = 0.0
    keyed: Score = field(default_factory=Score)
    ours_found: int = 0
    plumber_found: int = 0
    truth_cells: int = 0

    def row(self) -> dict[str, object]:
        p = max(self.pages, 1)
        t = max(self.truth_cells, 1)
        return {
            "set": self.name, "docs": self.docs, "pages": self.pages,
            "ours pages/s": round(self.pages / self.ours_s, 1) if self.ours_s else None,
            "extract_tables ms/page": round(1000 * self.tables_s / p, 3),
            "ours keyed acc": round(self.keyed.accuracy, 5),
            "ours cell recall": round(self.ours_found / t, 5),
            "pdfplumber pages/s": round(self.pages / self.plumber_s, 1) if self.plumber_s else None,
            "pdfplumber cell recall": round(self.plumber_found / t, 5),
        }  # fmt: skip


def measure(
    pdf: Path, truth: list[GoldenTable], run: Run, skip: frozenset[str] = frozenset()
) -> None:
    t0 = time.perf_counter()
    with pymupdf.open(pdf) as doc:
        pages = doc.page_count
        layout = read_pdf(doc)
    t1 = time.perf_counter()
    tables, _ = extract_tables(layout)
    t2 = time.perf_counter()
    with pdfplumber.open(pdf) as plumb:
        plumber_cells = [
            c for page in plumb.pages for t in page.extract_tables() for row in t for c in row
        ]
    t3 = time.perf_counter()
    ours = [t for t in to_golden(tables) if t["key"] not in skip]
    run.docs += 1
    run.pages += pages
    run.ours_s += t2 - t0
    run.tables_s += t2 - t1
    run.plumber_s += t3 - t2
    run.keyed.add(compare(truth, ours))
    wanted = Counter(Decimal(v) for t in truth for r in t["rows"] for v in r["values"].values())
    run.truth_cells += sum(wanted.values())
    run.ours_found += _found(
        wanted, [v for t in ours for r in t["rows"] for v in r["values"].values()]
    )
    run.plumber_found += _found(wanted, [c for c in plumber_cells if c])


def _found(wanted: Counter[Decimal], cells: list[str]) -> int:
    have = Counter(p.value for p in map(parse, cells) if p.numeric and p.value is not None)
    return sum(min(n, have[v]) for v, n in wanted.items())


def samples(folder: Path) -> Run:
    run = Run("samples")
    for pdf in sorted(folder.glob("*.pdf")):
        golden = GOLDEN / f"{pdf.stem}.json"
        if golden.exists():
            tables = json.loads(golden.read_text("utf-8"))["tables"]
            defects = frozenset(t["key"] for t in tables if t.get("source_defect"))
            measure(pdf, [t for t in tables if t["key"] not in defects], run, defects)
    return run


def synthetic(n: int, start: int) -> Run:
    from tools.render import RenderStyle, render_pdf
    from tools.synth import generate, to_blocks
    from tools.synth_layout import Variant

    styles = [
        RenderStyle(),
        RenderStyle(page_break_inside_tables=9),
        RenderStyle(page_break_inside_tables=6, repeat_header_on_continuation=False),
        RenderStyle(
            font_size=7.5, landscape="always", stretch_tables=False, title_on_continuation=True
        ),
    ]
    run = Run(f"synthetic ({len(styles)} PDF styles)")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(start, start + n):
            doc, variant = generate(seed), Variant.from_seed(seed)
            pdf = Path(tmp) / f"synth-{seed}.pdf"
            render_pdf(to_blocks(doc, variant), pdf, styles[seed % len(styles)])
            measure(pdf, synth_truth(doc.tables, variant.zero != ""), run)
    return run


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--samples", type=Path, default=ROOT / "samples")
    ap.add_argument(
        "--synth", type=int, default=20, help="synthetic PDFs to render and read (0: none)"
    )
    ap.add_argument("--start", type=int, default=5000, help="first synthetic seed")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    runs = [samples(args.samples)]
    if args.synth:
        runs.append(synthetic(args.synth, args.start))
    rows = [r.row() for r in runs]
    _print(rows)
    for r in runs:
        for m in r.keyed.mismatches[:10]:
            print(f"  [{r.name}] {m}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"runs": rows, "mismatches": {r.name: r.keyed.mismatches for r in runs}}
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))


def _print(rows: list[dict[str, object]]) -> None:
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]
    print(" | ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(r[k]).ljust(w) for k, w in zip(keys, widths, strict=True)))


if __name__ == "__main__":
    main()
