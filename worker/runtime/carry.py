"""A re-run never wipes review work.

A document is extracted again when RQ re-runs a job it believes abandoned (the worker died after
the job committed), when someone requeues it after a pipeline fix, or when a job is retried.
Whatever a reviewer did to the previous result is carried onto the new one:

    structural edits               replayed from the audit log in order (rows added, deleted,
                                   split, merged, renamed; metadata; narrative figures; target
                                   and self-evaluation values — schemas/edits.py), each where
                                   its keys still find what the reviewer saw, else a conflict
                                   (and not tried again by later re-runs: `dropped_edits`)
    corrected / confirmed values   put back on the same cell (table kind + occurrence, row label
                                   + occurrence, column), the reviewer's value wins
    a confirmed document           stays confirmed, unless a reviewed cell could not be placed
                                   or the new reading disagrees with a value the reviewer
                                   confirmed: then it is `needs_review` with a Problem each

    dismissed findings             nothing to move: dismissals live in their own table, keyed
                                   by the finding's identity (rule + cells, schemas.findings.
                                   finding_key), so a finding the new run raises again with the
                                   same evidence is still dismissed; the entry counts them

Each carry is one audit entry (`rerun`: old → new status, values kept, conflicts, dismissals
still covering a finding / lapsed), so the reviewer can see the system touched the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import TypeAdapter

from schemas import DocStatus, Document, Finding, Problem, Row, ValueStatus
from schemas.edits import EDIT_ACTIONS, EditSectionValue, NotPlaced, StructuralEdit, row_refs
from schemas.records import AuditEntry, Dismissal

RowKey = tuple[str, int, str, int]  # table key, its n-th, row label, its n-th
_STATUS_ACTIONS = {"confirm": True, "reopen": False}  # review actions that set the doc status


@dataclass
class Carried:
    """What a re-run inherited from the review of the previous result."""

    kept: int = 0
    conflicts: list[str] = field(default_factory=list)
    confirmed: bool = False  # the reviewer had confirmed the document
    edits: int = 0  # structural edits replayed
    dropped: list[int] = field(default_factory=list)  # audit ids of edits that did not fit

    @property
    def any(self) -> bool:
        return bool(self.kept or self.conflicts or self.confirmed or self.edits)


_EDIT = TypeAdapter(StructuralEdit)


def edited(audit: list[AuditEntry]) -> bool:
    """A reviewer made a structural edit (rows, metadata, narrative, targets)."""
    return any(e.action in EDIT_ACTIONS for e in audit)


def replay_edits(doc: Document, audit: list[AuditEntry], carried: Carried,
                 sections: set[str] | None = None, later: set[str] | frozenset[str] = frozenset()
                 ) -> None:
    """Re-apply the reviewer's structural edits to a new extraction (in place), in the order
    they were made. `sections`: only the edits of those sections (the LLM's, once back);
    `later`: sections still at the LLM, whose edits wait for them."""
    gave_up = {i for e in audit if e.action == "rerun" for i in e.detail.get("dropped_edits", [])}
    for entry in audit:
        if entry.action not in EDIT_ACTIONS or entry.id in gave_up or "edit" not in entry.detail:
            continue
        edit = _EDIT.validate_python(entry.detail["edit"])
        on_section = edit.section_id if isinstance(edit, EditSectionValue) else None
        if (sections is not None and on_section not in sections) or on_section in later:
            continue
        try:
            edit.apply(doc)
        except NotPlaced as exc:
            when = f"{entry.at:%Y-%m-%d %H:%M}"
            carried.conflicts.append(f"{entry.action} by {entry.user} ({when}): {exc}; not "
                                     "re-applied (see the audit log)")
            carried.dropped.append(entry.id)
            doc.problems.append(Problem(stage="review", message=carried.conflicts[-1]))
        else:
            carried.edits += 1


def was_confirmed(audit: list[AuditEntry]) -> bool:
    """The reviewer's last word on the document's status (the store status may be `running` now)."""
    said = [_STATUS_ACTIONS[e.action] for e in audit if e.action in _STATUS_ACTIONS]
    return bool(said) and said[-1]


def reviewed(doc: Document) -> bool:
    """Some value of the document was corrected or confirmed by a reviewer."""
    return any(v.status != ValueStatus.extracted for t in doc.tables for r in t.rows
               for v in r.values.values())


def carry_review(old: Document | None, new: Document, confirmed: bool,
                 audit: list[AuditEntry] | None = None,
                 later: set[str] | frozenset[str] = frozenset()) -> Carried:
    """Replay the reviewer's structural edits (`audit`) onto `new`, then put the reviewer's
    values of `old` on it (in place); conflicts become Problems. `later`: see replay_edits."""
    carried = Carried(confirmed=confirmed)
    if old is None:
        return carried
    replay_edits(new, audit or [], carried, later=later)
    replayed = len(carried.conflicts)  # already Problems
    rows = dict(_rows(new))
    kept = [(key, column, value) for key, row in _rows(old)
            for column, value in row.values.items() if value.status != ValueStatus.extracted]
    for key, column, value in kept:
        where = f"{key[0]}/{key[2]}/{column}"
        target = rows.get(key)
        if target is None:
            carried.conflicts.append(f"{where}: the reviewed value {value.raw!r} has no row in "
                                     "the new extraction; it is kept only in the audit log")
            continue
        read = target.values[column].raw if column in target.values else ""
        if value.status == ValueStatus.confirmed and read.strip() != value.raw.strip():
            carried.conflicts.append(f"{where}: confirmed as {value.raw!r}, the new extraction "
                                     f"reads {read!r}; the confirmed value is kept")
        target.values[column] = value.model_copy()
        carried.kept += 1
    new.problems.extend(Problem(stage="review", message=m) for m in carried.conflicts[replayed:])
    return carried


def carried_status(carried: Carried, status: DocStatus) -> DocStatus:
    """A confirmed document stays confirmed unless the carry found a conflict."""
    if carried.confirmed and not carried.conflicts:
        return DocStatus.confirmed
    if carried.conflicts:
        return DocStatus.needs_review
    return status


def audit_entry(carried: Carried, old: DocStatus, new: DocStatus,
                findings: list[Finding] | None = None,
                dismissals: dict[str, Dismissal] | None = None) -> dict[str, object]:
    detail: dict[str, object] = {"kept": carried.kept, "conflicts": carried.conflicts}
    if carried.edits or carried.dropped:
        detail |= {"edits": carried.edits, "dropped_edits": carried.dropped}
    if dismissals:
        covering = sum(any(d.covers(f) for f in findings or []) for d in dismissals.values())
        detail |= {"dismissed": covering, "dismissals_lapsed": len(dismissals) - covering}
    return {"action": "rerun", "old": old.value, "new": new.value, "detail": detail}


def _rows(doc: Document) -> Iterator[tuple[RowKey, Row]]:
    """Rows under a key that survives a re-extraction: positions may shift, labels do not."""
    for ref, ti, ri in row_refs(doc):
        yield (ref.table_key, ref.table_nth, ref.label, ref.label_nth), doc.tables[ti].rows[ri]
