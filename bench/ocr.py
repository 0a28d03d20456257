"""OCR bench: seconds per page and numeric-cell accuracy, digital vs scanned, per engine.

    python bench/ocr.py                       # samples/*.pdf if any, else synthetic tables
    python bench/ocr.py --pages 6 --engines rapidocr,tesseract --json out/ocr_bench.json
    python bench/ocr.py --samples none --pages 3 --engines rapidocr --conditions scan200
    python bench/ocr.py ... --runtime onnxruntime   # RapidOCR's models on onnxruntime, not OpenVINO

The last reads the synthetic pages (tools/ocr_testpdf.py: portrait 9 pt, landscape 8 pt and a
dense 元 page, ~180 amounts each): the worst case for OCR time, most of it recognition.

Ground truth is the digital text layer: every numeric word of the original page (691.05,
1,234.56, 2013701 …) must come back from OCR with exactly the same text, from an OCR word
overlapping its box (IoU ≥ 0.2). Conditions: the digital page rendered as is ("digital"),
and tools/scan.py copies ("scan200": 200 dpi, tilted ±0.5–1.5°, noise, JPEG 60; "scan150";
"rough150": 150 dpi, heavier blur, noise and dust, JPEG 35, tilt up to 2.5°).
"scan200-nodeskew" runs the same scan without the deskew step, to show what it buys.
CPU seconds are the process's own (all its threads: onnxruntime's too) plus its children's
(Tesseract); wall seconds depend on how busy the machine is, CPU seconds much less.

`--pipeline` measures the whole path instead (worker/pipeline/chunk.py: turning pages upright, OCR,
rebuild, read_pdf; then extract_tables): for each sample, the pages of its first `--tables`
tables are cut out, scanned, and the numeric cells of the golden tables the digital cut reads
whole are scored (worker/tables/compare.py), per engine, condition and sample and over all
samples, with wall and CPU seconds per page, then cells right per table kind (`--tables 0`:
every table of every sample, so every kind the seeds print). Two more conditions exist only
here: the scan200 copy stored with /Rotate 90 ("rotate200") and scanned sideways ("sideways200").

    python bench/ocr.py --pipeline --engines rapidocr,tesseract --conditions scan200,scan150
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
from worker.ocr import DEFAULT_DPI, DEFAULT_RUNTIME, assess_page, get_engine, ocr_page
from worker.ocr.engines import RapidOcrEngine
from worker.ocr.layer import read_pdf_ocr
from worker.pipeline import OcrOptions
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load
from worker.settings import OcrRuntime
from worker.tables import extract_tables
from worker.tables.compare import compare, compare_table, to_golden

CONDITIONS = {
    "digital": None,
    "scan200": ScanStyle(dpi=200),
    "scan150": ScanStyle(dpi=150, jpeg_quality=50),
    # Beyond the target: a worn copy of a copy.
    "rough150": ScanStyle(dpi=150, blur=1.0, noise=16, specks=1e-3, jpeg_quality=35, max_angle=2.5),
}
# --pipeline only (word-level scoring compares boxes in the upright page's space):
TURNED = {
    "rotate200": ScanStyle(dpi=200, rotate=90),  # stored turned, /Rotate 90 to show it upright
    "sideways200": ScanStyle(dpi=200, sideways=90),  # a landscape table scanned sideways
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


def run(
    engine: str, condition: str, original: pymupdf.Document, seed: int, runtime: OcrRuntime
) -> Row:
    deskew = not condition.endswith("-nodeskew")
    style = CONDITIONS[condition.removesuffix("-nodeskew")]
    doc = original if style is None else scan_pdf(original, style, seed=seed)[0]
    eng = get_engine(engine, runtime)  # load models outside the timing
    totals = {"numbers": 0, "right": 0, "extra": 0}
    ious: list[float] = []
    wall, cpu = time.perf_counter(), cpu_seconds()
    for page, orig in zip(doc, original, strict=True):
        s = score(numeric_truth(orig), ocr_page(page, engine=eng, deskew=deskew))
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


@dataclass
class Cut:
    """Pages of one sample holding its first tables, and the golden tables they read whole."""

    name: str
    doc: pymupdf.Document
    golden: list[dict]


def cuts(pattern: str, tables: int) -> list[Cut]:
    out = []
    for path in sorted(glob.glob(pattern)):
        golden_path = Path("tests/data/golden") / (Path(path).stem + ".json")
        if not golden_path.exists():
            continue
        src = pymupdf.open(path)
        found = extract_tables(read_pdf_ocr(src))[0]
        found = found[:tables] if tables else found
        values = [v for t in found for r in t.rows for v in r.values.values()]
        pages = sorted({v.page for v in values if v.page is not None})
        if not pages:
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
        out.append(Cut(Path(path).stem[:3], cut, whole))
    return out


def pipeline(
    pattern: str,
    tables: int,
    engines: list[str],
    conditions: list[str],
    seed: int,
    dpi: int,
    runtime: OcrRuntime,
) -> list[dict]:
    """Golden numeric-cell accuracy and s/page through chunk + extract_tables, per engine,
    condition and sample, and over all samples."""
    head = "engine condition sample pages cells right accuracy wall_s/page CPU_s/page"
    print("| " + " | ".join(head.split()) + " |")
    print("|---" * len(head.split()) + "|")
    samples = cuts(pattern, tables)
    scans = {}
    for c in samples:
        for cond in conditions:
            style = (CONDITIONS | TURNED)[cond]
            scans[c.name, cond] = c.doc if style is None else scan_pdf(c.doc, style, seed=seed)[0]
    rows = []
    for engine in engines:
        get_engine(engine, runtime)  # load models outside the timing
        ocr = OcrOptions(engine, dpi, runtime)
        for cond in conditions:
            per = [_pipeline_row(ocr, cond, c, scans[c.name, cond]) for c in samples]
            per.append(_overall(per))
            rows += per
            _print_kinds(per[:-1])
            for r in per:
                cells = [r["engine"], r["condition"], r["sample"], r["pages"], r["cells"]]
                cells += [r["right"], f"{r['accuracy']:.2%}", f"{r['wall_s_per_page']:.2f}"]
                print(
                    "| " + " | ".join(map(str, [*cells, f"{r['cpu_s_per_page']:.2f}"])) + " |",
                    flush=True,
                )
    return rows


def _pipeline_row(ocr: OcrOptions, cond: str, cut: Cut, doc: pymupdf.Document) -> dict:
    wall, cpu = time.perf_counter(), cpu_seconds()
    layout = chunk(load(doc.tobytes(), "pdf", 10_000), ocr)
    got = to_golden(extract_tables(layout)[0])
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    keys = {e["key"] for e in cut.golden}
    sc = compare(cut.golden, [a for a in got if a["key"] in keys])
    kinds = {}
    for exp in cut.golden:
        k = compare([exp], [a for a in got if a["key"] == exp["key"]])
        kinds[exp["key"]] = (k.correct, k.expected_cells)
    return {"kinds": kinds,
        "engine": ocr.engine, "condition": cond, "sample": cut.name, "pages": len(doc),
        "cells": sc.expected_cells, "right": sc.correct, "accuracy": sc.accuracy,
        "wall_s": wall, "cpu_s": cpu,
        "wall_s_per_page": wall / len(doc), "cpu_s_per_page": cpu / len(doc),
    }  # fmt: skip


def _print_kinds(rows: list[dict]) -> None:
    """Cells right per table kind over all samples: a kind that vanishes once scanned shows."""
    kinds: dict[str, list[int]] = {}
    for r in rows:
        for key, (right, cells) in r["kinds"].items():
            kinds.setdefault(key, [0, 0, 0])
            kinds[key][0] += right
            kinds[key][1] += cells
            kinds[key][2] += 1
    print("  per kind: " + ", ".join(
        f"{k} {r}/{c} in {n}" for k, (r, c, n) in sorted(kinds.items())
    ), flush=True)


def _overall(rows: list[dict]) -> dict:
    total = {k: sum(r[k] for r in rows) for k in ("pages", "cells", "right", "wall_s", "cpu_s")}
    # accuracy counts extra numbers too (table_compare): pool it weighted by expected cells
    acc = sum(r["accuracy"] * r["cells"] for r in rows) / max(1, total["cells"])
    return rows[0] | total | {
        "sample": "all", "accuracy": acc, "kinds": {},
        "wall_s_per_page": total["wall_s"] / max(1, total["pages"]),
        "cpu_s_per_page": total["cpu_s"] / max(1, total["pages"]),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default="samples/*.pdf")
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    ap.add_argument("--conditions", default="digital,scan200,scan150,rough150,scan200-nodeskew")
    ap.add_argument("--json", help="write the rows here too")
    ap.add_argument("--pipeline", action="store_true", help="golden tables through chunk")
    ap.add_argument("--tables", type=int, default=3, help="--pipeline: tables per sample (0: all)")
    ap.add_argument("--dpi", type=int, default=DEFAULT_DPI, help="--pipeline: OCR render dpi")
    ap.add_argument("--runtime", default=DEFAULT_RUNTIME, choices=["openvino", "onnxruntime"],
                    help="what runs RapidOCR's models")
    args = ap.parse_args()
    engines = args.engines.split(",")
    rapid = get_engine("rapidocr", args.runtime) if "rapidocr" in engines else None
    if isinstance(rapid, RapidOcrEngine):
        print(f"RapidOCR's models on {rapid.runtime}")
    if args.pipeline:
        known = CONDITIONS | TURNED
        conditions = [c for c in args.conditions.split(",") if c in known]
        found = pipeline(
            args.samples, args.tables, engines, conditions, args.seed, args.dpi, args.runtime
        )
        _write_json(args.json, found)
        return
    original = load_pages(args.samples, args.pages, args.seed)
    print(f"{len(original)} pages; assess_page on them: {assess_timing(original)}")
    head = "engine condition pages numbers exact accuracy invented IoU wall_s/page CPU_s/page"
    print("| " + " | ".join(head.split()) + " |")
    print("|---" * len(head.split()) + "|")
    rows = []
    for engine in engines:
        for condition in args.conditions.split(","):
            r = run(engine, condition, original, args.seed, args.runtime)
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
    _write_json(args.json, [asdict(r) | {"accuracy": r.accuracy} for r in rows])


def _write_json(path: str | None, rows: list[dict]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
