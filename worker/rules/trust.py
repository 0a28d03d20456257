"""Findings a reviewer can believe: a document finding only where the extraction is sound.

Run after every rule (worker/pipeline/checks.py). A table the extraction got wrong — its
columns unresolved (worker/rules/sanity.py), a value the page does not print, words in a value
column, rows dropped or a column misread (identities failing on most rows) — is one *cause*: the
findings that establish it and every document finding resting on that table become ONE
extraction finding, saying what is uncertain and listing every cell involved, instead of one
finding per cell. A cause that only leaves the table's rows incomplete (rule `doubts: rows`:
rows without their codes) takes in only the checks that need every row (`complete: true`).
A table an OCR misread was pointed at (worker/rules/misread.py) keeps its findings one by one,
each naming its suspect cell; the document findings on it are marked as resting on a misread
(DISTRUST_NOTE). Rules with `distrust: false` (low OCR confidence, a skipped 栏次 row) only ask
for a look and distrust nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas import Finding, FindingKind, Location
from worker.rules import Rule, catalogue
from worker.rules.index import dedupe

DISTRUST_NOTE = "（所涉表格的提取有误，先复核提取）"
_NOT_TABLES = {None, "narrative"}


@dataclass
class _Cause:
    evidence: list[Finding] = field(default_factory=list)
    resting: list[Finding] = field(default_factory=list)  # document findings it explains


def settle(findings: list[Finding], rules: Iterable[Rule]) -> list[Finding]:
    """The findings with every extraction cause grouped (see the module docstring)."""
    by_id = {r.id: r for r in rules}
    causes: dict[tuple[str, str], _Cause] = {}
    for f in findings:
        if _evidence(f, by_id):
            key = (tables_of(f.locations)[0], by_id[f.rule_id].doubts)
            causes.setdefault(key, _Cause()).evidence.append(f)
    for table, doubt in list(causes):  # a table in doubt as a whole: one cause, rows too
        if doubt == "rows" and (table, "table") in causes:
            causes[(table, "table")].evidence += causes.pop((table, "rows")).evidence
    pointed = {loc.table_key for f in findings if _pointed(f) for loc in f.locations if loc.suspect}
    out: list[Finding | tuple[str, str]] = []
    placed: set[tuple[str, str]] = set()
    for f in findings:
        key = _cause_of(f, causes, by_id)
        if key is not None:
            if not _evidence(f, by_id):
                causes[key].resting.append(f)
            if key not in placed:
                placed.add(key)
                out.append(key)  # the grouped finding goes where its first part was
            continue
        if f.kind == FindingKind.document and any(loc.table_key in pointed for loc in f.locations):
            f.kind = FindingKind.extraction
            f.message += DISTRUST_NOTE
        out.append(f)
    return [_group(causes[x]) if isinstance(x, tuple) else x for x in out]


def _evidence(f: Finding, rules: dict[str, Rule]) -> bool:
    """An extraction finding that establishes a cause (not an OCR pointer, not advisory)."""
    rule = rules.get(f.rule_id)
    return (
        f.kind == FindingKind.extraction
        and (rule is None or rule.distrust)
        and not _pointed(f)
        and bool(tables_of(f.locations))
    )


def _pointed(f: Finding) -> bool:
    return any(loc.suspect for loc in f.locations)


def tables_of(locs: list[Location]) -> list[str]:
    """The tables `locs` point into, in order (the narrative is not a table)."""
    return list(dict.fromkeys(loc.table_key for loc in locs if loc.table_key not in _NOT_TABLES))  # type: ignore[misc]


def _cause_of(
    f: Finding, causes: dict[tuple[str, str], _Cause], rules: dict[str, Rule]
) -> tuple[str, str] | None:
    if _evidence(f, rules):
        rule = rules.get(f.rule_id)
        key = (tables_of(f.locations)[0], rule.doubts if rule else "table")
        return key if key in causes else (key[0], "table")
    if f.kind != FindingKind.document and not _pointed(f):
        return None
    rule = rules.get(f.rule_id)
    kinds = ("table", "rows") if rule is not None and rule.complete else ("table",)
    return next(((t, k) for t in tables_of(f.locations) for k in kinds if (t, k) in causes), None)


def _group(cause: _Cause) -> Finding:
    first = cause.evidence[0]
    if len(cause.evidence) == 1 and not cause.resting:
        return first
    same = sum(1 for f in cause.evidence if f.rule_id == first.rule_id) - 1
    others = list(dict.fromkeys(f.message for f in cause.evidence if f.rule_id != first.rule_id))
    message = first.message + (f"；另有 {same} 处同类" if same else "")
    message += "".join(f"；{m}" for m in others)
    if cause.resting:
        titles = {r.id: r.zh for r in catalogue()}  # named as the reviewer reads them
        named = {f.rule_id: titles.get(f.rule_id) or f.message.split("：")[0] for f in cause.resting}
        rules = "、".join(f"“{title}”" for title in named.values())
        message += f"；因此另 {len(cause.resting)} 项核对（{rules}）不作为文件本身的问题"
    locs = [loc for f in cause.evidence for loc in f.locations]
    locs += [
        loc.model_copy(update={"suspect": False}) for f in cause.resting for loc in f.locations
    ]
    return first.model_copy(update={"message": message, "locations": dedupe(locs)})


def doubted_tables(findings: Iterable[Finding], rules: Iterable[Rule]) -> list[str]:
    """The tables an extraction cause puts in doubt, in order: what a re-read of the table may
    fix. An OCR misread pointed at a cell is not one (the page's text is that misreading), nor
    an advisory finding (`distrust: false`)."""
    by_id = {r.id: r for r in rules}
    return list(dict.fromkeys(tables_of(f.locations)[0] for f in findings if _evidence(f, by_id)))
