"""Export contract v5 keeps the review: a reviewer corrects a value, blanks another, confirms a
third, dismisses a finding with a reason and confirms the document — and every format (JSON,
CSV, XLSX, Parquet) read back says so: each value's own status (the corrected one stays
`corrected` in the confirmed document), its value as extracted, who and when (the audit log),
the blanked value as a blank row with its original. The real extraction of a bundled sample,
the real store on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from schemas import DocStatus
from tests.support.documents import store_sample
from tests.support.exports import read_export
from tests.support.samples import SAMPLES
from worker.services.edits import correct_section_value
from worker.services.export import (
    FACT_COLUMNS,
    FORMATS,
    NAMED_SHEETS,
    WORKBOOK,
    export,
)
from worker.services.provenance import cell_target
from worker.services.review import (
    DismissReason,
    Edit,
    Review,
    confirm_document,
    confirm_value,
    correct,
    dismiss,
    open_review,
)
from worker.services.tidy import TARGET_COLUMNS
from worker.settings import Settings
from worker.store import Store

THREE_ERRORS = SAMPLES / "000_954316b1df943981.pdf"  # the 三公 sum does not hold, among others
TARGETS = SAMPLES / "004_7bbd092f919e0a0c.pdf"  # mostly 项目绩效目标表


@pytest.fixture(params=["sqlite", "postgres"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if request.param == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


def _open(store: Store, doc_id: str) -> Review:
    review = open_review(store, doc_id)
    assert review is not None
    return review


@dataclass(frozen=True)
class Cell:
    edit: Edit
    table_key: str
    code: str
    raw: str
    target: str  # as the audit log names it


def _leaf_cells(review: Review, n: int) -> list[Cell]:
    """`n` printed amounts in rows a code names uniquely, one per table, from tables other
    than the 三公 one (its finding is the one dismissed)."""
    seen: dict[tuple[str, str], int] = {}
    for t in review.document.tables:
        for r in t.rows:
            seen[(t.key, r.code or "")] = seen.get((t.key, r.code or ""), 0) + 1
    out = []
    for ti, t in enumerate(review.document.tables):
        if "sangong" in t.key:
            continue
        for ri, r in enumerate(t.rows):
            v = r.values.get("total")
            if r.code and seen[(t.key, r.code)] == 1 and v is not None and v.value:
                out.append(Cell(Edit(ti, ri, "total", ""), t.key, r.code, v.raw,
                                cell_target(t.key, r, "total")))
                break  # one per table: the three are in different tables
        if len(out) == n:
            return out
    raise AssertionError("the sample has too few coded amounts")


@pytest.fixture
def reviewed(store: Store) -> dict[str, Any]:
    review = _open(store, store_sample(store, THREE_ERRORS))
    fixed, blanked, vouched = _leaf_cells(review, 3)
    finding = next(f for f in review.findings if f.rule_id == "sangong.parts")
    review = dismiss(store, review, finding, DismissReason.document_says_so, "alice", "印刷如此")
    new = f"{Decimal(fixed.raw.replace(',', '')) + 1:.2f}"
    review = correct(store, review, [replace(fixed.edit, new=new)], "bob")
    review = correct(store, review, [blanked.edit], "bob")
    review = confirm_value(store, review, vouched.edit, "carol")
    review = confirm_document(store, review, "alice", note="the tables are printed so")
    assert review.record.status == DocStatus.confirmed
    audit = {(e.action, e.target): e for e in store.audit(review.doc_id)}
    return {"store": store, "fixed": fixed, "new": new, "blanked": blanked, "vouched": vouched,
            "audit": audit, "doc_id": review.doc_id}


def _row(facts: list[dict[str, Any]], cell: Cell) -> dict[str, Any]:
    [row] = [f for f in facts if (f["table_key"], str(f["row_code"]), f["column_key"])
             == (cell.table_key, cell.code, "total")]
    return row


def _at(audit: dict, action: str, cell: Cell) -> str:
    return audit[(action, cell.target)].at.isoformat()


def _s(v: Any) -> str:
    return "" if v is None else str(v)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_value_exports_with_its_review(reviewed: dict[str, Any], tmp_path: Path,
                                             fmt: str) -> None:
    store, audit = reviewed["store"], reviewed["audit"]
    export(store, fmt, tmp_path)
    facts = read_export(tmp_path, "facts", fmt)
    assert list(facts[0]) == FACT_COLUMNS

    fixed = _row(facts, reviewed["fixed"])
    assert (fixed["value_raw"], fixed["status"], fixed["original"], fixed["reviewer"]) == (
        reviewed["new"], "corrected", reviewed["fixed"].raw, "bob")
    assert fixed["reviewed_at"] == _at(audit, "correct", reviewed["fixed"])

    blank = _row(facts, reviewed["blanked"])  # kept: blank, with what it read before
    assert (_s(blank["value_raw"]), _s(blank["value_wan"]), blank["status"]) == ("", "",
                                                                                "corrected")
    assert (blank["original"], blank["reviewer"]) == (reviewed["blanked"].raw, "bob")

    vouched = _row(facts, reviewed["vouched"])
    assert (vouched["status"], _s(vouched["original"]), vouched["reviewer"]) == (
        "confirmed", "", "carol")
    assert vouched["reviewed_at"] == _at(audit, "confirm_value", reviewed["vouched"])

    confirm = audit[("confirm", None)]
    rest = [f for f in facts if f["reviewer"] not in ("bob", "carol")]
    assert rest and {(f["status"], f["reviewer"], f["reviewed_at"]) for f in rest} == {
        ("confirmed", "alice", confirm.at.isoformat())}  # the document's confirmation

    findings = read_export(tmp_path, "findings", fmt)
    dismissed = {(f["rule_id"], f["reason"], f["note"], f["reviewer"]) for f in findings
                 if f["status"] == "dismissed"}
    assert dismissed == {("sangong.parts", "document_says_so", "印刷如此", "alice")}


def test_the_workbook_has_a_sheet_per_table_kind_frozen_and_filtered(
        reviewed: dict[str, Any], tmp_path: Path) -> None:
    store, out = reviewed["store"], tmp_path / "out"
    counts = export(store, "xlsx", out)
    assert [p.name for p in out.iterdir()] == [WORKBOOK]
    wb = load_workbook(out / WORKBOOK)
    doc, _ = store.load_result(reviewed["doc_id"])
    kinds = list(dict.fromkeys(t.key for t in doc.tables if any(
        v.raw.strip() for r in t.rows for v in r.values.values())))
    assert wb.sheetnames == [*NAMED_SHEETS[:2], *kinds, *NAMED_SHEETS[2:]]
    for name in wb.sheetnames:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == ws.dimensions, name
        if name in kinds:
            assert {r[4] for r in ws.iter_rows(min_row=2, values_only=True)} == {name}
    assert sum(wb[k].max_row - 1 for k in kinds) == counts["facts"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_corrected_target_keeps_its_original(store: Store, tmp_path: Path, fmt: str) -> None:
    review = _open(store, store_sample(store, TARGETS))
    section = next(s for s in review.document.sections if s.kind == "project_targets" and s.data)
    path = "projects.0.indicators.0.value"
    old = section.data["projects"][0]["indicators"][0]["value"]
    review = correct_section_value(store, review, section.section_id, path, "≥99%", "bob")
    confirm_document(store, review, "alice", note="checked")
    export(store, fmt, tmp_path)
    rows = read_export(tmp_path, "targets", fmt)
    assert list(rows[0]) == TARGET_COLUMNS
    [fixed] = [r for r in rows if r["reviewer"] == "bob"]
    assert (fixed["value_raw"], fixed["status"], fixed["original"]) == ("≥99%", "corrected", old)
    assert {r["status"] for r in rows if r is not fixed} == {"confirmed"}


def test_a_corrected_self_evaluation_score_marks_its_row(store: Store, tmp_path: Path) -> None:
    """The row's review is its most reviewed value's: an indicator whose score (not its actual
    value, where the row is placed) was corrected exports `corrected` with the old score."""
    review = _open(store, store_sample(store, SAMPLES / "003_10d8e44b991496ab.pdf"))
    section = next(s for s in review.document.sections
                   if s.kind == "self_evaluation" and s.data and s.data["projects"][0]["indicators"])
    ind = section.data["projects"][0]["indicators"][0]
    new = "1.5" if str(ind["score"]) != "1.5" else "2.5"
    review = correct_section_value(store, review, section.section_id,
                                   "projects.0.indicators.0.score", new, "bob")
    export(store, "csv", tmp_path)
    [row] = [r for r in read_export(tmp_path, "self_evaluation", "csv") if r["reviewer"] == "bob"]
    assert (row["level3"], Decimal(row["score"]), row["status"]) == (ind["name"], Decimal(new),
                                                                     "corrected")
    assert row["original"] == str(ind["score"])
