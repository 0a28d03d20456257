"""Benchmark: table extraction speed and accuracy on PDFs, side by side with pdfplumber.

    python -m bench.extract                       # samples/*.pdf + 20 synthetic PDFs
    python -m bench.extract --synth 100 --json out/bench.json
    python -m bench.extract --rulings all --no-plumber   # per ruling style, seeds re-rendered too

For each PDF, in the same run:
* ours: `read_pdf` (PyMuPDF, layout IR) + `extract_tables` → pages/s end to end, and the cost of
  `extract_tables` alone (ms/page);
* pdfplumber: `page.extract_tables()` on every page → pages/s.
Accuracy:
* keyed: numeric-cell accuracy of our canonical tables against the truth (golden files for the
  samples, the generator's answer for synthetic PDFs; worker/tables/compare.py) — table key, row
  and column must be right too;
* cell recall, comparable across both tools: the share of the truth's numbers found among the
  numeric cells a tool returned for the document (a multiset match; says nothing of structure).
Golden tables marked `source_defect` are left out of sample accuracy (tests/tables/test_tables_golden.py).

Ruling styles (`--rulings grid,horizontal,three_line,none` or `all`): the synthetic set is rendered
once per ruling style (the other style knobs vary by seed as usual), and the seed texts
(`samples/*.txt`, golden files as truth) are re-rendered in each style too — real documents come
with full grids, horizontal rules only, three-line tables or no rules at all.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from worker.tables import extract_tables
from worker.tables.compare import GoldenTable, Score, compare, synth_truth, to_golden
from worker.tables.numbers import parse

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"


@dataclass
class Run:
    name: str
    docs: int = 0
    pages: int = 0
    ours_s: float = 0.0  # read_pdf + extract_tables
    ours_cpu: float = 0.0  # the same in CPU time (stable on a busy machine)
    tables_s: float = 0.0  # extract_tables alone
    plumber_s: float = 0.0
    keyed: Score = field(default_factory=Score)
    ours_found: int = 0
    plumber_found: int = 0
    truth_cells: int = 0
    crashes: int = 0  # documents the reader failed on (counted as extracting nothing)

    def row(self) -> dict[str, object]:
        p = max(self.pages, 1)
        t = max(self.truth_cells, 1)
        return {
            "set": self.name, "docs": self.docs, "pages": self.pages,
            "ours pages/s": round(self.pages / self.ours_s, 1) if self.ours_s else None,
            "cpu pages/s": round(self.pages / self.ours_cpu, 1) if self.ours_cpu else None,
            "extract_tables ms/page": round(1000 * self.tables_s / p, 3),
            "ours keyed acc": round(self.keyed.accuracy, 5),
            "crashes": self.crashes,
            "ours cell recall": round(self.ours_found / t, 5),
            "pdfplumber pages/s": round(self.pages / self.plumber_s, 1) if self.plumber_s else None,
            "pdfplumber cell recall": round(self.plumber_found / t, 5) if self.plumber_s else None,
        }  # fmt: skip


def measure(
    pdf: Path,
    truth: list[GoldenTable],
    run: Run,
    skip: frozenset[str] = frozenset(),
    plumber: bool = True,
) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    with pymupdf.open(pdf) as doc:
        pages = doc.page_count
        try:  # a reader crash is a wrong document, not a stopped benchmark
            layout = read_pdf(doc)
            t1 = time.perf_counter()
            tables, _ = extract_tables(layout)
        except Exception as exc:
            t1, tables = time.perf_counter(), []
            run.crashes += 1
            run.keyed.mismatches.append(f"{pdf.name}: crashed: {exc!r}")
    t2, c2 = time.perf_counter(), time.process_time()
    plumber_cells = _plumber_cells(pdf) if plumber else []
    t3 = time.perf_counter()
    ours = [t for t in to_golden(tables) if t["key"] not in skip]
    run.docs += 1
    run.pages += pages
    run.ours_s += t2 - t0
    run.ours_cpu += c2 - c0
    run.tables_s += t2 - t1
    run.plumber_s += t3 - t2 if plumber else 0.0
    run.keyed.add(compare(truth, ours))
    wanted = Counter(Decimal(v) for t in truth for r in t["rows"] for v in r["values"].values())
    run.truth_cells += sum(wanted.values())
    run.ours_found += _found(
        wanted, [v for t in ours for r in t["rows"] for v in r["values"].values()]
    )
    run.plumber_found += _found(wanted, [c for c in plumber_cells if c])


def _plumber_cells(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as plumb:
        return [c for page in plumb.pages for t in page.extract_tables() for row in t for c in row]


def _found(wanted: Counter[Decimal], cells: list[str]) -> int:
    have = Counter(p.value for p in map(parse, cells) if p.numeric and p.value is not None)
    return sum(min(n, have[v]) for v, n in wanted.items())


def _golden(stem: str) -> tuple[list[GoldenTable], frozenset[str]] | None:
    golden = GOLDEN / f"{stem}.json"
    if not golden.exists():
        return None
    tables = json.loads(golden.read_text("utf-8"))["tables"]
    defects = frozenset(t["key"] for t in tables if t.get("source_defect"))
    return [t for t in tables if t["key"] not in defects], defects


def samples(folder: Path, plumber: bool = True) -> Run:
    run = Run("samples")
    for pdf in sorted(folder.glob("*.pdf")):
        truth = _golden(pdf.stem)
        if truth is not None:
            measure(pdf, truth[0], run, truth[1], plumber)
    return run


def seeds(folder: Path, ruling: str, plumber: bool = True) -> Run:
    """The seed texts re-rendered with another ruling style; truth: their golden files."""
    from tools.make_samples import sample_blocks
    from tools.render import RenderStyle, render_pdf

    run = Run(f"seeds {ruling}")
    with tempfile.TemporaryDirectory() as tmp:
        for text in sorted(folder.glob("*.txt")):
            truth = _golden(text.stem)
            if truth is None:
                continue
            pdf = Path(tmp) / f"{text.stem}.pdf"
            render_pdf(sample_blocks(text.read_text("utf-8")), pdf, RenderStyle(ruling=ruling))  # type: ignore[arg-type]
            measure(pdf, truth[0], run, truth[1], plumber)
    return run


def synthetic(n: int, start: int, ruling: str | None = None, plumber: bool = True) -> Run:
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
    if ruling is not None:
        styles = [dataclasses.replace(s, ruling=ruling) for s in styles]  # type: ignore[arg-type]
    name = f"synthetic {ruling}" if ruling else f"synthetic ({len(styles)} PDF styles)"
    run = Run(name)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(start, start + n):
            doc, variant = generate(seed), Variant.from_seed(seed)
            pdf = Path(tmp) / f"synth-{seed}.pdf"
            render_pdf(to_blocks(doc, variant), pdf, styles[seed % len(styles)])
            before = len(run.keyed.mismatches)
            measure(pdf, synth_truth(doc.tables, variant.zero != ""), run, plumber=plumber)
            for k in range(before, len(run.keyed.mismatches)):
                run.keyed.mismatches[k] = f"seed {seed}: {run.keyed.mismatches[k]}"
    return run


RULINGS = ("grid", "horizontal", "three_line", "none")


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
    ap.add_argument(
        "--rulings",
        default="",
        help="comma-separated ruling styles (grid,horizontal,three_line,none) or 'all': "
        "render the synthetic set and the seeds once per style",
    )
    ap.add_argument("--seeds", type=Path, default=ROOT / "samples", help="folder of seed .txt")
    ap.add_argument("--no-plumber", action="store_true", help="skip the pdfplumber comparison")
    ap.add_argument("--show", type=int, default=10, help="mismatches to print per set")
    args = ap.parse_args()
    plumber = not args.no_plumber
    rulings = RULINGS if args.rulings == "all" else [r for r in args.rulings.split(",") if r]
    runs = [samples(args.samples, plumber)]
    if args.synth and not rulings:
        runs.append(synthetic(args.synth, args.start, plumber=plumber))
    for ruling in rulings:
        runs.append(seeds(args.seeds, ruling, plumber))
        if args.synth:
            runs.append(synthetic(args.synth, args.start, ruling, plumber))
    rows = [r.row() for r in runs]
    _print(rows)
    for r in runs:
        for m in r.keyed.mismatches[: args.show]:
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
