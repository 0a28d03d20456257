"""Build the bundled sample documents from the plain-text seeds.

For every `<seed>.txt` it writes `samples/<seed>.txt` (a copy), `samples/<seed>.pdf`,
`samples/<seed>.docx` and `samples/<seed>.xlsx` (its tables, a sheet each, as departments publish
workbooks: tools/render_xlsx.py). Header merges are guessed with `infer_header_merges` (blank
cells in the header rows continue the cell above or to their left); the body is never merged.

    python -m tools.make_samples [SEEDS_DIR] [--out samples]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tools.render import RenderStyle, render_docx, render_pdf
from tools.render_xlsx import render_xlsx
from worker.formats.text import infer_header_merges, read_text
from worker.layout import Block, TableBlock

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"


def sample_blocks(text: str) -> list[Block]:
    """The seed's blocks with header merges filled in, ready to render."""
    return [
        infer_header_merges(b) if isinstance(b, TableBlock) else b for b in read_text(text).blocks
    ]


def make_samples(seeds: Path, out: Path, style: RenderStyle | None = None) -> list[Path]:
    """Render every seed in `seeds` into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for seed in sorted(seeds.glob("*.txt")):
        blocks = sample_blocks(seed.read_text(encoding="utf-8"))
        copy, pdf, docx, xlsx = (out / f"{seed.stem}{ext}"
                                 for ext in (".txt", ".pdf", ".docx", ".xlsx"))
        shutil.copyfile(seed, copy)
        pages = render_pdf(blocks, pdf, style or RenderStyle())
        render_docx(blocks, docx)
        render_xlsx(blocks, xlsx)
        written += [copy, pdf, docx, xlsx]
        print(f"{seed.stem}: {pages} pages, pdf {pdf.stat().st_size // 1024} KiB, "
              f"docx {docx.stat().st_size // 1024} KiB, xlsx {xlsx.stat().st_size // 1024} KiB")  # fmt: skip
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="?", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--out", type=Path, default=REPO / "samples")
    args = parser.parse_args()
    make_samples(args.seeds, args.out)


if __name__ == "__main__":
    main()
