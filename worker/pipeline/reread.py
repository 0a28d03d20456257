"""Tables the deterministic reader got wrong, re-read by the LLM and accepted by arithmetic.

    requests(document, findings, layout) -> [RereadRequest]   tables to re-read, with their words
    decide(document, request, answer)   -> Decision           accept the model's rows, or not

A standard table is sent when an extraction cause puts it in doubt (worker/rules/trust.py:
unresolved columns, a figure the page does not print, identities failing on most rows …), never
for a contradiction of the document itself, nor for an OCR misread pointed at a cell (the page
text the model would read is that misreading). The model's rows replace the deterministic ones
only if every value, row label and code is printed on the table's pages — each value is mapped
back to the word that prints it, for its page and box —, they say something the deterministic
rows do not (an answer echoing them corrects nothing: the table stays in doubt), and the checks
then find nothing wrong in the table: no extraction cause on it, no identity within it failing.
Otherwise the deterministic rows stay, flagged. Pure: the LLM call is worker/llm/reread.py, the wiring
worker/runtime/reread.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from schemas import (
    UNCLASSIFIED,
    Document,
    Doubt,
    Finding,
    FindingKind,
    Row,
    Severity,
    Table,
    TableDoubt,
    Value,
)
from schemas.geometry import union
from schemas.reread import LINE_PT, PageWord, RereadAnswer, RereadRequest, RereadRow, line_of
from worker.layout import Layout, TableBlock
from worker.pipeline.checks import run_checks
from worker.rules import catalogue
from worker.rules.trust import doubted_tables, tables_of
from worker.tables.numbers import Kind, norm, norm_label, parse, wan_of
from worker.tables.rows import LEVELS

# More words than this would not fit one answer: on realdocs a table of 446-705 words needs
# 4.8k-6.3k answer tokens (gemma tokenizer) > llm_max_tokens 4096, and units listed one by one
# over dozens of pages run to 5,761 words. Such a table stays with the reviewer.
MAX_WORDS = 400
ECHO = "模型给出的行与确定性读取相同，未作更正：保留原读取及其疑点"
MIN_ROW_SHARE = 0.5  # an answer with fewer rows than this share of the reader's is incomplete
# Keys the reader gives a header it could not map (col4) or a second column on one key
# (total_2): the model answers in the reader's keys, so a re-read cannot resolve these.
_UNRESOLVED = re.compile(r"^col\d+$|_\d+$")


def requests(document: Document, findings: list[Finding], layout: Layout) -> list[RereadRequest]:
    """The tables to re-read: the first table of each key an extraction cause doubts (the
    checks read that one), with pages and rows, and the words of its pages."""
    doubted = doubted_tables(findings, catalogue())
    first: dict[str, int] = {}
    for i, table in enumerate(document.tables):
        first.setdefault(table.key, i)
    out = []
    for key in doubted:
        i = first.get(key)
        table = document.tables[i] if i is not None else None
        if table is None or key == UNCLASSIFIED or not table.pages or not table.rows:
            continue
        if any(_UNRESOLVED.search(c.key) for c in table.columns):
            continue
        words = words_on(layout, table.pages)
        if len(words) > MAX_WORDS:
            continue
        reasons = [
            f.message for f in findings if f.kind == FindingKind.extraction and key in tables_of(f.locations)
        ]
        out.append(
            RereadRequest(
                table_index=i,  # type: ignore[arg-type]
                table_key=key,
                title=table.title,
                unit=table.unit.value,
                pages=table.pages,
                columns=table.columns,
                reasons=reasons,
                words=words,
            )
        )
    return out


def words_on(layout: Layout, pages: list[int]) -> list[PageWord]:
    """Every cell and text token printed on `pages` (1-based), in reading order."""
    wanted = {p - 1 for p in pages}
    words: list[PageWord] = []
    for block in layout.blocks:
        if block.page not in wanted:
            continue
        if isinstance(block, TableBlock):
            cells = [c for row in block.rows for c in row if c.origin is None and c.text.strip()]
            for c in cells:
                page = c.page if c.page is not None else block.page
                words += _tokens(c.text, page, c.bbox or block.bbox, c.confidence)
        else:
            words += _tokens(block.text, block.page, block.bbox, None)
    return sorted(words, key=lambda w: (*line_of(w), w.bbox[0] if w.bbox else 0.0))


def _tokens(text: str, page: int, bbox: tuple | None, confidence: float | None) -> list[PageWord]:
    return [PageWord(text=t, page=page + 1, bbox=bbox, confidence=confidence) for t in text.split()]


# --- deciding --------------------------------------------------------------------------------


@dataclass
class Decision:
    accepted: bool
    reasons: list[str] = field(default_factory=list)
    document: Document | None = None  # with the re-read table, when accepted
    findings: list[Finding] = field(default_factory=list)  # its checks, when accepted


def decide(document: Document, request: RereadRequest, answer: RereadAnswer) -> Decision:
    table = document.tables[request.table_index]
    rows, ungrounded = _Grounder(request, table).rows(answer)
    if ungrounded:
        shown = "；".join(ungrounded[:8]) + ("…" if len(ungrounded) > 8 else "")
        return Decision(False, [f"{len(ungrounded)} 处不见于第{_pages(request)}页：{shown}"])
    had = sum(1 for r in table.rows if r.values)
    if not rows or len(rows) < MIN_ROW_SHARE * had:
        return Decision(False, [f"模型只给出 {len(rows)} 行（确定性读取 {had} 行）"])
    if _figures(rows) == _figures(table.rows):
        return Decision(False, [ECHO])
    doubts = _doubts_left(table, rows)
    tables = list(document.tables)
    tables[request.table_index] = table.model_copy(update={"rows": rows, "doubts": doubts})
    candidate = document.model_copy(update={"tables": tables})
    findings = run_checks(candidate, sections=candidate.sections)
    left = _still_wrong(findings, request.table_key)
    if left:
        return Decision(False, [f"重读后核对仍不成立：{f.message}" for f in left[:5]])
    return Decision(True, [], candidate, findings)


def _figures(rows: list[Row]) -> Counter[tuple]:
    """What a reading says, row by row: label, code and each figure (blank and text cells are
    no figure). Two readings that say the same are no correction of one by the other."""
    return Counter(
        (norm_label(r.name), r.code, col, v.value)
        for r in rows for col, v in r.values.items() if v.value is not None
    )


def _doubts_left(table: Table, rows: list[Row]) -> list[TableDoubt]:
    """The reader's doubts a re-read does not settle: the unit, and rows whose subject is not
    resolved (the model gives labels; a row key comes only from the reader's vocabulary, so
    echoing the reader's rows must not clear its doubt)."""
    unresolved = [r.name for r in rows if not (r.code or r.row_code)
                  and any(v.value for v in r.values.values())]
    keep = {Doubt.unit} | ({Doubt.rows} if unresolved else set())
    return [d for d in table.doubts if d.kind in keep]


def _still_wrong(findings: list[Finding], key: str) -> list[Finding]:
    """Findings the re-read table still causes: an extraction cause on it, or a failed
    identity within it (one across tables may be the other table's or the document's)."""
    doubted = set(doubted_tables(findings, catalogue()))
    return [
        f
        for f in findings
        if f.severity != Severity.info
        and ((key in doubted and key in tables_of(f.locations) and f.kind == FindingKind.extraction)
             or (f.kind == FindingKind.document and set(tables_of(f.locations)) == {key}))
    ]


def _pages(request: RereadRequest) -> str:
    return "、".join(map(str, request.pages))


class _Grounder:
    """Maps the model's rows onto the words of the table's pages."""

    def __init__(self, request: RereadRequest, table: Table) -> None:
        self.request, self.table = request, table
        self.columns = {c.key for c in request.columns}
        self.by_value: dict[tuple, list[PageWord]] = {}
        for w in request.words:
            if (k := _value_key(w.text)) is not None:
                self.by_value.setdefault(k, []).append(w)
        self.text = norm("".join(w.text for w in request.words))
        self.words = {norm(w.text) for w in request.words}
        self.used: set[int] = set()
        self.codes = {r.code for r in table.rows if r.code}
        self.unclaimed: list[Row | None] = list(table.rows)  # for their codes and row keys
        self.money = _money_columns(table)

    def rows(self, answer: RereadAnswer) -> tuple[list[Row], list[str]]:
        rows, bad = [], []
        for r in answer.rows:
            row, problems = self._row(r)
            bad += problems
            if row is not None and row.values:
                rows.append(row)
        return rows, bad

    def _row(self, r: RereadRow) -> tuple[Row | None, list[str]]:
        bad = []
        if norm(r.name) not in self.text or not (norm(r.name) or r.code):
            bad.append(f"行名“{r.name}”")
        if r.code and not self._code_printed(r.code):
            bad.append(f"编码“{r.code}”")
        picked: dict[str, PageWord] = {}
        anchor = self._anchor(r)
        for col, raw in r.values.items():
            if col not in self.columns:
                bad.append(f"{r.name}：未知列 {col}")
            elif (word := self._pick(raw, anchor)) is None:
                bad.append(f"{r.name}/{col}“{raw}”")
            else:
                picked[col] = word
        if bad or not picked:
            return None, bad  # a row without values is left out, as the reader leaves it
        return self._build(r, picked), []

    def _code_printed(self, code: str) -> bool:
        if code in self.codes or code in self.words:
            return True
        parts = [code[:3], code[3:5], code[5:]] if len(code) in (5, 7) else []
        return bool(parts) and all(p in self.words for p in parts if p)

    def _anchor(self, r: RereadRow) -> float | None:
        """The row's line: the vertical centre most of its candidate words share."""
        centres: Counter[int] = Counter()
        for raw in r.values.values():
            for w in self.by_value.get(_value_key(raw) or ("?",), []):
                if w.bbox:
                    centres[line_of(w)[1]] += 1
        return centres.most_common(1)[0][0] * LINE_PT if centres else None

    def _pick(self, raw: str, anchor: float | None) -> PageWord | None:
        key = _value_key(raw)
        found = self.by_value.get(key, []) if key is not None else []
        if not found:
            return None

        def rank(w: PageWord) -> tuple:
            centre = (w.bbox[1] + w.bbox[3]) / 2 if w.bbox else 0.0
            return (id(w) in self.used, abs(centre - anchor) if anchor is not None else 0.0)

        best = min(found, key=rank)
        self.used.add(id(best))
        return best

    def _build(self, r: RereadRow, picked: dict[str, PageWord]) -> Row:
        known = self._known(r.name)
        code = r.code or (known.code if known else None)
        values = {}
        for col, w in picked.items():
            parsed = parse(w.text)
            values[col] = Value(
                raw=w.text,
                value=parsed.value,
                wan=wan_of(parsed, self.table.unit, self.money.get(col, True)),
                page=w.page,
                bbox=w.bbox,
                confidence=w.confidence,
            )
        boxes = [w.bbox for w in picked.values() if w.bbox]
        first = next(iter(picked.values()))
        return Row(
            code=code,
            row_code=known.row_code if known else None,
            name=r.name,
            level=known.level if known else LEVELS.get(len(code or "")),
            values=values,
            page=first.page,
            bbox=union(boxes),
        )

    def _known(self, name: str) -> Row | None:
        """The deterministic row of this label (first not taken yet): its code and key."""
        label = norm_label(name)
        for i, row in enumerate(self.unclaimed):
            if row is not None and norm_label(row.name) == label:
                self.unclaimed[i] = None
                return row
        return None


def _value_key(text: str) -> tuple | None:
    """What makes two printings the same value: 1,234.50 = 1234.5; '-' = '—'."""
    parsed = parse(text)
    if parsed.kind in (Kind.blank, Kind.text):
        return None
    return (parsed.kind is Kind.percent, parsed.value if parsed.value is not None else Decimal(0))


def _money_columns(table: Table) -> dict[str, bool]:
    """Whether the reader normalized each column to 万元 (a money column) or not."""
    money: dict[str, bool] = {}
    for row in table.rows:
        for col, v in row.values.items():
            if v.value is not None and v.value != 0:
                money.setdefault(col, v.wan is not None)
    return money
