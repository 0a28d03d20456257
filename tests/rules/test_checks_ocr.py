"""OCR confidence in the checks: low-confidence numbers are listed for review, and an identity a
scanned page breaks is pointed at the digit that was probably misread.

Documents are the synthetic ones (tools/synth.py, consistent up to rounding) made to look
scanned: every value gets a page, a box and an OCR confidence; then one digit of one cell is
read wrong, the way an OCR engine does.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from schemas import Document, FindingKind, Location, Unit, ValueStatus
from tests.support.ocr_cases import (
    Cell,
    amounts,
    arithmetic,
    misread,
    names,
    points_at,
    reprint,
    scanned,
    suspects,
)
from tools.synth import generate
from tools.synth_errors import KINDS, inject_error
from worker.ocr.engines import REPAIRED_CONFIDENCE
from worker.pipeline.checks import run_checks
from worker.rules import Rule, catalogue
from worker.rules.misread import misreadings
from worker.rules.ocr import LOW_CONFIDENCE, threshold

YUAN_SEEDS = [s for s in range(60) if generate(s).unit == Unit.yuan][:4]

_DIGIT = re.compile(r"\d")
_PAGE = re.compile(r"第\d+页 ?")
DISTRUST_NOTE = "（所涉表格的提取有误，先复核提取）"


# -- a clean scan ---------------------------------------------------------------------------


def test_a_consistent_scanned_document_is_silent() -> None:
    for seed in range(80):
        doc = scanned(generate(seed), random.Random(seed))
        assert run_checks(doc) == [], doc.doc_id


def test_the_threshold_defaults_to_the_ocr_layers() -> None:
    assert threshold() == LOW_CONFIDENCE
    assert threshold() > REPAIRED_CONFIDENCE  # a repaired number is always listed


# -- the low-confidence rule ----------------------------------------------------------------


def test_low_confidence_numbers_are_listed_per_table_with_their_boxes() -> None:
    rng = random.Random(3)
    doc = scanned(generate(3), rng)
    cells = rng.sample(amounts(doc), 12)
    for i, (ti, ri, key) in enumerate(cells):
        doc.tables[ti].rows[ri].values[key].confidence = 0.3 + i / 100
    found = [f for f in run_checks(doc) if f.rule_id == "extraction.ocr_low_confidence"]
    tables = sorted({doc.tables[ti].key for ti, _, _ in cells})
    assert sorted(loc.table_key for f in found for loc in f.locations[:1]) == tables
    listed = [loc for f in found for loc in f.locations]
    assert len(listed) == len(cells)
    for ti, ri, key in cells:
        v = doc.tables[ti].rows[ri].values[key]
        (loc,) = [loc for loc in listed if names(doc, (ti, ri, key), loc)]
        assert (loc.page, loc.bbox, loc.confidence) == (v.page, v.bbox, v.confidence)
    assert all(f.kind == FindingKind.extraction and f.severity == "warning" for f in found)
    assert all(f"置信度低于 {LOW_CONFIDENCE:g}" in f.message for f in found)


def test_a_corrected_or_confirmed_value_is_no_longer_low() -> None:
    rng = random.Random(11)
    doc = scanned(generate(11), rng)
    a, b, c = rng.sample(amounts(doc), 3)
    for ti, ri, key in (a, b, c):
        doc.tables[ti].rows[ri].values[key].confidence = 0.42
    doc.tables[a[0]].rows[a[1]].values[a[2]].status = ValueStatus.confirmed
    doc.tables[b[0]].rows[b[1]].values[b[2]].status = ValueStatus.corrected
    listed = [
        loc
        for f in run_checks(doc)
        if f.rule_id == "extraction.ocr_low_confidence"
        for loc in f.locations
    ]
    assert len(listed) == 1 and names(doc, c, listed[0])


def test_the_threshold_is_a_rule_param() -> None:
    doc = scanned(generate(5), random.Random(5), conf=(0.86, 0.88))
    (rule,) = [r for r in catalogue() if r.check == "ocr_low_confidence"]
    assert run_checks(doc, rules=(rule,)) == []
    strict = Rule.model_validate(rule.model_dump() | {"params": {"threshold": 0.9}})
    found = run_checks(doc, rules=(strict,))
    n = sum(
        1 for t in doc.tables for r in t.rows for v in r.values.values() if _DIGIT.search(v.raw)
    )
    assert sum(len(f.locations) for f in found) == n
    assert threshold((strict,)) == 0.9


def test_low_confidence_alone_does_not_distrust_a_table() -> None:
    """A real document error in a table with one unsure cell it does not involve stays a
    document finding, word for word."""
    runs = 0
    for seed in range(20):
        injected = inject_error(generate(seed), "hierarchy", random.Random(seed))
        if injected is None:
            continue
        bad, where = injected
        digital = run_checks(bad)
        named = {(loc.table_key, loc.row_code) for f in digital for loc in f.locations}
        table = next(t for t in bad.tables if t.key == where.table_key)
        row = next(
            r
            for r in table.rows
            if r.values and (table.key, r.code or r.row_code or r.name) not in named
        )
        next(iter(row.values.values())).confidence = 0.6
        found = run_checks(bad)
        assert [f.rule_id for f in found][-1] == "extraction.ocr_low_confidence"
        assert found[:-1] == digital
        runs += 1
    assert runs >= 10


# -- pointing at the misread cell -------------------------------------------------------------


@pytest.mark.parametrize("place", [0, 1, 2, 3, 4])
def test_a_misread_digit_is_pointed_at_in_every_cell_it_can_hit(place: int) -> None:
    """Each amount cell of two documents (万元 and 元), digit `place` from the right read wrong,
    the cell's OCR confidence as sure as the others': every finding that names suspects names
    this cell among them, and nearly always every arithmetic finding names it alone."""
    runs = exact = 0
    for seed in (2, YUAN_SEEDS[0]):
        clean = scanned(generate(seed), random.Random(seed))
        for cell in amounts(clean)[::3]:
            doc = clean.model_copy(deep=True)
            m = misread(doc, cell, place)
            found = arithmetic(run_checks(doc)) if m else []
            if not found:
                continue  # a cell no identity checks, or a slip inside the rounding tolerance
            runs += 1
            for f in found:  # never a wrong cell alone (A = B: either side may be the misread)
                named = suspects(f)
                assert not named or any(names(doc, cell, s) for s in named), (seed, m, f.message)
            exact += all(points_at(doc, cell, f) for f in found)
    assert runs >= 40
    assert exact >= 0.8 * runs, (exact, runs)


def test_a_misread_of_a_low_confidence_cell_is_always_named() -> None:
    """Real misreads usually come with a low confidence: then there is no ambiguity left."""
    runs = 0
    for seed in range(60):
        rng = random.Random(seed)
        doc = scanned(generate(seed), rng)
        cell = rng.choice(amounts(doc))
        m = misread(doc, cell, rng.randrange(5))
        if m is None:
            continue
        ti, ri, key = cell
        doc.tables[ti].rows[ri].values[key].confidence = 0.62
        for f in arithmetic(run_checks(doc)):
            runs += 1
            assert points_at(doc, cell, f), (seed, m, f.message)
            assert f"（疑似OCR误读：第{ti + 1}页 " in f.message, f.message
            assert f"“{m.read}”，置信度0.62）" in f.message, f.message
    assert runs >= 60


@pytest.mark.parametrize("slip", ["extra", "dropped", "point"])
def test_a_digit_too_many_or_too_few_or_a_lost_point_is_pointed_at(slip: str) -> None:
    """A lost decimal point comes back at full confidence (the real engine reads "151.43" as
    "15143" at 0.998): only the arithmetic can find it."""
    runs = 0
    for seed in range(40):
        rng = random.Random(seed)
        doc = scanned(generate(seed), rng)
        cell = rng.choice([c for c in amounts(doc) if _int_part(doc, c) >= 2])
        raw = doc.tables[cell[0]].rows[cell[1]].values[cell[2]].raw.replace(",", "")
        j = rng.randrange(1, len(raw.split(".")[0]))
        read = {
            "extra": raw[:j] + str(rng.randrange(10)) + raw[j:],
            "dropped": raw[:j] + raw[j + 1 :],
            "point": raw.replace(".", ""),
        }[slip]
        reprint(doc, cell, read)
        if slip != "point":
            doc.tables[cell[0]].rows[cell[1]].values[cell[2]].confidence = 0.7
        for f in arithmetic(run_checks(doc)):
            runs += 1
            assert points_at(doc, cell, f), (seed, raw, read, f.message)
    assert runs >= 30


def test_no_digit_explains_it_then_the_least_sure_cell_is_named() -> None:
    runs = 0
    for seed in range(30):
        rng = random.Random(seed)
        doc = scanned(generate(seed), rng)
        cell = rng.choice([c for c in amounts(doc) if _int_part(doc, c) >= 2])
        v = doc.tables[cell[0]].rows[cell[1]].values[cell[2]]
        reprint(doc, cell, f"{v.value + Decimal('12.34'):.2f}")  # four digits off
        for f in arithmetic(run_checks(doc)):
            # one involved cell is unsure (not necessarily the wrong one: OCR cannot tell)
            low = rng.choice([c for loc in f.locations if (c := cell_of(doc, loc))])
            doc.tables[low[0]].rows[low[1]].values[low[2]].confidence = 0.55
            (again,) = [g for g in run_checks(doc) if g.message.startswith(f.message)]
            runs += 1
            assert points_at(doc, low, again), (seed, again.message)
            assert "差额无法由单个数字误读解释" in again.message
            doc.tables[low[0]].rows[low[1]].values[low[2]].confidence = 0.9
            break
    assert runs >= 15


def _int_part(doc: Document, cell: Cell) -> int:
    raw = doc.tables[cell[0]].rows[cell[1]].values[cell[2]].raw.replace(",", "")
    return len(raw.split(".")[0])


def cell_of(doc: Document, loc: Location) -> Cell | None:
    for ti, t in enumerate(doc.tables):
        for ri, r in enumerate(t.rows):
            if loc.column_key in r.values and names(doc, (ti, ri, loc.column_key), loc):
                return ti, ri, loc.column_key
    return None


def test_a_confirmed_misread_is_the_documents_word() -> None:
    """A reviewer confirmed the cell against the scan: it is never a suspect again, and the
    identities only it could explain are about the document."""
    rng = random.Random(21)
    doc = scanned(generate(21), rng)
    cell = next(c for c in amounts(doc) if doc.tables[c[0]].key == "expenditure")
    misread(doc, cell, 2)
    doc.tables[cell[0]].rows[cell[1]].values[cell[2]].confidence = 0.5
    assert all(points_at(doc, cell, f) for f in arithmetic(run_checks(doc)))
    doc.tables[cell[0]].rows[cell[1]].values[cell[2]].status = ValueStatus.confirmed
    found = arithmetic(run_checks(doc))
    assert found and not any(names(doc, cell, s) for f in found for s in suspects(f))
    alone = [f for f in found if {loc.table_key for loc in f.locations} == {"expenditure"}]
    assert alone and all(f.kind == FindingKind.document for f in alone)


# -- text-layer documents are untouched -------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_ocr_pass_only_adds_to_what_the_text_layer_twin_finds(kind: str) -> None:
    """The same injected error, digital and scanned (all numbers sure): digital findings carry
    no OCR marks; the scanned twin's are the same findings, where a suspect was named with that
    note appended and kind extraction, and nothing else changed."""
    for seed in range(12):
        injected = inject_error(generate(seed), kind, random.Random(seed))
        if injected is None:
            continue
        digital = run_checks(injected[0])
        assert not any(
            loc.confidence is not None or loc.suspect for f in digital for loc in f.locations
        )
        assert not any("OCR" in f.message for f in digital)
        twin = run_checks(scanned(injected[0], random.Random(seed)))
        assert [f.rule_id for f in twin] == [f.rule_id for f in digital]
        for d, s in zip(digital, twin, strict=True):
            assert (s.expected, s.actual, s.difference, s.tolerance) == (
                d.expected,
                d.actual,
                d.difference,
                d.tolerance,
            )
            assert {_plain(loc) for loc in s.locations} == {_plain(loc) for loc in d.locations}
            said, twin_said = _unpaged(d.message), _unpaged(s.message)
            if suspects(s):
                base = said.removesuffix(DISTRUST_NOTE)
                assert twin_said.startswith(base) and "OCR" in twin_said[len(base) :]
                assert s.kind == FindingKind.extraction
            else:
                # the note another pointed finding's table earns (trust.py) is the only change
                assert twin_said in (said, said + DISTRUST_NOTE)


def _unpaged(message: str) -> str:
    return _PAGE.sub("", message)  # the printed values a finding quotes: pages only on the scan


def _plain(loc: Location) -> tuple:
    return (loc.table_key, loc.row_code, loc.column_key)  # the scan adds pages


# -- the digit arithmetic itself ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "change", "tol", "readings"),
    [
        ("17.43", "1.00", "0.015", {"16.43", "18.43"}),
        ("17.43", "-1.00", "0.015", {"16.43", "18.43"}),  # either sign
        ("17.43", "10", "0.015", {"27.43", "7.43"}),  # "07.43" is not printed: a dropped 1
        ("117.43", "100", "0.02", {"17.43", "217.43"}),
        ("1,234.56", "1000", "0.02", {"234.56", "2234.56"}),
        ("1,234.56", "900", "0.02", set()),  # two digits apart
        ("0.00", "3", "0.01", {"3.00"}),
        ("-5.10", "0.3", "0.005", {"-5.40"}),
        ("86", "60", "0.5", {"26"}),
        ("7.43", "10", "0.015", {"17.43"}),  # a dropped leading 1
        ("15143", "14991.57", "0.015", {"151.43"}),  # the point not seen
        ("1143", "1131.57", "0.015", {"11.43"}),
        ("11.43", "1131.57", "0.015", set()),  # a speck read as a point: too rare to blame
        ("", "1", "0.01", set()),
        ("-", "1", "0.01", set()),
        ("95.00%", "1", "0.01", set()),
    ],
)
def test_misreadings(raw: str, change: str, tol: str, readings: set[str]) -> None:
    assert set(misreadings(raw, Decimal(change), Decimal(tol))) == readings
