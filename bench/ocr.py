"""OCR bench: seconds per page and numeric-cell accuracy, digital vs scanned, per engine.

    python bench/ocr.py                       # samples/*.pdf if any, else synthetic tables
    python bench/ocr.py --pages 6 --engines rapidocr,tesseract --json out/ocr_bench.json

Ground truth is the digital text layer: every numeric word of the original page (691.05,
1,234.56, 2013701 …) must come back from OCR with exactly the same text, from an OCR word
overlapping its box (IoU ≥ 0.2). Conditions: the digital page rendered as is ("digital"),
and tools/scan.py copies ("scan200": 200 dpi, tilted ±0.5–1.5°, noise, JPEG 60; "scan150";
"rough150": 150 dpi, heavier blur, noise and dust, JPEG 35, tilt up to 2.5°).
"scan200-nodeskew" runs the same scan without the deskew step, to show what it buys.
CPU seconds include the engine's child processes (Tesseract); wall seconds depend on how
busy the machine is, CPU seconds much less.

`--pipeline` measures the whole path instead (worker/ocr_layer.py: OCR, rebuild, read_pdf,
extract_tables): for each sample, the pages of its first `--tables` tables are cut out,
scanned, and the numeric cells of the golden tables the digital cut reads whole are scored
(worker/table_compare.py), with chunk-stage seconds per page.
"""

from __future__ import annotations

import argparse
import glob
import json
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.ocr_testpdf import make_table_pdf, numeric_truth, score
from tools.scan import ScanStyle, scan_pdf
from worker.ocr import assess_page, get_engine, ocr_page
from worker.ocr_layer import read_pdf_ocr
from worker.table_compare import compare, compare_table, to_golden
from worker.tables import extract_tables

CONDITIONS = {
    "digital": None,
    "scan200": ScanStyle(dpi=200),
    "scan150": ScanStyle(dpi=150, jpeg_quality=50),
    # Beyond the target: a worn copy of a copy.
    "rough150": ScanStyle(dpi=150, blur=1.0, noise=16, specks=1e-3, jpeg_quality=35, max_angle=2.5),
}


@dataclass
class Row:
    engine: str
    condition: str
    pages: int
    numbers: int
    right: int
    extra: int
    mean_iou: float
    wall_s_per_page: float
    cpu_s_per_page: float

    @property
    def accuracy(self) -> float:
        return self.right / self.numbers if self.numbers else 1.0


def cpu_seconds() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def load_pages(pattern: str, pages: int, seed: int) -> pymupdf.Document:
    """The most number-dense pages of the bundled samples, taken in turn from each file;
    synthetic table pages when there are no samples."""
    ranked = []
    for path in sorted(glob.glob(pattern)):
        src = pymupdf.open(path)
        dense = sorted(
            (p for p in src if len(numeric_truth(p)) >= 20), key=lambda p: -len(numeric_truth(p))
        )
        ranked.append((src, [p.number for p in dense]))
    out = pymupdf.open()
    while len(out) < pages and any(numbers for _, numbers in ranked):
        for src, numbers in ranked:
            if numbers and len(out) < pages:
                n = numbers.pop(0)
                out.insert_pdf(src, from_page=n, to_page=n)
    return out if len(out) else make_table_pdf(pages, seed)


def run(engine: str, condition: str, original: pymupdf.Document, seed: int) -> Row:
    deskew = not condition.endswith("-nodeskew")
    style = CONDITIONS[condition.removesuffix("-nodeskew")]
    doc = original if style is None else scan_pdf(original, style, seed=seed)[0]
    get_engine(engine)  # load models outside the timing
    totals = {"numbers": 0, "right": 0, "extra": 0}
    ious: list[float] = []
    wall, cpu = time.perf_counter(), cpu_seconds()
    for page, orig in zip(doc, original, strict=True):
        s = score(numeric_truth(orig), ocr_page(page, engine=engine, deskew=deskew))
        totals["numbers"] += s.truth
        totals["right"] += s.right
        totals["extra"] += s.extra
        ious += [s.mean_iou] * s.right
    n = len(doc)
    return Row(
        engine,
        condition,
        n,
        totals["numbers"],
        totals["right"],
        totals["extra"],
        statistics.fmean(ious) if ious else 0.0,
        (time.perf_counter() - wall) / n,
        (cpu_seconds() - cpu) / n,
    )


def assess_timing(doc: pymupdf.Document, repeat: int = 20) -> dict[str, float]:
    """assess_page on good pages: median and worst of per-page medians, in ms."""
    medians = []
    for page in doc:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            assess_page(page)
            times.append((time.perf_counter() - t) * 1000)
        medians.append(statistics.median(times))
    return {"median_ms": statistics.median(medians), "max_ms": max(medians)}


def pipeline(pattern: str, tables: int, conditions: list[str], seed: int) -> None:
    """Golden numeric-cell accuracy and s/page through chunk + extract_tables, per condition."""
    print("| sample | condition | pages | numbers | right | accuracy | s/page |")
    print("|---" * 7 + "|")
    for path in sorted(glob.glob(pattern)):
        golden_path = Path("tests/data/golden") / (Path(path).stem + ".json")
        if not golden_path.exists():
            continue
        src = pymupdf.open(path)
        found = extract_tables(read_pdf_ocr(src))[0]
        pages = sorted({v.page for t in found[:tables] for r in t.rows for v in r.values.values()})
        if not pages:
            print(f"| {Path(path).stem[:3]} | no tables found | | | | | |")
            continue
        cut = pymupdf.open()
        cut.insert_pdf(src, from_page=pages[0] - 1, to_page=pages[-1] - 1)
        golden = json.loads(golden_path.read_text(encoding="utf-8"))["tables"]
        digital = to_golden(extract_tables(read_pdf_ocr(cut))[0])
        whole = [
            e
            for e in golden
            if any(a["key"] == e["key"] and compare_table(e, a).accuracy == 1.0 for a in digital)
        ]
        for condition in conditions:
            style = CONDITIONS[condition]
            doc = cut if style is None else scan_pdf(cut, style, seed=seed)[0]
            t = time.perf_counter()
            got = to_golden(extract_tables(read_pdf_ocr(doc))[0])
            per_page = (time.perf_counter() - t) / len(doc)
            sc = compare(whole, [a for a in got if a["key"] in {e["key"] for e in whole}])
            cells = [
                Path(path).stem[:3],
                condition,
                len(doc),
                sc.expected_cells,
                sc.correct,
                f"{sc.accuracy:.2%}",
                f"{per_page:.2f}",
            ]
            print("| " + " | ".join(map(str, cells)) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default="samples/*.pdf")
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    ap.add_argument("--conditions", default="digital,scan200,scan150,rough150,scan200-nodeskew")
    ap.add_argument("--json", help="write the rows here too")
    ap.add_argument("--pipeline", action="store_true", help="golden tables through chunk")
    ap.add_argument("--tables", type=int, default=3, help="--pipeline: tables per sample")
    args = ap.parse_args()
    if args.pipeline:
        conditions = [c for c in args.conditions.split(",") if c in CONDITIONS]
        pipeline(args.samples, args.tables, conditions, args.seed)
        return
    original = load_pages(args.samples, args.pages, args.seed)
    print(f"{len(original)} pages; assess_page on them: {assess_timing(original)}")
    head = "engine condition pages numbers exact accuracy invented IoU wall_s/page CPU_s/page"
    print("| " + " | ".join(head.split()) + " |")
    print("|---" * len(head.split()) + "|")
    rows = []
    for engine in args.engines.split(","):
        for condition in args.conditions.split(","):
            r = run(engine, condition, original, args.seed)
            rows.append(r)
            cells = [
                r.engine,
                r.condition,
                r.pages,
                r.numbers,
                r.right,
                f"{r.accuracy:.2%}",
                r.extra,
            ]
            cells += [f"{r.mean_iou:.2f}", f"{r.wall_s_per_page:.1f}", f"{r.cpu_s_per_page:.1f}"]
            print("| " + " | ".join(map(str, cells)) + " |", flush=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(
            json.dumps([asdict(r) | {"accuracy": r.accuracy} for r in rows], indent=1)
        )


if __name__ == "__main__":
    main()
