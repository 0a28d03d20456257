"""The bundled samples, defined once: the five seed documents (copies of ../shared/seeds) as
TXT, and rendered as PDF and DOCX (tools/make_samples.py)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
GOLDEN = REPO / "tests" / "data" / "golden"
REALDOCS = REPO.parent / "shared" / "realdocs"  # CI has it beside the checkout; never copied in
# seed number → file stem (the stem is also the golden file's name)
NAMES = {
    "000": "000_954316b1df943981",
    "001": "001_f525e4192ca00c01",
    "002": "002_e0f29716db1f2352",
    "003": "003_10d8e44b991496ab",
    "004": "004_7bbd092f919e0a0c",
}


def seed_text(seed: str) -> str:
    """A seed document's text form, by number ("003") or stem."""
    stem = NAMES.get(seed, seed)
    return (SAMPLES / f"{stem}.txt").read_text("utf-8")
