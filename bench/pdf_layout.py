"""Speed and agreement of worker.formats.pdf.read_pdf against PyMuPDF find_tables and pdfplumber.

    python bench/pdf_layout.py [extra.pdf ...] [--repeat 3] [--max-pages N] [--fallback]

Runs over samples/*.pdf plus any PDFs given. read_pdf is timed on whole documents (best of
--repeat runs, wall and CPU time); the two table finders are timed once on the same pages.
"Agree" is the share of the other tool's non-empty table cells whose text (normalized the same
way, spaces removed) is also one of read_pdf's cell texts on that page.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from worker.formats.pdf import PdfStats, read_pdf
from worker.formats.textnorm import clean_cell


@dataclass
class Result:
    pages: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    tables: int = 0
    agree: Counter = field(default_factory=Counter)  # "hit" / "total" cells


def _key(text: str | None) -> str:
    return clean_cell(text or "").replace(" ", "").replace("\n", "")


def _ours(
    doc: pymupdf.Document, repeat: int, stats: PdfStats, fallback: bool
) -> tuple[Result, dict[int, set[str]]]:
    res = Result(pages=doc.page_count)
    res.wall = res.cpu = float("inf")
    for i in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        layout = read_pdf(doc, fallback=fallback, stats=stats if i == 0 else None)
        res.wall = min(res.wall, time.perf_counter() - t0)
        res.cpu = min(res.cpu, time.process_time() - c0)
    cells: dict[int, set[str]] = {}
    for table in layout.tables():
        res.tables += 1
        for row in table.rows:
            for cell in row:
                if cell.text and cell.page is not None:
                    cells.setdefault(cell.page, set()).add(_key(cell.text))
    return res, cells


def _score(res: Result, page: int, grid: list[list[str | None]], ours: dict[int, set[str]]) -> None:
    for row in grid:
        for text in row:
            key = _key(text)
            if key:
                res.agree["total"] += 1
                res.agree["hit"] += key in ours.get(page, set())


def _pymupdf(doc: pymupdf.Document, pages: range, ours: dict[int, set[str]]) -> Result:
    res = Result(pages=len(pages))
    for i in pages:
        t0, c0 = time.perf_counter(), time.process_time()
        found = doc[i].find_tables()
        grids = [t.extract() for t in found.tables]
        res.wall += time.perf_counter() - t0
        res.cpu += time.process_time() - c0
        res.tables += len(grids)
        for grid in grids:
            _score(res, i, grid, ours)
    return res


def _pdfplumber(path: Path, pages: range, ours: dict[int, set[str]]) -> Result:
    res = Result(pages=len(pages))
    with pdfplumber.open(path) as pdf:
        for i in pages:
            t0, c0 = time.perf_counter(), time.process_time()
            grids = pdf.pages[i].extract_tables()
            res.wall += time.perf_counter() - t0
            res.cpu += time.process_time() - c0
            res.tables += len(grids)
            for grid in grids:
                _score(res, i, grid, ours)
    return res


def _add(total: Result, part: Result) -> None:
    total.pages += part.pages
    total.wall += part.wall
    total.cpu += part.cpu
    total.tables += part.tables
    total.agree.update(part.agree)


def _row(name: str, r: Result) -> str:
    agree = (
        f"{100 * r.agree['hit'] / r.agree['total']:.1f}% of {r.agree['total']}"
        if r.agree["total"]
        else "-"
    )
    return (
        f"{name:<22}{r.pages:>6}{r.pages / r.wall:>10.1f}{r.pages / r.cpu:>10.1f}"
        f"{1000 * r.wall / r.pages:>9.2f}{r.tables:>8}  {agree}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--max-pages", type=int, default=0, help="cap pages per PDF for the slow tools"
    )
    parser.add_argument("--no-plumber", action="store_true")
    parser.add_argument(
        "--fallback", action="store_true", help="re-grid unclear tables with find_tables"
    )
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    paths = sorted((root / "samples").glob("*.pdf")) + args.pdfs
    if not paths:
        sys.exit("no PDFs: render samples/ first or pass PDFs")
    totals = {name: Result() for name in ("read_pdf", "pymupdf find_tables", "pdfplumber")}
    stats = PdfStats()
    for path in paths:
        doc = pymupdf.open(path)
        read_pdf(doc)  # warm-up: font loading, caches
        ours, cells = _ours(doc, args.repeat, stats, args.fallback)
        pages = range(min(doc.page_count, args.max_pages or doc.page_count))
        _add(totals["read_pdf"], ours)
        _add(totals["pymupdf find_tables"], _pymupdf(doc, pages, cells))
        if not args.no_plumber:
            _add(totals["pdfplumber"], _pdfplumber(path, pages, cells))
        rate = doc.page_count / ours.cpu
        print(f"{path.name}: {doc.page_count} pages, read_pdf {rate:.0f} pages/s (cpu)", flush=True)
    head = f"{'tool':<22}{'pages':>6}{'pages/s':>10}{'cpu p/s':>10}{'ms/page':>9}{'tables':>8}"
    print(f"\n{head}  cells agreeing with read_pdf")
    for name, res in totals.items():
        if res.pages:
            print(_row(name, res))
    print(f"\nread_pdf: {stats}")
    share = 100 * stats.unclear / max(1, stats.ruled_tables)
    print(
        f"unclear ruled grids: {stats.unclear} of {stats.ruled_tables} ({share:.1f}%), "
        f"re-gridded by find_tables: {stats.fallbacks}"
    )


if __name__ == "__main__":
    main()
