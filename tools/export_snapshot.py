"""Is a change behaviour-free? Run one corpus through the real queue and compare the exports.

    python tools/export_snapshot.py corpus DIR [--synth 24]     # samples + generated PDFs/DOCX
    python tools/export_snapshot.py run DIR OUT [--checkout C]   # `budgetlens run` + export json, csv
    python tools/export_snapshot.py compare OUT_A OUT_B          # byte-for-byte, file by file

`run` drives the checkout C (default: this one) with its own `.venv`, in a fresh data dir, so
the same corpus can go through the code before and after a change. The exports are written
without timestamps, so equal behaviour means equal bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STYLES = 4  # the PDF render styles bench/extract.py uses, one per seed in turn


def corpus(out: Path, synth: int, start: int) -> None:
    """The bundled samples plus `synth` generated documents (PDF in four styles, and DOCX)."""
    sys.path.insert(0, str(ROOT))
    from tools.render import RenderStyle, render_pdf
    from tools.render_docx import render_docx
    from tools.synth import generate, to_blocks
    from tools.synth_layout import Variant

    out.mkdir(parents=True, exist_ok=True)
    for sample in sorted((ROOT / "samples").iterdir()):
        shutil.copy(sample, out / sample.name)
    styles = [
        RenderStyle(),
        RenderStyle(page_break_inside_tables=9),
        RenderStyle(page_break_inside_tables=6, repeat_header_on_continuation=False),
        RenderStyle(font_size=7.5, landscape="always", stretch_tables=False, title_on_continuation=True),
    ]
    for seed in range(start, start + synth):
        doc, variant = generate(seed), Variant.from_seed(seed)
        blocks = to_blocks(doc, variant)
        if seed % (STYLES + 1) == STYLES:
            render_docx(blocks, out / f"synth-{seed}.docx")
        else:
            style = styles[seed % STYLES]
            if seed % 3 == 1:
                style = dataclasses.replace(style, ruling=("horizontal", "three_line", "none")[seed % 3])
            render_pdf(blocks, out / f"synth-{seed}.pdf", style)
    _degraded(out)
    print(f"corpus: {len(list(out.iterdir()))} files in {out}")


def _degraded(out: Path) -> None:
    """The OCR path too: the first pages of a sample scanned (turned by /Rotate) and garbled."""
    import pymupdf

    from tools.scan import ScanStyle, garble_pdf, scan_pdf

    first = pymupdf.open()
    first.insert_pdf(pymupdf.open(ROOT / "samples" / "002_e0f29716db1f2352.pdf"), to_page=3)
    scanned, _ = scan_pdf(first, ScanStyle(rotate=90), seed=1)
    scanned.save(out / "scan-002.pdf")
    garble_pdf(first, "radicals").save(out / "garbled-002.pdf")


def run(corpus_dir: Path, out: Path, checkout: Path) -> None:
    python = checkout / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"BUDGETLENS_DATA_DIR": str(Path(tmp) / "data")}
        env.pop("BUDGETLENS_REDIS_URL", None)
        env.pop("BUDGETLENS_DATABASE_URL", None)
        cli = [str(python), "-m", "worker.cli"]
        subprocess.run([*cli, "run", str(corpus_dir), "-w", "2"], cwd=checkout, env=env, check=True)
        for fmt in ("json", "csv"):
            subprocess.run([*cli, "export", "-f", fmt, "-o", str(out / fmt)], cwd=checkout,
                           env=env, check=True)


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def compare(a: Path, b: Path) -> int:
    da, db = digests(a), digests(b)
    differ = sorted(k for k in da.keys() & db.keys() if da[k] != db[k])
    only = sorted(da.keys() ^ db.keys())
    for name in differ:
        print(f"differs: {name}")
    for name in only:
        print(f"only in {'A' if name in da else 'B'}: {name}")
    print(f"{len(da.keys() & db.keys()) - len(differ)} identical, {len(differ)} differ, "
          f"{len(only)} present on one side")
    return 1 if differ or only else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("dir", type=Path)
    c.add_argument("--synth", type=int, default=24)
    c.add_argument("--start", type=int, default=9000)
    r = sub.add_parser("run")
    r.add_argument("dir", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--checkout", type=Path, default=ROOT)
    m = sub.add_parser("compare")
    m.add_argument("a", type=Path)
    m.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "corpus":
        corpus(args.dir, args.synth, args.start)
    elif args.cmd == "run":
        run(args.dir.resolve(), args.out.resolve(), args.checkout.resolve())
    else:
        return compare(args.a, args.b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
