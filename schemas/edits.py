"""A reviewer's structural edits as data: each one says what it changes by keys that survive a
re-extraction (a row by its table and label, never by position), carries what the reviewer saw
before, and applies itself to a document. The review service applies and audits them (the
audit entry's `detail["edit"]` is the model); a re-run replays them from the audit log onto the
new extraction (worker/runtime/carry.py), and one that no longer fits raises `NotPlaced`, which
the re-run surfaces as a conflict for the reviewer.

    AddRow, DeleteRow, EditRow, SplitRow, MergeRows    rows of a table
    EditMetadata                                       department, fiscal year, document type
    EditNarrative                                      one figure of a narrative sentence
    EditSectionValue                                   a target / self-evaluation value

Values inside are already parsed (the service parses what the reviewer typed, as it parses a
correction), so applying an edit needs nothing but the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import ValueStatus
from schemas.document import DocType, Document, Row, Table
from schemas.narrative import Amount, NarrativeFact
from schemas.performance import SectionResult, Where


class NotPlaced(ValueError):
    """The edit's target is not in this document (or no longer reads as the reviewer saw it)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def label(row: Row) -> str:
    """How a row is named across extractions: its code, its canonical key, else its name."""
    return row.code or row.row_code or row.name


class RowRef(_Model):
    """A row by keys a re-extraction keeps: table key and its n-th, row label and its n-th."""

    table_key: str
    table_nth: int = 0
    label: str
    label_nth: int = 0


def row_refs(doc: Document) -> Iterator[tuple[RowRef, int, int]]:
    """(ref, table index, row index) of every row."""
    tables: Counter[str] = Counter()
    for ti, table in enumerate(doc.tables):
        nth_table = tables[table.key]
        tables[table.key] += 1
        labels: Counter[str] = Counter()
        for ri, row in enumerate(table.rows):
            name = label(row)
            yield RowRef(table_key=table.key, table_nth=nth_table, label=name,
                         label_nth=labels[name]), ti, ri
            labels[name] += 1


def ref_of(doc: Document, ti: int, ri: int) -> RowRef:
    return next(ref for ref, t, r in row_refs(doc) if (t, r) == (ti, ri))


def find_row(doc: Document, ref: RowRef) -> tuple[Table, int]:
    for other, ti, ri in row_refs(doc):
        if other == ref:
            return doc.tables[ti], ri
    raise NotPlaced(f"{ref.table_key}/{ref.label}: no such row")


def _table(doc: Document, key: str, nth: int) -> Table:
    same = [t for t in doc.tables if t.key == key]
    if nth >= len(same):
        raise NotPlaced(f"{key}: no such table")
    return same[nth]


def _same(seen: Row, now: Row) -> None:
    """The row reads as the reviewer saw it: labels, and every value as extracted (a value a
    reviewer corrected or confirmed is carried separately)."""
    if (seen.code, seen.row_code, seen.name) != (now.code, now.row_code, now.name):
        raise NotPlaced(f"{label(seen)}: the row now reads {label(now)!r}")
    for key, value in seen.values.items():
        if value.status == ValueStatus.extracted and key in now.values \
                and now.values[key].raw.strip() != value.raw.strip():
            raise NotPlaced(f"{label(seen)}/{key}: now reads {now.values[key].raw!r}, the "
                            f"reviewer saw {value.raw!r}")


class AddRow(_Model):
    op: Literal["add_row"] = "add_row"
    table_key: str
    table_nth: int = 0
    after: RowRef | None = Field(None, description="The row it follows; None = the first row")
    row: Row

    def apply(self, doc: Document) -> None:
        table = _table(doc, self.table_key, self.table_nth)
        at = 0 if self.after is None else find_row(doc, self.after)[1] + 1
        table.rows.insert(at, self.row.model_copy(deep=True))


class DeleteRow(_Model):
    op: Literal["delete_row"] = "delete_row"
    ref: RowRef
    row: Row = Field(description="The row as the reviewer saw it")

    def apply(self, doc: Document) -> None:
        table, ri = find_row(doc, self.ref)
        _same(self.row, table.rows[ri])
        del table.rows[ri]


class EditRow(_Model):
    op: Literal["edit_row"] = "edit_row"
    ref: RowRef
    row: Row = Field(description="The row as the reviewer saw it")
    code: str | None
    name: str
    level: int | None

    def apply(self, doc: Document) -> None:
        table, ri = find_row(doc, self.ref)
        row = table.rows[ri]
        _same(self.row, row)
        row.code, row.name, row.level = self.code, self.name, self.level
        if self.code:
            row.row_code = None  # a coded row is named by its code


class SplitRow(_Model):
    """One extracted row is really two printed ones (two lines read as one)."""

    op: Literal["split_row"] = "split_row"
    ref: RowRef
    row: Row = Field(description="The row as the reviewer saw it")
    first: Row
    second: Row

    def apply(self, doc: Document) -> None:
        table, ri = find_row(doc, self.ref)
        _same(self.row, table.rows[ri])
        table.rows[ri : ri + 1] = [self.first.model_copy(deep=True),
                                   self.second.model_copy(deep=True)]


class MergeRows(_Model):
    """Two extracted rows are one printed row (a label wrapped onto a second line)."""

    op: Literal["merge_rows"] = "merge_rows"
    ref: RowRef
    rows: list[Row] = Field(description="The two rows as the reviewer saw them")
    merged: Row

    def apply(self, doc: Document) -> None:
        table, ri = find_row(doc, self.ref)
        if ri + 1 >= len(table.rows):
            raise NotPlaced(f"{self.ref.label}: no row follows it")
        for seen, now in zip(self.rows, table.rows[ri : ri + 2], strict=True):
            _same(seen, now)
        table.rows[ri : ri + 2] = [self.merged.model_copy(deep=True)]


class EditMetadata(_Model):
    """The reviewer's department, fiscal year or document type (None = unchanged)."""

    op: Literal["edit_metadata"] = "edit_metadata"
    department: str | None = None
    fiscal_year: int | None = None
    doc_type: DocType | None = None

    def apply(self, doc: Document) -> None:
        for name in ("department", "fiscal_year", "doc_type"):
            if (value := getattr(self, name)) is not None:
                setattr(doc, name, value)


NarrativeField = Literal["amount", "share_pct", "growth_pct", "rate_pct"]


class EditNarrative(_Model):
    """One figure of a narrative fact, by the sentence it was read from."""

    op: Literal["edit_narrative"] = "edit_narrative"
    sentence: str
    page: int | None
    subject_text: str
    nth: int = Field(0, description="Among the facts with that sentence, page and subject")
    field: NarrativeField
    amount: Amount | None = None
    number: Decimal | None = None

    def apply(self, doc: Document) -> None:
        fact = self.fact(doc)
        setattr(fact, self.field, self.amount if self.field == "amount" else self.number)

    def fact(self, doc: Document) -> NarrativeFact:
        same = [f for f in doc.narrative if (f.sentence, f.page, f.subject_text)
                == (self.sentence, self.page, self.subject_text)]
        if self.nth >= len(same):
            raise NotPlaced(f"narrative “{self.subject_text}” (p.{self.page}): no such figure")
        return same[self.nth]


class EditSectionValue(_Model):
    """A target or self-evaluation value (`path` in SectionResult.data, dotted) corrected or
    confirmed."""

    op: Literal["section_value"] = "section_value"
    section_id: str
    path: str
    old: Any = None
    new: Any = None
    status: ValueStatus

    def apply(self, doc: Document) -> None:
        section = section_of(doc, self.section_id)
        if self.status == ValueStatus.corrected:
            set_path(section, self.path, self.new)
        elif get_path(section, self.path) != self.old:
            raise NotPlaced(f"{self.section_id}/{self.path}: now reads "
                            f"{get_path(section, self.path)!r}, confirmed as {self.old!r}")
        where = section.where.setdefault(self.path, Where())
        where.status = self.status


def section_of(doc: Document, section_id: str) -> SectionResult:
    for section in doc.sections:
        if section.section_id == section_id:
            return section
    raise NotPlaced(f"{section_id}: no such section")


def _walk(data: Any, parts: list[str]) -> tuple[Any, str | int]:
    for part in parts[:-1]:
        data = data[int(part)] if isinstance(data, list) else data[part]
    last = parts[-1]
    return data, int(last) if isinstance(data, list) else last


def get_path(section: SectionResult, path: str) -> Any:
    try:
        parent, key = _walk(section.data or {}, path.split("."))
        return parent[key]
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def set_path(section: SectionResult, path: str, value: Any) -> None:
    try:
        parent, key = _walk(section.data or {}, path.split("."))
        parent[key] = value
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise NotPlaced(f"{section.section_id}/{path}: no such value") from exc


StructuralEdit = Annotated[
    AddRow | DeleteRow | EditRow | SplitRow | MergeRows | EditMetadata | EditNarrative
    | EditSectionValue,
    Field(discriminator="op"),
]
EDIT_ACTIONS = ("add_row", "delete_row", "edit_row", "split_row", "merge_rows", "edit_metadata",
                "edit_narrative", "section_value")
