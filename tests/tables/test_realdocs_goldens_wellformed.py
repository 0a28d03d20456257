"""The hand-verified goldens of real documents (tests/data/realdocs/) are what they claim to be.

Not an extraction test: it checks the golden files themselves, so a typo in one fails here. Each
golden belongs to its file (sha256, page count), is well formed (keys, codes and levels, pages,
every cell an amount, every reference resolvable), quotes what the PDF prints (every cell's text
and every narrative sentence is on its page in the text layer) and is arithmetically honest: the
identities it states hold, except exactly those its recorded contradictions break.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache

import pymupdf
import pytest
import yaml

from tests.support.realdocs import (
    GOLDEN_DIR,
    Golden,
    amount,
    identity_failures,
    load_golden,
    norm,
    sha256,
    standard_keys,
)
from tests.support.samples import REALDOCS, REPO

PATHS = sorted(GOLDEN_DIR.glob("*.json"))
LEVELS = {3: 1, 5: 2, 7: 3}


def test_there_are_goldens_and_the_readme_lists_them() -> None:
    assert PATHS
    readme = (GOLDEN_DIR / "README.md").read_text("utf-8")
    listed = set(re.findall(r"^\| (\w+) \|", readme, re.M)) - {"golden"}
    assert listed == {p.stem for p in PATHS}, listed ^ {p.stem for p in PATHS}


@pytest.fixture(params=PATHS, ids=[p.stem for p in PATHS])
def golden(request: pytest.FixtureRequest) -> Golden:
    golden = load_golden(request.param)  # the models forbid unknown fields: structure checked
    assert golden.stem == request.param.stem
    if not golden.source.exists():
        message = f"{golden.source} missing (../shared/realdocs beside the checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI has the realdocs: it must check them
        pytest.skip(message)
    return golden


def test_golden_is_of_its_file(golden: Golden) -> None:
    assert sha256(golden.source) == golden.sha256
    with pymupdf.open(golden.source) as doc:
        assert doc.page_count == golden.pages


def test_tables_are_well_formed(golden: Golden) -> None:
    keys = [t.key for t in golden.tables]
    assert len(keys) == len(set(keys)), keys
    catalogue = standard_keys()
    for table in golden.tables:
        assert table.key in catalogue, table.key
        assert all(1 <= p <= golden.pages for p in table.pages)
        columns = [c for c, _ in table.columns]
        assert len(columns) == len(set(columns)), (table.key, columns)
        assert table.rows or table.empty, table.key  # an empty table may print no row at all
        assert (
            table.identities.hierarchy
            or table.identities.columns
            or table.identities.rows
            or table.identities.why_none
        ), table.key
        for row in table.rows:
            where = f"{table.key} p{row.page} {row.name}"
            assert row.page in table.pages, where
            assert row.code or row.row_code or row.name, where
            assert set(row.values) <= set(columns), (where, set(row.values) - set(columns))
            if row.code:
                assert table.codes_printed, where
                assert re.fullmatch(r"\d{3}(?:\d{2}){0,2}", row.code), where
                assert row.level == LEVELS[len(row.code)], where
            for col, raw in row.values.items():
                if col not in table.identities.skip_columns:
                    amount(raw)  # raises on anything that is not a printed amount
        for lhs, rhs in table.identities.columns:
            assert {lhs, *rhs} <= set(columns), (table.key, lhs, rhs)
        for lhs, rhs in table.identities.rows:
            for ref in [lhs, *(r for r in rhs if not r.startswith("*"))]:
                table.find(ref)


def test_references_resolve(golden: Golden) -> None:
    for figure in golden.key_figures:
        assert golden.cell(figure.cell) == figure.cell.value, figure
    for contradiction in golden.contradictions:
        for ref in contradiction.cells:
            assert golden.cell(ref) == ref.value, (contradiction.id, ref)
        stated = {(n.value, n.page) for n in golden.narrative}
        for ref in contradiction.narrative:
            assert (ref.value, ref.page) in stated, (contradiction.id, ref)
    for cross in golden.cross:
        assert len(cross.cells) >= 2
        for ref in cross.cells:
            golden.table(ref.table).find(ref.row)


def test_narrative_figures_are_quoted(golden: Golden) -> None:
    subjects = _subject_keys()
    for figure in golden.narrative:
        assert figure.subject in subjects, figure.subject
        assert _flat(figure.value) in _flat(figure.sentence), figure
        assert _flat(figure.subject_text) in _flat(figure.sentence), figure
        text = "".join(_page_text(golden.stem, figure.page + d) for d in (-1, 0, 1))
        clauses = [c for c in re.split(r"[，；。：,;]", _flat(figure.sentence)) if c]
        missing = [c for c in clauses if c not in text]  # clause by clause: a page break (and
        assert not missing, (figure.page, missing)  # its page number) may cut the sentence


def test_cells_are_printed_on_their_page(golden: Golden) -> None:
    """Every cell's text is on its page (spaces and line breaks inside a cell aside)."""
    missing = []
    for table in golden.tables:
        for row in table.rows:
            text = _page_text(golden.stem, row.page)
            missing += [
                f"{table.key} p{row.page} {row.name}[{col}] {raw}"
                for col, raw in row.values.items()
                if _flat(raw) not in text
            ]
            if not _printed(_flat(row.name), text, _page_text(golden.stem, row.page + 1)):
                missing.append(f"{table.key} p{row.page} name {row.name}")
    assert not missing, missing[:20]


def test_identities_hold_but_for_the_recorded_contradictions(golden: Golden) -> None:
    failing = {f.id: str(f) for f in identity_failures(golden)}
    recorded = {b for c in golden.contradictions for b in c.breaks}
    unexplained = sorted(v for k, v in failing.items() if k not in recorded)
    assert not unexplained, unexplained  # a typo in the golden, or a contradiction to record
    assert recorded <= set(failing), sorted(recorded - set(failing))  # recorded, but holds


def _printed(label: str, text: str, next_page: str) -> bool:
    """On the page, or begun on it and finished on the next (a row cut by a page break)."""
    return label in text or any(
        label[:k] in text and label[k:] in next_page for k in range(1, len(label))
    )


@cache
def _page_text(stem: str, page: int) -> str:
    with pymupdf.open(REALDOCS / f"{stem}.pdf") as doc:
        return _flat(doc[page - 1].get_text()) if 1 <= page <= doc.page_count else ""


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@cache
def _subject_keys() -> frozenset[str]:
    ref = REPO / "schemas" / "reference" / "narrative_subjects.yaml"
    vocab = yaml.safe_load(ref.read_text("utf-8"))
    figures = yaml.safe_load((REPO / "worker" / "rules" / "figures.yaml").read_text("utf-8"))
    return frozenset({*vocab["subjects"], *vocab["wholes"], *figures["figures"], "function"})


def test_names_normalize_stably() -> None:
    """The comparer's name key ignores what printing varies: spaces, brackets, full width."""
    assert norm("一、一般公共 服务支出") == norm("一、一般公共服务支出")
    assert norm("维修（护）费") == norm("维修(护)费")
