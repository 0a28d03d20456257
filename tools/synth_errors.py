"""Inject one inconsistency into a consistent synthetic document, and say where it is.

    bad, where = inject_error(doc, kind, rng)   # None when the document has nothing to break

`KINDS` maps each kind to the rule that must catch it; `where` is the Location the finding must
name (table, row code, column). Extraction kinds also attach the page text of the *correct*
document, so the checks can tell a misread / dropped row from a document error.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from schemas import Document, Location, Row, Table, Unit, Value
from schemas.narrative import Amount, NarrativeFact
from tools.synth_layout import to_blocks
from worker.layout import TableBlock, TextBlock

Injector = Callable[[Document, random.Random], Location | None]


def _delta(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(150, 5000)) / 100  # 1.50 … 50.00 万元: far above any tolerance


def bump(v: Value, wan: Decimal, unit: Unit) -> None:
    """Add `wan` 万元 to a printed figure (re-printed in the table's unit)."""
    new = (v.wan or Decimal(0)) + wan
    shown = new if unit == Unit.wan else new * 10000
    shown = shown.quantize(Decimal("0.01"))
    v.raw, v.value, v.wan = f"{shown}", shown, shown if unit == Unit.wan else shown / 10000


def _row(t: Table, pick: Callable[[Row], bool], rng: random.Random) -> Row | None:
    rows = [r for r in t.rows if pick(r)]
    return rng.choice(rows) if rows else None


def _loc(t: Table, r: Row, col: str) -> Location:
    return Location(table_key=t.key, row_code=r.code or r.row_code or r.name, column_key=col)


def _cell(
    doc: Document,
    key: str,
    pick: Callable[[Row], bool],
    col: str | Callable[[Table], str],
    rng: random.Random,
    also: tuple[str, ...] = (),
) -> Location | None:
    """Bump one cell (and `also` columns of the same row by the same amount)."""
    t = doc.table(key)
    if t is None:
        return None
    column = col(t) if callable(col) else col
    r = _row(t, lambda r: pick(r) and column in r.values, rng)
    if r is None:
        return None
    d = _delta(rng)
    for c in (column, *also):
        if c in r.values:
            bump(r.values[c], d, t.unit)
    return _loc(t, r, column)


def _main(t: Table) -> str:
    return next(c.key for c in t.columns)


def _code_len(n: int) -> Callable[[Row], bool]:
    return lambda r: len(r.code or "") == n


def summary_income_line(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc, "income_expenditure_summary", lambda r: r.row_code == "general_budget", "amount", rng
    )


def summary_class(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc,
        "income_expenditure_summary",
        lambda r: bool(r.code and r.values["amount"].wan),
        "amount",
        rng,
    )


def summary_carryover(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc, "income_expenditure_summary", lambda r: r.row_code == "carryover", "amount", rng
    )


def summary_balance(doc: Document, rng: random.Random) -> Location | None:
    t = doc.table("income_expenditure_summary")
    if t is None:
        return None
    d = _delta(rng)
    for r in t.rows:
        if r.row_code in ("year_end_carryover", "grand_total_expenditure"):
            bump(r.values["amount"], d, t.unit)
    return Location(table_key=t.key, row_code="grand_total_expenditure", column_key="amount")


def fiscal_income(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc, "fiscal_appropriation_summary", lambda r: r.row_code == "general_budget", "amount", rng
    )


def hierarchy(doc: Document, rng: random.Random) -> Location | None:
    """A 款 row off by d in total and project alike: its columns agree, its children do not."""
    return _cell(doc, "expenditure", _code_len(5), "total", rng, also=("project",))


def column_total(doc: Document, rng: random.Random) -> Location | None:
    return _cell(doc, "expenditure", _code_len(7), "total", rng)


def column_basic(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc, "general_budget_expenditure", lambda r: r.row_code == "total", "personnel", rng
    )


def income_sources(doc: Document, rng: random.Random) -> Location | None:
    return _cell(doc, "income", _code_len(7), lambda t: t.columns[1].key, rng)


def cross_table(doc: Document, rng: random.Random) -> Location | None:
    """The general-budget table's total moves (with its project column): the fiscal summary no
    longer agrees with it."""
    return _cell(
        doc,
        "general_budget_expenditure",
        lambda r: r.row_code == "total",
        "total",
        rng,
        also=("project",),
    )


def sangong_parts(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc,
        "sangong",
        lambda r: True,
        lambda t: "actual.abroad" if "actual.abroad" in {c.key for c in t.columns} else "abroad",
        rng,
    )


def projects_sum(doc: Document, rng: random.Random) -> Location | None:
    return _cell(
        doc,
        "project_expenditure",
        lambda r: r.row_code != "total",
        "total",
        rng,
        also=("general_budget",),
    )


def basic_rows(doc: Document, rng: random.Random) -> Location | None:
    return _cell(doc, "basic_expenditure", lambda r: r.row_code == "personnel_total", "amount", rng)


def _restate(doc: Document, f: NarrativeFact, old: str, new: str) -> None:
    """Print the changed figure in the sentence too (every fact of that sentence sees it)."""
    at = f.sentence.find(f.subject_text) if f.subject_text else 0
    at = f.sentence.find(old, max(at, 0))
    if at < 0:
        return
    sentence = f.sentence[:at] + new + f.sentence[at + len(old) :]
    for g in doc.narrative:
        if g.sentence == f.sentence and g is not f:
            g.sentence = sentence
    f.sentence = sentence


def _fact(
    doc: Document, pick: Callable[[NarrativeFact], bool], rng: random.Random
) -> NarrativeFact | None:
    facts = [f for f in doc.narrative if pick(f)]
    return rng.choice(facts) if facts else None


def _nloc(f: NarrativeFact, field: str) -> Location:
    return Location(table_key="narrative", row_code=f.subject, column_key=field)


CHECKED = {
    "grand_total",
    "income.grand_total",
    "expenditure.grand_total",
    "income.total",
    "expenditure.total",
    "basic",
    "project",
    "personnel",
    "public",
    "sangong",
    "sangong.reception",
    "function",
    "named_project",
}


def narrative_amount(doc: Document, rng: random.Random) -> Location | None:
    f = _fact(
        doc,
        lambda f: (
            f.subject in CHECKED
            and f.amount is not None
            and (f.subject != "named_project" or doc.doc_type == "budget")
        ),
        rng,
    )
    if f is None or f.amount is None:
        return None
    a, d = f.amount, _delta(rng)
    v = a.value + (d if a.unit == "万元" else d * 10000)
    f.amount = Amount(raw=f"{v}", value=v, unit=a.unit, wan=a.wan + d)
    _restate(doc, f, a.raw, f.amount.raw)
    return _nloc(f, "amount")


def _percent(doc: Document, rng: random.Random, field: str) -> Location | None:
    f = _fact(doc, lambda f: getattr(f, field) is not None and f.subject != "unknown", rng)
    if f is None:
        return None
    old = getattr(f, field)
    new = old + Decimal(rng.choice([-1, 1]) * rng.randint(50, 900)) / 100
    setattr(f, field, new)
    _restate(doc, f, f"{abs(old)}%", f"{abs(new)}%")
    return _nloc(f, field)


def narrative_share(doc: Document, rng: random.Random) -> Location | None:
    return _percent(doc, rng, "share_pct")


def narrative_growth(doc: Document, rng: random.Random) -> Location | None:
    return _percent(doc, rng, "growth_pct")


def narrative_rate(doc: Document, rng: random.Random) -> Location | None:
    return _percent(doc, rng, "rate_pct")


def narrative_grades(doc: Document, rng: random.Random) -> Location | None:
    f = _fact(doc, lambda f: bool(f.grade_counts), rng)
    if f is None:
        return None
    grade = rng.choice(list(f.grade_counts))
    f.grade_counts[grade] += 1
    return _nloc(f, "count")


def narrative_counts(doc: Document, rng: random.Random) -> Location | None:
    """A second statement of how many projects were evaluated, with another number."""
    f = _fact(doc, lambda f: f.subject == "self_evaluation" and f.count is not None, rng)
    if f is None or f.count is None:
        return None
    n = f.count + rng.choice([-1, 1, 2])
    doc.narrative.append(
        f.model_copy(update={"count": n, "grade_counts": {}, "sentence": f"共自评{n}个项目。"})
    )
    return _nloc(f, "count")


def narrative_parts(doc: Document, rng: random.Random) -> Location | None:
    """One part listed after '其中' grows past the whole."""
    parents = {f.parent for f in doc.narrative if f.parent is not None and f.amount is not None}
    kids = [f for f in doc.narrative if f.parent in parents and f.amount is not None]
    if not kids:
        return None
    f = rng.choice(kids)
    whole = doc.narrative[f.parent]  # type: ignore[index]
    a, extra = f.amount, (whole.amount or whole.budget or f.amount).wan + _delta(rng)  # type: ignore[union-attr]
    assert a is not None
    v = a.value + (extra if a.unit == "万元" else extra * 10000)
    f.amount = Amount(raw=f"{v}", value=v, unit=a.unit, wan=a.wan + extra)
    return _nloc(whole, "amount")


def _page_text(doc: Document) -> list[str]:
    """The text the (correct) document prints: what a reader of the PDF would find."""
    lines = []
    for b in to_blocks(doc, 0):
        if isinstance(b, TextBlock):
            lines.append(b.text)
        elif isinstance(b, TableBlock):
            lines += ["\t".join(c.text for c in row) for row in b.rows]
    return ["\n".join(lines)]


def dropped_row(doc: Document, rng: random.Random) -> Location | None:
    """The extraction skips a 项 row whose 款 has siblings: a sum fails, the text has the row."""
    t = doc.table("expenditure")
    doc.page_texts = _page_text(doc)
    if t is None:
        return None
    kuan = {
        r.code: sum(1 for k in t.rows if (k.code or "")[:5] == r.code and len(k.code or "") == 7)
        for r in t.rows
        if len(r.code or "") == 5
    }
    r = _row(
        t,
        lambda r: (
            len(r.code or "") == 7
            and kuan.get(r.code[:5], 0) >= 2
            and any(v.wan for v in r.values.values())
        ),
        rng,
    )
    if r is None:
        return None
    t.rows.remove(r)
    return Location(table_key=t.key, row_code=r.code, column_key=None)


def misread(doc: Document, rng: random.Random) -> Location | None:
    """The extraction misreads one figure (a value the page text does not contain)."""
    doc.page_texts = _page_text(doc)
    t = doc.table("expenditure")
    if t is None:
        return None
    r = _row(t, lambda r: r.code is not None and bool(r.values["total"].wan), rng)
    if r is None:
        return None
    bump(r.values["total"], Decimal("0.37") + Decimal(rng.randint(1, 9)) * 111, t.unit)
    return _loc(t, r, "total")


INJECTORS: dict[str, tuple[str, Injector]] = {
    "summary_income_line": ("summary.income_total", summary_income_line),
    "summary_class": ("summary.expenditure_total", summary_class),
    "summary_carryover": ("summary.income_grand_total", summary_carryover),
    "summary_balance": ("summary.balance", summary_balance),
    "fiscal_income": ("fiscal.income_total", fiscal_income),
    "hierarchy": ("hierarchy.sum", hierarchy),
    "column_total": ("columns.total_basic_project", column_total),
    "column_basic": ("columns.basic_personnel_public", column_basic),
    "income_sources": ("columns.income_sources", income_sources),
    "cross_table": ("cross.fiscal_general_budget", cross_table),
    "sangong_parts": ("sangong.parts", sangong_parts),
    "projects_sum": ("projects.rows_total", projects_sum),
    "basic_rows": ("basic.personnel_rows", basic_rows),
    "narrative_amount": ("narrative.amount", narrative_amount),
    "narrative_share": ("narrative.share", narrative_share),
    "narrative_growth": ("narrative.growth", narrative_growth),
    "narrative_rate": ("narrative.rate", narrative_rate),
    "narrative_grades": ("narrative.grades", narrative_grades),
    "narrative_counts": ("narrative.counts", narrative_counts),
    "narrative_parts": ("narrative.parts", narrative_parts),
    "dropped_row": ("hierarchy.sum", dropped_row),
    "misread": ("extraction.raw_in_text", misread),
}
KINDS: dict[str, str] = {kind: rule for kind, (rule, _) in INJECTORS.items()}
EXTRACTION_KINDS = {"dropped_row", "misread"}


def inject_error(doc: Document, kind: str, rng: random.Random) -> tuple[Document, Location] | None:
    """A copy of `doc` with one error of `kind`, and where it is; None if `doc` has no place
    for it (no project table in a final account, no carryover, …)."""
    bad = Document.model_validate_json(doc.model_dump_json())  # a deep copy, 2× faster
    where = INJECTORS[kind][1](bad, rng)
    return None if where is None else (bad, where)
