"""The narrative stage: figures stated in regular sentences, read deterministically.

    facts = parse_narrative(layout)

Headings set the section scope; paragraphs are split into sentences (。) and clauses (，；：、);
each number with a unit (万元 / 元 / % / 个 / 分) gets a role from the words before it (年初预算 →
budget, 执行数 / 决算 → actual, 占 → share, 增加 / 增长 → change / growth, 完成 / 执行率 → rate …)
and a subject from the phrase that opens its clause (vocabulary in worker/narrative/vocab.py). A
clause without a subject continues the previous fact ('…万元，占72.46%'); '其中' / '包括' /
'（其中…）' make the following facts parts of the one before. Irregular sentences yield nothing
here — the LLM stage reads those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from schemas.geometry import BBox
from schemas.narrative import Amount, NarrativeFact
from worker.layout import Layout, TextBlock
from worker.narrative.vocab import Subject, cut_phrase, heading_scope, resolve, vocab

_TOKEN = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万元|亿元|元|%|个|分)")
_SPLIT = re.compile(r"([\x01\x02，,；;：:]|(?:(?<=万元)|(?<=[%元个分]))\s*[、和](?!其))")
_HEADING = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}、)"
)
_THRESHOLD = ("及", "以上", "以下", "（含", "(含", "含）")
_GRADE = re.compile(r"等级为\s*[“\"‘']?(优秀|良好|优|良|中|差)")
_NEUTRAL_SCOPES = {None, "overall", "income", "expenditure"}
_SCALE = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}
_FULL = str.maketrans("０１２３４５６７８９．％", "0123456789.%")


def parse_narrative(layout: Layout) -> list[NarrativeFact]:
    parser = _Parser()
    for block in layout.blocks:
        if isinstance(block, TextBlock):
            parser.block(block)
    parser.flush()
    return parser.facts


@dataclass
class _Parser:
    facts: list[NarrativeFact] = field(default_factory=list)
    section: str | None = None
    scope: str | None = None
    buffer: str = ""
    page: int | None = None
    bbox: BBox | None = None
    last_top: int | None = None
    current: int | None = None
    pending: Subject | None = None
    stack: list[tuple[str, int | None]] = field(default_factory=list)

    def block(self, block: TextBlock) -> None:
        text = block.text.strip()
        if is_heading(text):
            self.flush()
            self.section, self.scope = text, heading_scope(text)
            self.last_top = self.current = self.pending = None
            return
        if not self.buffer:
            self.page = block.page + 1 if block.page is not None else None
            self.bbox = block.bbox
        self.buffer += text.replace("\n", "")
        *done, self.buffer = re.split(r"(?<=[。！？])", self.buffer)
        for sentence in done:
            self.sentence(sentence)

    def flush(self) -> None:
        if self.buffer.strip():
            self.sentence(self.buffer)
        self.buffer = ""

    def sentence(self, raw: str) -> None:
        text = _mark_parens(re.sub(r"(?<=\d)\s+(?=[\d万元%])", "", raw.translate(_FULL)))
        self.stack = [("qz", self.last_top)] if text.lstrip().startswith("其中") else []
        first = len(self.facts)
        for seg in _SPLIT.split(text):
            self.segment(seg, raw.strip())
        if first == len(self.facts):
            s = resolve(cut_phrase(text.rstrip("。")))
            if s is not None and s.key == "function":
                self.pending = s  # '1. 一般公共服务支出（类）…（项）。' names the next sentence
        self.stack = []

    def segment(self, seg: str, sentence: str) -> None:
        if seg == "\x01":
            self.stack.append(("paren", self.current))
        elif seg == "\x02":
            while self.stack:
                kind, parent = self.stack.pop()
                if kind == "paren":
                    self.current = parent  # '（其中…），占86.13%' continues the fact before
                    break
        elif seg in ("；", ";"):
            self.stack = [s for s in self.stack if s[0] != "bk"]
        elif seg.strip():
            self.clause(seg.strip(), sentence)

    def clause(self, text: str, sentence: str) -> None:
        # 其中 / 主要用于以下方面 hold to the sentence's end; 包括 / 主要为 to the next '；'
        for marker, kind in (("其中", "qz"), ("主要用于", "qz"), ("包括", "bk"), ("主要为", "bk")):
            if marker in text[:6]:
                self.stack.append((kind, self.current))
        fact: int | None = None
        start, resolved = 0, False
        for m in _TOKEN.finditer(text):
            lead, start = text[start : m.start()], m.end()
            role = role_of(lead, m.group(2), text[m.end() : m.end() + 4])
            if role in ("count", "grade"):
                self.count(role, Decimal(m.group(1)), lead, sentence)
                continue
            if role is None:
                continue
            if not resolved:
                fact, resolved = self.subject_fact(text[: m.start()], sentence), True
            fact = self.assign(fact, lead, role, m, sentence)
        if fact is not None:
            self.current = fact

    def subject_fact(self, before: str, sentence: str) -> int | None:
        parent = self.stack[-1][1] if self.stack else None
        psub = self.facts[parent].subject if parent is not None else None
        subject = resolve(cut_phrase(before), psub)
        if subject is None:
            if self.pending is not None:
                subject, self.pending = self.pending, None
            else:
                return self.current
        return self.new_fact(subject, cut_phrase(before), parent, sentence)

    def new_fact(self, s: Subject, text: str, parent: int | None, sentence: str) -> int:
        scope = s.scope
        if s.key.startswith("sangong"):
            scope = "sangong"
        elif scope is None and self.scope not in _NEUTRAL_SCOPES:
            scope = self.scope
        self.facts.append(
            NarrativeFact(
                subject=s.key,
                subject_text=text,
                scope=scope,
                name=s.name,
                section=self.section,
                parent=parent,
                sentence=sentence,
                page=self.page,
                bbox=self.bbox,
            )
        )
        i = len(self.facts) - 1
        if parent is None:
            self.last_top = i
        return i

    def assign(self, i: int | None, lead: str, role: str, m: re.Match[str], sentence: str) -> int:
        num, unit = m.group(1), m.group(2)
        if i is None:
            i = self.new_fact(Subject("unknown"), "", None, sentence)
        f = self.facts[i]
        if role == "score" and not (f.budget or f.full_year_budget or f.actual):
            i = self.new_fact(Subject("unknown", name="score"), "", None, sentence)
            f = self.facts[i]
        value = Decimal(num.replace(",", ""))
        if role in ("share", "growth", "rate", "score"):
            value = -value if role == "growth" and _falls(lead) else value
            setattr(
                f,
                {
                    "share": "share_pct",
                    "growth": "growth_pct",
                    "rate": "rate_pct",
                    "score": "score",
                }[role],
                value,
            )
            if role == "share":
                f.share_of = self.share_of(lead, f)
            return i
        sign = -1 if role == "change" and _falls(lead) else 1
        amount = Amount(
            raw=num,
            value=value * sign,
            unit="元" if unit == "元" else "万元",
            wan=value * sign * _SCALE[unit],
        )
        if getattr(f, role) is not None:  # a second amount of the same kind: a new fact
            i = self.new_fact(
                Subject(f.subject, f.scope, f.name), f.subject_text, f.parent, sentence
            )
            f = self.facts[i]
        setattr(f, role, amount)
        return i

    def share_of(self, lead: str, f: NarrativeFact) -> str | None:
        m = re.search(r"占(.+?)的", lead)
        if m:
            s = resolve(cut_phrase(m.group(1)))
            if s is not None:
                return s.key
        if f.parent is not None:
            return self.facts[f.parent].subject
        return vocab().wholes.get(f.subject)

    def count(self, role: str, n: Decimal, lead: str, sentence: str) -> None:
        """'对本部门14个项目开展绩效自评，其中：评价等级为“优”的项目9个…' → one fact."""
        key = (
            "self_evaluation"
            if "自评" in sentence
            else ("performance_targets" if "绩效目标" in sentence else "project_count")
        )
        last = self.facts[-1] if self.facts else None
        if last is None or last.subject != key or last.sentence != sentence:
            self.new_fact(Subject(key), key, None, sentence)
        f = self.facts[-1]
        if role == "count":
            f.count = int(n)
        elif g := _GRADE.search(lead):
            f.grade_counts[g.group(1)[0]] = int(n)


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
        if "占" in lead:
            return "share"
        if any(w in lead for w in ("完成", "执行率", "完成率", "执行进度")):
            return "rate"
        if any(w in lead for w in ("增长", "下降", "增幅", "降幅", "上升", "增加", "减少")):
            return "growth"
        return None
    if any(w in lead for w in ("增加", "减少", "增长", "下降")):
        return "change"
    for words, role in (
        (("年初预算",), "budget"),
        (("全年预算",), "full_year_budget"),
        (("执行", "决算"), "actual"),
        (("预算为", "预算数"), "budget"),
    ):
        if any(w in lead for w in words):
            return role
    return "amount"


def _falls(lead: str) -> bool:
    return any(w in lead for w in ("减少", "下降", "降幅", "减"))


def is_heading(text: str) -> bool:
    return len(text) <= 40 and bool(_HEADING.match(text)) and not _TOKEN.search(text)


def _mark_parens(text: str) -> str:
    """'（其中…）' → \\x01…\\x02 (nesting); other brackets such as （境）（类） stay text."""
    out, depth, marks = [], 0, []
    i = 0
    while i < len(text):
        if text.startswith(("（其中", "(其中"), i):
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
