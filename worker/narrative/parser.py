"""Sentences → NarrativeFacts (see the package docstring for the reading rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from schemas.narrative import NarrativeFact
from worker.layout import BBox, Layout, TextBlock
from worker.narrative.amounts import MONEY, TOKEN, amount, normalize, number
from worker.narrative.sentences import Piece, heading_level, pieces
from worker.narrative.vocab import (
    ENUM,
    Subject,
    cut_phrase,
    heading_scope,
    qualifier,
    resolve,
    vocab,
)

# Clause marks; a half-width comma between digits is a thousands separator, not a mark.
_SPLIT = re.compile(
    r"([\x01\x02，；;：:]|,(?!\d)|(?<!\d),|(?:(?<=万元)|(?<=[%元个分]))\s*[、和](?!其中))"
)
_THRESHOLD = ("及", "以上", "以下", "（含", "(含", "含）")
_GRADE = re.compile(r"等级为\s*[“\"‘']?(优秀|良好|优|良|中|差)")
_NEUTRAL_SCOPES = {None, "overall", "income", "expenditure"}
_PART_SCOPES = {"basic", "project"}  # headings whose 类/款/项 figures are that part's
_CODED = {"function"}
_FUNDS = {"general_budget", "gov_fund", "state_capital"}
# sections listing parts of their own figure: a 公务接待费 there is part of 机关运行经费
_OWN_PARTS = {"admin_cost"}
_PCT_FIELD = {"share": "share_pct", "growth": "growth_pct", "rate": "rate_pct", "score": "score"}
# 其中 / 主要用于以下方面 hold to the sentence's end; 包括 / 主要为 to the next '；'
# ('主要用于保障在职人员…' describes; only '主要用于以下方面：' lists)
_PART_MARKERS = (("其中", "qz"), ("主要用于以下方面", "qz"), ("包括", "bk"), ("主要为", "bk"))
_INTRO = ("如下", "如下：", "如下:")  # '…主要内容如下：' introduces the items after it
_MONEY_END = re.compile(r"\d(?:万元|亿元|元)\s*$")
_UNKNOWN = "unknown"
_CENT = Decimal("0.01")  # rounding of one printed amount, in 万元


def parse_narrative(layout: Layout) -> list[NarrativeFact]:
    parser = _Parser()
    for piece in pieces(b for b in layout.blocks if isinstance(b, TextBlock)):
        if piece.heading:
            parser.heading(piece.text)
        else:
            parser.sentence(piece)
    _widen(parser.facts)
    return parser.facts


def _widen(facts: list[NarrativeFact]) -> None:
    """A total whose parts list a carryover (not 0), and add up to it with it, is the grand total
    (vocabulary `wider_with`); its parts' shares are of that grand total."""
    wider = vocab().wider_with
    for f in facts:
        whole = facts[f.parent] if f.parent is not None else None
        if whole is None or whole.subject not in wider or whole.amount is None:
            continue
        part, grand = wider[whole.subject]
        parts = [g for g in facts if g.parent == f.parent]
        sizes = [g.amount.wan for g in parts if g.amount is not None]
        if f.subject != part or not f.amount or not f.amount.wan or len(sizes) != len(parts):
            continue  # a carryover of 0 tells the two totals apart no more
        if abs(sum(sizes) - whole.amount.wan) > _CENT * len(parts):
            continue
        old, whole.subject = whole.subject, grand
        for g in parts:
            if g.share_of == old:
                g.share_of = grand


@dataclass
class _Parser:
    facts: list[NarrativeFact] = field(default_factory=list)
    section: str | None = None
    scope: str | None = None
    page: int | None = None
    bbox: BBox | None = None
    raw: str = ""
    first: int = 0  # the first fact of the current sentence
    last_top: int | None = None
    current: int | None = None
    # a subject named without a figure ('1.因公出国（境）费用。'), for the next subjectless one
    pending: Subject | None = None
    stack: list[tuple[str, int | None]] = field(default_factory=list)
    outline: list[tuple[int, str | None]] = field(default_factory=list)  # (level, scope)
    semicolon: bool = False  # the clause follows a '；'
    listing: int | None = None  # the fact a clause just ended with (a '：' lists its parts)
    hint: str | None = None  # the fund an introducing clause named, until the next heading
    part: str | None = None  # basic / project: the heading the 类/款/项 figures are parts of

    def heading(self, text: str) -> None:
        """A heading's scope; one naming none ('2、支出按功能科目分类的明细情况') keeps the
        scope of the heading it sits under ('（三）一般公共预算拨款支出明细情况')."""
        level = heading_level(text)
        self.outline = [(lv, sc) for lv, sc in self.outline if lv < level]
        own = heading_scope(text)
        inherited = next(
            (sc for _, sc in reversed(self.outline) if sc not in _NEUTRAL_SCOPES | _PART_SCOPES),
            None,
        )
        self.outline.append((level, own))
        self.section = text
        self.part = next((sc for _, sc in reversed(self.outline) if sc in _PART_SCOPES), None)
        if own in _PART_SCOPES:
            own = None  # '（二）项目支出：' qualifies the 类/款/项 under it, not the fund
        self.scope = own if own not in _NEUTRAL_SCOPES or inherited is None else inherited
        self.last_top = self.current = self.hint = None
        self.pending = named(text)

    def sentence(self, piece: Piece) -> None:
        self.page, self.bbox, self.raw = piece.page, piece.bbox, piece.text.strip()
        text = _mark_parens(normalize(piece.text))
        self.stack = [("qz", self.last_top)] if text.lstrip().startswith("其中") else []
        self.semicolon, self.listing = False, None
        self.first = len(self.facts)
        for seg in _SPLIT.split(text):
            self.segment(seg)
        if self.first != len(self.facts):
            self.pending = None  # a named subject carries to the next sentence only
        self.stack = []

    def segment(self, seg: str) -> None:
        listing, self.listing = self.listing, None
        if seg == "\x01":
            self.stack.append(("paren", self.current))
        elif seg == "\x02":
            while self.stack:
                kind, parent = self.stack.pop()
                if kind == "paren":
                    self.current = parent  # '（其中…），占86.13%' continues the fact before
                    break
        elif seg in ("；", ";"):
            self.semicolon = True
            if any(k == "qz" for k, _ in self.stack):
                # '其中基本支出…，包括人员经费…和公用经费…；项目支出…': a 包括 inside a 其中
                # list ends at '；' (a 包括 list of its own runs to the sentence's end)
                self.stack = [s for s in self.stack if s[0] != "bk"]
        elif seg in ("：", ":") and listing is not None:
            self.stack.append(("bk", listing))  # '总额6,143.52万元：货物…、工程…'
        elif seg.strip():
            self.clause(seg.strip())
            self.semicolon = False

    def clause(self, text: str) -> None:
        if self.stack and self._new_statement(text):
            self.stack, self.semicolon = [], False  # '…0万元,2021年本部门预算支出…'

        for marker, kind in _PART_MARKERS:
            at = text.find(marker, 0, 6 + len(marker))
            if 0 <= at < 6:
                whole = self._head() if marker == "其中" and self.semicolon else None
                self.stack.append((kind, whole if whole is not None else self._whole(text[:at])))
        fact: int | None = None
        start, figures = 0, False
        for m in TOKEN.finditer(text):
            lead, start = text[start : m.start()], m.end()
            role = role_of(lead, m.group(3), text[m.end() : m.end() + 4])
            if role is None and m.group(3) == "%" and not lead.strip() and self._change_aside():
                role = "growth"  # '较上年减少24.5万元（43%）': the change's rate
            if role in ("count", "grade"):
                self.count(role, number(m), lead)
                continue
            if role is None:
                continue
            if not figures:
                fact = self.subject_fact(text[: m.start()], role)
            elif role == "amount" and _names_subject(lead):
                fact = self.subject_fact(lead, role)  # '…运行维护费2.5万元（公务用车购置费0万元'
            figures = True
            fact = self.assign(fact, lead, role, m)
        if fact is not None:
            self.current = fact
            self.listing = fact if _MONEY_END.search(text) else None
        if not figures and (s := named(text)) is not None:
            self.pending = s  # '（一）基本支出：…' / '1.因公出国（境）费用。' name what follows
        if not figures and text.endswith(_INTRO):
            self.hint = qualifier(text) or self.hint  # '财政拨款支出主要内容如下：1.…

    def _change_aside(self) -> bool:
        """A bare percentage in brackets right after a change states its rate."""
        if not self.stack or self.stack[-1][0] != "paren" or self.current is None:
            return False
        f = self.facts[self.current]
        return f.change is not None and f.growth_pct is None

    def _new_statement(self, text: str) -> bool:
        """A clause naming a total anew — after a year ('2021年本部门预算支出…') or on the
        other side of the list's whole (收入 … 支出) — is no part of the open list."""
        m = TOKEN.search(text)
        s = resolve(cut_phrase(text[: m.start()] if m else text))
        if s is None or s.key not in _TOTALS:
            return False
        if _YEAR_START.match(text):
            return True
        whole = self.stack[-1][1]
        side = _side(self.facts[whole].subject) if whole is not None else None
        return side is not None and _side(s.key) not in (None, side)

    def _head(self) -> int | None:
        """The sentence's first top-level fact: what a '；其中…' after a list refers to."""
        return next(
            (i for i in range(self.first, len(self.facts)) if self.facts[i].parent is None), None
        )

    def _whole(self, lead: str) -> int | None:
        """What a '其中' / '包括' list is part of: the fact just stated in this sentence, else
        the last top-level one ('2.按支出用途分类，包括…' lists parts of 支出预算 again). A
        list opened by its own words next to an open one ('收入包括：…；支出包括：…') is its
        sibling: a part of the same whole."""
        if self.stack and self.stack[-1][0] == "bk" and _names_subject(lead):
            return self.stack.pop()[1]
        if self.current is not None and self.current >= self.first:
            return self.current
        top = self.last_top  # a whole stated before; not an item ('（11）购房补贴…99.45万元')
        return top if top is not None and self.facts[top].subject in _wholes() else None

    def subject_fact(self, before: str, role: str) -> int | None:
        """The fact a clause's figures belong to: a new one for the subject its opening phrase
        names; with no phrase, the subject just named, else the fact the clause continues."""
        parent = self.stack[-1][1] if self.stack else None
        psub = self.facts[parent].subject if parent is not None else None
        phrase = cut_phrase(before)
        subject = resolve(phrase, psub)
        if subject is not None and role in _COMPARING and self._continues(subject):
            return self.current  # '…三公经费预算27.09万元，比上年三公经费预算增加16.29万元'
        if subject is None:
            in_sentence = self.current is not None and self.current >= self.first
            if self.pending is None or in_sentence:
                return self.current
            subject, self.pending = self.pending, None
        return self.new_fact(subject, phrase, parent)

    def _continues(self, s: Subject) -> bool:
        if self.current is None or self.current < self.first:
            return False
        f = self.facts[self.current]
        return (f.subject, f.name) == (s.key, s.name) and f.change is None and s.key != _UNKNOWN

    def new_fact(self, s: Subject, text: str, parent: int | None) -> int:
        scope = s.scope
        if s.key in _CODED and self.part is not None:
            scope = self.part  # '（二）项目支出：…公共安全支出40230.95万元': its 项目支出
        elif s.key.startswith("sangong") and self.scope not in _OWN_PARTS:
            scope = "sangong"
        elif scope is None and self.scope not in _NEUTRAL_SCOPES:
            scope = self.scope
        elif scope is None and parent is not None and self.facts[parent].scope in _FUNDS:
            scope = self.facts[parent].scope  # '一般公共预算财政拨款支出…其中：基本支出…'
        elif scope is None:
            scope = self.hint
        self.facts.append(
            NarrativeFact(
                subject=s.key,
                subject_text=text,
                scope=scope,
                name=s.name,
                code=s.code,
                section=self.section,
                parent=parent,
                sentence=self.raw,
                page=self.page,
                bbox=self.bbox,
            )
        )
        return len(self.facts) - 1

    def assign(self, i: int | None, lead: str, role: str, m: re.Match[str]) -> int:
        if i is None:
            i = self.new_fact(Subject(_UNKNOWN), "", None)
        f = self.facts[i]
        if role == "score" and not (f.budget or f.full_year_budget or f.actual):
            i = self.new_fact(Subject(_UNKNOWN, name="score"), "", None)
            f = self.facts[i]
        if role in _PCT_FIELD:
            value = number(m)
            bare = not lead.strip() and f.change is not None and f.change.wan < 0
            if role == "growth" and (_falls(lead) or bare) and value > 0:
                value = -value
            setattr(f, _PCT_FIELD[role], value)
            if role == "share":
                f.share_of = self.share_of(lead, f)
            return i
        if getattr(f, role) is not None:  # a second amount of the same kind: its own fact
            i = self.new_fact(Subject(_UNKNOWN), f.subject_text, f.parent)
            f = self.facts[i]
        setattr(f, role, amount(m, negate=role == "change" and _falls(lead)))
        if f.parent is None and role != "change":
            self.last_top = i  # a whole later '其中' lists can refer to (not a growth aside)
        return i

    def share_of(self, lead: str, f: NarrativeFact) -> str | None:
        m = re.search(r"占(.+?)的", lead)
        if m:
            s = resolve(cut_phrase(m.group(1)))
            if s is not None and s.key != _UNKNOWN:
                return s.key
        if f.parent is not None:
            return self.facts[f.parent].subject
        return vocab().wholes.get(f.subject)

    def count(self, role: str, n: Decimal, lead: str) -> None:
        """'对本部门14个项目开展绩效自评，其中：评价等级为“优”的项目9个…' → one fact."""
        sentence = self.raw
        key = (
            "self_evaluation"
            if "自评" in sentence
            else ("performance_targets" if "绩效目标" in sentence else "project_count")
        )
        last = self.facts[-1] if self.facts else None
        if last is None or last.subject != key or last.sentence != sentence:
            self.new_fact(Subject(key), key, None)
        f = self.facts[-1]
        if role == "count":
            f.count = int(n)
        elif g := _GRADE.search(lead):
            f.grade_counts[g.group(1)[0]] = int(n)


@cache
def _wholes() -> frozenset[str]:
    """Subjects other figures are parts of (vocabulary `wholes`, figures.yaml decompositions
    aside): what a list can be a breakdown of when its whole was stated sentences before."""
    v = vocab()
    return frozenset(v.wholes.values()) | _TOTALS


_TOTALS = frozenset({"grand_total", "income.grand_total", "expenditure.grand_total",
                     "income.total", "expenditure.total", "procurement", "admin_cost"})  # fmt: skip
_YEAR_START = re.compile(r"^\d{4}年")


def _side(key: str) -> str | None:
    return next((side for side in ("income", "expenditure") if key.startswith(side)), None)


def _names_subject(text: str) -> bool:
    s = resolve(cut_phrase(text))
    return s is not None and s.key != _UNKNOWN


_COMPARING = ("change", "growth")


def named(text: str) -> Subject | None:
    """The known subject an enumerated item names on its own ('1.因公出国（境）费用',
    '（二）公务接待费'), not one mentioned in passing ('主要用于基本支出')."""
    if not ENUM.match(text):
        return None
    s = resolve(cut_phrase(text.rstrip("。：:")))
    return s if s is not None and s.key != _UNKNOWN else None


_ROLE_WORDS = (
    (("年初预算",), "budget"),
    (("全年预算",), "full_year_budget"),
    (("执行", "决算"), "actual"),
    (("预算为", "预算数"), "budget"),
)
_SHARE = ("占", "比重", "比例")
_RATE = ("完成", "执行率", "完成率", "执行进度")
_GROWTH = ("增长", "下降", "增幅", "降幅", "上升", "增加", "减少")
_CHANGE = ("增加", "减少", "增长", "下降")


def role_of(lead: str, unit: str, follow: str) -> str | None:
    if follow.startswith(_THRESHOLD):  # '100万元及以上项目', '单价50万元以上设备': a threshold
        return None
    if unit == "个":
        if follow.startswith("项目"):
            return "count"
        return "grade" if _GRADE.search(lead) else None
    if unit == "分":
        return "score" if "得分" in lead or "自评" in lead else None
    if unit == "%":
        for words, role in ((_SHARE, "share"), (_RATE, "rate"), (_GROWTH, "growth")):
            if any(w in lead for w in words):
                return role
        return None
    if unit not in MONEY:
        return None
    if any(w in lead for w in _CHANGE):
        return "change"
    for words, role in _ROLE_WORDS:
        if any(w in lead for w in words):
            return role
    return "amount"


def _falls(lead: str) -> bool:
    return any(w in lead for w in ("减少", "下降", "降幅", "减"))


def _mark_parens(text: str) -> str:
    """'（其中…）' → \\x01…\\x02 (nesting); other brackets such as （境）（类） stay text."""
    out, depth, marks = [], 0, []
    i = 0
    while i < len(text):
        if text.startswith(("（其中", "(其中"), i) or (
            text[i] in "（(" and _MONEY_END.search(text, max(0, i - 4), i)
        ):  # '公务用车购置及运行维护费2.5万元（公务用车购置费0万元…）' lists parts too
            marks.append(depth)
            depth += 1
            out.append("\x01")
            i += 1
            continue
        ch = text[i]
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
            if marks and marks[-1] == depth:
                marks.pop()
                out.append("\x02")
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)
