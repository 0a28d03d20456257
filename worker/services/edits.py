"""Structural edits a reviewer makes when the extraction got the shape wrong, and the review of
targets and self-evaluations: each is one `schemas.edits` model, applied to a copy of the
document, re-checked, saved with the version the reviewer saw, and audited old → new with the
model in `detail["edit"]`, from which a re-run replays it onto the new extraction.

    add_row / delete_row / edit_row(code, name)        a table's rows (by position, as shown)
    split_row(first, second) / merge_rows(row, row+1)  two lines read as one, one read as two
    edit_metadata(department, fiscal_year, doc_type)   what the cover says
    edit_narrative(index, field, typed)                a narrative figure (amount or percent)
    correct_section_value / confirm_section_value      a target or self-evaluation value

Positions (table, row, narrative index) are those of the review the caller holds: stable per
version, and a write on a stale version is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from schemas import DocStatus, DocType, Document, Row, Table, Value, ValueStatus
from schemas.edits import (
    AddRow,
    DeleteRow,
    EditMetadata,
    EditNarrative,
    EditRow,
    EditSectionValue,
    MergeRows,
    NotPlaced,
    RowRef,
    SplitRow,
    StructuralEdit,
    get_path,
    label,
    ref_of,
    section_of,
)
from schemas.geometry import union
from schemas.narrative import Amount
from schemas.performance import (
    DepartmentTargets,
    NarrativeTargets,
    ProjectTargets,
    SectionKind,
    SectionResult,
    SelfEvaluation,
)
from worker.errors import InvalidEdit
from worker.rules.narrative import SCALE
from worker.services.review import Checks, Review, _corrected, _require, _save, _table, recheck
from worker.store import Store
from worker.tables.numbers import Kind, parse
from worker.tables.rows import LEVELS

_MODELS: dict[SectionKind, type[BaseModel]] = {  # what a section's `data` validates as
    SectionKind.department_targets: DepartmentTargets,
    SectionKind.project_targets: ProjectTargets,
    SectionKind.narrative_targets: NarrativeTargets,
    SectionKind.self_evaluation: SelfEvaluation,
}


@dataclass(frozen=True)
class RowSpec:
    """A row as the reviewer types it: code (blank for none), name, values as printed."""

    code: str | None
    name: str
    values: dict[str, str] = field(default_factory=dict)


def add_row(store: Store, review: Review, table: int, after: int | None, spec: RowSpec,
            user: str, checks: Checks = recheck) -> Review:
    """A row the extraction missed, after row `after` (None: first)."""
    t = _table(review.document, table)
    base = t.rows[after] if after is not None and 0 <= after < len(t.rows) else None
    page = base.page if base else (t.pages[0] if t.pages else None)
    row = _row(t, spec, Row(page=page))
    nth = sum(x.key == t.key for x in review.document.tables[:table])
    after_ref = None if after is None else _ref(review, table, after)
    edit = AddRow(table_key=t.key, table_nth=nth, after=after_ref, row=row)
    return _edit(store, review, edit, user, f"{t.key}/{label(row)}", None, _show(row), checks)


def delete_row(store: Store, review: Review, table: int, row: int, user: str,
               checks: Checks = recheck) -> Review:
    seen = _at(review, table, row)
    edit = DeleteRow(ref=_ref(review, table, row), row=seen)
    return _edit(store, review, edit, user, _target(review, table, seen), _show(seen), None,
                 checks)


def edit_row(store: Store, review: Review, table: int, row: int, code: str | None, name: str,
             user: str, checks: Checks = recheck) -> Review:
    seen = _at(review, table, row)
    code, name = _code(code), name.strip()
    if (code, name) == (seen.code, seen.name):
        return review
    edit = EditRow(ref=_ref(review, table, row), row=seen, code=code, name=name,
                   level=_level(code, seen.level))
    new = f"{code or ''} {name}".strip()
    return _edit(store, review, edit, user, _target(review, table, seen),
                 f"{seen.code or ''} {seen.name}".strip(), new, checks)


def split_row(store: Store, review: Review, table: int, row: int, first: RowSpec,
              second: RowSpec, user: str, checks: Checks = recheck) -> Review:
    """Row `row` is two printed rows: `first` keeps its values (but those typed), `second`
    gets the values typed for it."""
    t, seen = _table(review.document, table), _at(review, table, row)
    one = _row(t, first, seen)
    two = _row(t, second, Row(page=seen.page, bbox=seen.bbox))
    edit = SplitRow(ref=_ref(review, table, row), row=seen, first=one, second=two)
    return _edit(store, review, edit, user, _target(review, table, seen), _show(seen),
                 f"{_show(one)} | {_show(two)}", checks)


def merge_rows(store: Store, review: Review, table: int, row: int, user: str,
               checks: Checks = recheck) -> Review:
    """Row `row` and the next are one printed row: the names joined, each column's value from
    whichever prints one (both printing different values is refused)."""
    a, b = _at(review, table, row), _at(review, table, row + 1)
    values: dict[str, Value] = {}
    for key in dict.fromkeys([*a.values, *b.values]):
        va, vb = a.values.get(key), b.values.get(key)
        filled = [v for v in (va, vb) if v is not None and v.raw.strip()]
        if len(filled) == 2 and filled[0].raw.strip() != filled[1].raw.strip():
            raise InvalidEdit(f"both rows print a value in column {key!r} "
                              f"({filled[0].raw!r}, {filled[1].raw!r}): correct one first",
                              "both_rows_valued", first=filled[0].raw, second=filled[1].raw)
        values[key] = (filled[0] if filled else va or vb).model_copy()  # type: ignore[union-attr]
    code = a.code or b.code
    merged = Row(code=code, row_code=None if code else a.row_code or b.row_code,
                 name=f"{a.name}{b.name}", level=_level(code, a.level or b.level), values=values,
                 page=a.page or b.page, bbox=union([a.bbox, b.bbox]) if a.page == b.page
                 else a.bbox)
    edit = MergeRows(ref=_ref(review, table, row), rows=[a, b], merged=merged)
    return _edit(store, review, edit, user, _target(review, table, a),
                 f"{_show(a)} | {_show(b)}", _show(merged), checks)


def edit_metadata(store: Store, review: Review, user: str, department: str | None = None,
                  fiscal_year: int | None = None, doc_type: DocType | None = None,
                  checks: Checks = recheck) -> Review:
    """The cover's facts as printed (an OCR'd department name, a year read wrong)."""
    doc = review.document
    wanted = {"department": department.strip() if department else None,
              "fiscal_year": fiscal_year, "doc_type": doc_type}
    if fiscal_year is not None and not 1949 <= fiscal_year <= 2200:
        raise InvalidEdit(f"{fiscal_year} is not a fiscal year", "not_a_year", year=fiscal_year)
    changed = {k: v for k, v in wanted.items() if v is not None and v != getattr(doc, k)}
    if not changed:
        return review
    edit = EditMetadata(**changed)
    old = {k: getattr(doc, k) for k in changed}
    return _edit(store, review, edit, user, "metadata", _kv(old), _kv(changed), checks)


_PCT_FIELDS = ("share_pct", "growth_pct", "rate_pct")


def edit_narrative(store: Store, review: Review, index: int, field_name: str, typed: str,
                   user: str, checks: Checks = recheck) -> Review:
    """One figure of narrative fact `index`: its amount (in the unit the sentence prints) or a
    percentage, as the sentence prints it; blank removes a figure the sentence does not state."""
    facts = review.document.narrative
    if not 0 <= index < len(facts):
        raise InvalidEdit(f"no narrative figure #{index}", "gone")
    fact = facts[index]
    nth = sum((f.sentence, f.page, f.subject_text) == (fact.sentence, fact.page, fact.subject_text)
              for f in facts[:index])
    common = dict(sentence=fact.sentence, page=fact.page, subject_text=fact.subject_text, nth=nth)
    raw = typed.strip().removesuffix("%").strip()
    if field_name == "amount":
        old = fact.amount.raw if fact.amount else ""
        unit = fact.amount.unit if fact.amount else "万元"
        value = _number(raw)
        amount = None if value is None else Amount(raw=raw, value=value, unit=unit,
                                                    wan=value * SCALE[unit])
        edit = EditNarrative(field="amount", amount=amount, **common)  # type: ignore[arg-type]
    elif field_name in _PCT_FIELDS:
        old = str(getattr(fact, field_name) or "")
        edit = EditNarrative(field=field_name, number=_number(raw), **common)  # type: ignore[arg-type]
    else:
        raise InvalidEdit(f"{field_name!r} is not a narrative figure", "not_editable")
    if old == raw:
        return review
    return _edit(store, review, edit, user, f"narrative/{fact.subject_text}/{field_name}", old,
                 raw, checks)


def correct_section_value(store: Store, review: Review, section_id: str, path: str, typed: str,
                          user: str, checks: Checks = recheck) -> Review:
    """A target or self-evaluation value as printed (`path` dotted in the section's data)."""
    section = _section(review, section_id)
    old = get_path(section, path)
    new: Any = typed.strip() or None
    if new == (None if old is None else str(old)):
        return review
    edit = EditSectionValue(section_id=section_id, path=path, old=old, new=new,
                            status=ValueStatus.corrected)
    trial = review.document.model_copy(deep=True)
    _place(trial, edit)
    try:
        _MODELS[section.kind].model_validate(section_of(trial, section_id).data or {})
    except ValidationError as exc:
        raise InvalidEdit(f"{typed!r} does not fit {path}: {exc.errors()[0]['msg']}",
                          "does_not_fit", typed=typed) from exc
    return _edit(store, review, edit, user, f"{section_id}/{path}", _str(old), new, checks)


def confirm_section_value(store: Store, review: Review, section_id: str, path: str, user: str,
                          checks: Checks = recheck) -> Review:
    section = _section(review, section_id)
    where = section.where.get(path)
    if where is not None and where.status != ValueStatus.extracted:
        return review  # a reviewer already vouched for it
    old = get_path(section, path)
    edit = EditSectionValue(section_id=section_id, path=path, old=old, new=old,
                            status=ValueStatus.confirmed)
    return _edit(store, review, edit, user, f"{section_id}/{path}", None, _str(old), checks)


# -- internals -----------------------------------------------------------------------------


def _edit(store: Store, review: Review, edit: StructuralEdit, user: str, target: str,
          old: str | None, new: str | None, checks: Checks) -> Review:
    _require(user)
    doc = review.document.model_copy(deep=True)
    _place(doc, edit)
    entry: dict[str, Any] = {"action": edit.op, "target": target, "old": old, "new": new,
                             "detail": {"edit": edit.model_dump(mode="json")}}
    audit = [entry]
    status = None
    if review.record.status == DocStatus.confirmed:
        status = DocStatus.needs_review
        audit.append({"action": "reopen", "detail": {"reason": f"{edit.op} after confirmation"}})
    return _save(store, review, doc, checks(doc), user, audit, status)


def _place(doc: Document, edit: StructuralEdit) -> None:
    try:
        edit.apply(doc)
    except NotPlaced as exc:
        raise InvalidEdit(str(exc), "gone") from exc


def _at(review: Review, table: int, row: int) -> Row:
    t = _table(review.document, table)
    if not 0 <= row < len(t.rows):
        raise InvalidEdit(f"no row #{row} in table {t.key}", "gone")
    return t.rows[row]


def _ref(review: Review, table: int, row: int) -> RowRef:
    _at(review, table, row)
    return ref_of(review.document, table, row)


def _section(review: Review, section_id: str) -> SectionResult:
    try:
        return section_of(review.document, section_id)
    except NotPlaced as exc:
        raise InvalidEdit(str(exc), "gone") from exc


def _row(table: Table, spec: RowSpec, like: Row) -> Row:
    """`like` with the spec's code, name and typed values (parsed as corrections are)."""
    code, name = _code(spec.code), spec.name.strip()
    if not (code or name):
        raise InvalidEdit("a row needs a code or a name", "row_needs_label")
    values = {k: v.model_copy() for k, v in like.values.items()}
    for key, typed in spec.values.items():
        if key not in {c.key for c in table.columns} and key not in values:
            raise InvalidEdit(f"no column {key!r} in table {table.key}", "gone")
        base = values.get(key) or Value(raw="", page=like.page)
        values[key] = _corrected(base, typed.strip(), table.unit, key)
    return like.model_copy(update={"code": code, "name": name, "values": values,
                                   "row_code": None if code else like.row_code,
                                   "level": _level(code, like.level)})


def _code(code: str | None) -> str | None:
    code = (code or "").strip().replace(" ", "")
    if code and not code.isdigit():
        raise InvalidEdit(f"{code!r} is not a code (digits, e.g. 2010101)", "not_a_code", typed=code)
    return code or None


def _level(code: str | None, default: int | None) -> int | None:
    return LEVELS.get(len(code), default) if code else default


def _number(raw: str) -> Decimal | None:
    parsed = parse(raw)
    if parsed.kind in (Kind.blank,):
        return None
    if parsed.kind == Kind.text:
        try:
            return Decimal(raw)
        except InvalidOperation as exc:
            raise InvalidEdit(f"{raw!r} is not a number", "not_a_number", raw=raw) from exc
    return parsed.value


def _target(review: Review, table: int, row: Row) -> str:
    return f"{review.document.tables[table].key}/{label(row)}"


def _show(row: Row) -> str:
    values = " ".join(f"{k}={v.raw}" for k, v in row.values.items() if v.raw.strip())
    return " ".join(p for p in (row.code, row.name, values) if p)


def _kv(d: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in d.items())


def _str(v: Any) -> str | None:
    return None if v is None else str(v)
