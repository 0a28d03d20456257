"""The standard tables of the five seed documents against hand-checked golden files.

Every number must match (100% of numeric cells), in the plain-text form of each seed and in the
PDF and DOCX samples rendered from it. Regenerate with BUDGETLENS_REGEN_GOLDEN=1 (from the text
form) and review the diff: a golden is checked by hand against the seed, never accepted blindly.

A golden table marked `source_defect` is one whose header the seed text itself scrambles (cells
shifted by its converter). It holds the hand-read values; the extractor cannot know them, so for
it the test demands instead that extraction *reports* a problem for that table — a silent wrong
answer there would fail.
"""

from __future__ import annotations

import json
import os

import pymupdf
import pytest

from tests.support.samples import GOLDEN, SAMPLES
from worker.formats.docx import read_docx
from worker.formats.pdf import read_pdf
from worker.formats.text import read_text
from worker.layout import Layout
from worker.tables import extract_tables
from worker.tables.compare import GoldenTable, compare, compare_table, to_golden

STEMS = sorted(p.stem for p in GOLDEN.glob("*.json")) or sorted(p.stem for p in SAMPLES.glob("*.txt"))
REGEN = os.environ.get("BUDGETLENS_REGEN_GOLDEN") == "1"


def _seed_text(stem: str) -> str:
    for path in (SAMPLES / f"{stem}.txt", SAMPLES / f"{stem}.txt"):
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"seed {stem} not found in {SAMPLES} or {SAMPLES}")


def _load_golden(stem: str) -> list[GoldenTable]:
    return json.loads((GOLDEN / f"{stem}.json").read_text(encoding="utf-8"))["tables"]


def _write_golden(stem: str, tables: list[GoldenTable]) -> None:
    """Regenerate, keeping hand-corrected source-defect tables as they are."""
    path = GOLDEN / f"{stem}.json"
    old = json.loads(path.read_text(encoding="utf-8"))["tables"] if path.exists() else []
    defects = {t["key"]: t for t in old if t.get("source_defect")}
    merged = [defects.get(t["key"], t) for t in tables]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump(stem, merged), encoding="utf-8")


def _dump(stem: str, tables: list[GoldenTable]) -> str:
    """JSON with one row per line, so a golden reads (and diffs) like the table it describes."""

    def line(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False)

    parts = []
    for t in tables:
        head = ",\n".join(f"   {line(k)}: {line(v)}" for k, v in t.items() if k != "rows")
        rows = ",\n".join(f"    {line(r)}" for r in t["rows"])
        parts.append(f'  {{\n{head},\n   "rows": [\n{rows}\n   ]\n  }}')
    return f'{{"seed": {line(stem)}, "tables": [\n' + ",\n".join(parts) + "\n]}\n"


def _check(stem: str, layout: Layout) -> None:
    tables, problems = extract_tables(layout)
    actual = to_golden(tables)
    expected = _load_golden(stem)
    clean = [t for t in expected if not t.get("source_defect")]
    defects = [t for t in expected if t.get("source_defect")]
    score = compare(clean, [t for t in actual if t["key"] not in {d["key"] for d in defects}])
    assert score.mismatches == []
    assert score.accuracy == 1.0
    for defect in defects:
        got = next(t for t in actual if t["key"] == defect["key"])
        if compare_table(defect, got).mismatches:  # wrong → it must at least be flagged
            assert any(defect["title"] in p.message for p in problems), (
                f"{defect['key']} wrong and unflagged"
            )


@pytest.mark.parametrize("stem", STEMS)
def test_text_form_matches_golden(stem: str) -> None:
    layout = read_text(_seed_text(stem))
    if REGEN:
        _write_golden(stem, to_golden(extract_tables(layout)[0]))
    _check(stem, layout)


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_sample_matches_golden(stem: str) -> None:
    path = SAMPLES / f"{stem}.pdf"
    assert path.exists(), f"missing sample {path}"
    with pymupdf.open(path) as doc:
        _check(stem, read_pdf(doc))


@pytest.mark.parametrize("stem", STEMS)
def test_docx_sample_matches_golden(stem: str) -> None:
    path = SAMPLES / f"{stem}.docx"
    assert path.exists(), f"missing sample {path}"
    _check(stem, read_docx(path.read_bytes()))


def test_pdf_values_carry_provenance() -> None:
    """Every number read from a PDF points back to a 1-based page and a box on it."""
    with pymupdf.open(SAMPLES / "003_10d8e44b991496ab.pdf") as doc:
        n_pages = doc.page_count
        tables, _ = extract_tables(read_pdf(doc))
    values = [v for t in tables for r in t.rows for v in r.values.values() if v.value is not None]
    assert values
    for v in values:
        assert v.page is not None and 1 <= v.page <= n_pages
        assert v.bbox is not None and v.bbox[0] < v.bbox[2] and v.bbox[1] < v.bbox[3]
    assert all(t.pages and t.pages == sorted(t.pages) for t in tables)
