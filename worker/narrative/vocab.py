"""What a subject phrase of a narrative sentence means (vocabulary:
schemas/reference/narrative_subjects.yaml). Used by worker/narrative/."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

REFERENCE = Path(__file__).resolve().parents[2] / "schemas" / "reference"
_YEAR = re.compile(r"^(?P<before>.*?)\d{4}\s*年度?(期末|末|初)?")
MAX_UNIT_ENDS = 4  # '福州市公安局文职人员管理中心收入': the subject follows the 2nd end
_COMPARED = re.compile(r"(比|较|与)$")  # '收入比2025年（增加）': the year is the comparison's
ENUM = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、](?!\d)|[一二三四五六七八九十]+[、是])\s*"
)
_COMPARE = re.compile(r"^(比|较|与)(上年度?|上一年|\d{4}年度?)(预算)?(相比)?(预算)?$")
_PROJECT = re.compile(r"^\d{4}年.+项目$")
_FUNCTION = re.compile(r"(.+?)[（(]类[）)](?:(.+?)[（(]款[）)])?(?:(.+?)[（(]项[）)])?")
_KUAN_XIANG = re.compile(r"(.+?)[（(]款[）)](.+?)[（(]项[）)]")  # '住房改革支出（款）住房公积金（项）'
_XIANG = re.compile(r"(.+?)[（(]项[）)](?:支出)?$")  # '人大事务行政运行（项）支出': 款 name run in
# '204-公共安全支出', '2010399-其他政府办公厅（室）及相关机构事务支出', '行政运行（2013201）',
# '工资福利支出（301）': the code is printed before or after the name
_CODED = re.compile(r"^(?P<code>\d{3}(?:\d{2}){0,2})\s*[-－—.．、 ]?\s*(?P<name>\D.*)$")
_CODED_AFTER = re.compile(r"^(?P<name>\D.+?)\s*[（(](?P<code>\d{3}(?:\d{2}){0,2})[）)]$")
_CODE_KIND = {"2": "function", "3": "economic", "5": "economic"}  # by the code's first digit
_QUOTES = "“”\"‘’'「」"


@dataclass(frozen=True)
class Vocab:
    aliases: tuple[tuple[str, str], ...]  # (alias, subject), longest alias first
    generic: frozenset[str]
    qualifiers: tuple[tuple[str, str], ...]  # (text, scope), in priority order
    headings: tuple[tuple[str, str], ...]
    noise_anywhere: tuple[str, ...]
    noise_prefix: tuple[str, ...]
    noise_suffix: tuple[str, ...]
    role_words: tuple[str, ...]
    wholes: dict[str, str]
    classes: dict[str, str]  # printed function / economic class name → 3-digit code
    empty: frozenset[str]
    unit_headings: tuple[str, ...]
    unit_names: tuple[str, ...]
    wider_with: dict[str, tuple[str, str]]  # total → (part, the grand total it then is)


@cache
def vocab() -> Vocab:
    raw = yaml.safe_load((REFERENCE / "narrative_subjects.yaml").read_text("utf-8"))
    aliases = sorted(
        ((a, s) for s, al in raw["subjects"].items() for a in al), key=lambda x: -len(x[0])
    )
    flat = [(t, scope) for scope, texts in raw["qualifiers"].items() for t in texts]
    heads = [(t, scope) for scope, texts in raw["headings"].items() for t in texts]
    return Vocab(
        tuple(aliases),
        frozenset(raw["generic"]),
        tuple(flat),
        tuple(heads),
        tuple(raw["noise_anywhere"]),
        tuple(raw["noise_prefix"]),
        tuple(raw["noise_suffix"]),
        tuple(raw["role_words"]),
        dict(raw["wholes"]),
        _class_names(),
        frozenset(raw["empty"]),
        tuple(raw["unit_headings"]),
        tuple(raw["unit_names"]),
        {k: (v[0], v[1]) for k, v in raw["wider_with"].items()},
    )


def _class_names() -> dict[str, str]:
    """Function classes by their printed names, then economic classes (工资福利支出 301 …,
    with and without 支出 / 的) where the name is not a function class's."""
    raw = yaml.safe_load((REFERENCE / "function_codes.yaml").read_text("utf-8"))
    names = {name: code for code, ns in raw["classes"].items() for name in ns}
    econ = yaml.safe_load((REFERENCE / "economic_codes.yaml").read_text("utf-8"))["classes"]
    for code, name in econ.items():
        base = name.removesuffix("支出")
        for variant in (name, base, base + "支出", base.replace("的", ""), base.replace("的", "") + "支出"):
            names.setdefault(variant, code)
    return names


def qualifier(text: str) -> str | None:
    """The fund a phrase names ('财政拨款支出主要内容如下' → fiscal)."""
    return next((scope for t, scope in vocab().qualifiers if t in text), None)


def heading_scope(text: str) -> str | None:
    v = vocab()
    title = ENUM.sub("", text).strip()
    if len(title) >= 6 and title.endswith(v.unit_headings):
        return "unit"
    return next((scope for t, scope in v.headings if t in text), None)


def cut_phrase(text: str) -> str:
    """The subject phrase before the number: up to the first role word, cleaned of noise."""
    v = vocab()
    cut = min((i for w in v.role_words if (i := text.find(w)) >= 0), default=len(text))
    phrase = ENUM.sub("", text[:cut].strip())
    if not _PROJECT.match(phrase):  # '2024年网络安全检测检查项目' keeps its year
        phrase = _drop_year(phrase)
    for w in v.noise_anywhere:
        phrase = phrase.replace(w, "")
    changed = True
    while changed:
        changed = False
        for w in v.noise_prefix:
            if phrase.startswith(w):
                phrase, changed = phrase[len(w) :].lstrip("：:，, "), True
        for w in v.noise_suffix:
            if phrase.endswith(w) and len(phrase) > len(w):
                phrase, changed = phrase[: -len(w)], True
    phrase = ENUM.sub("", phrase.strip(" ，,、：:"))
    return "" if _COMPARE.match(phrase) else phrase


def _drop_year(phrase: str) -> str:
    """The phrase without its year and what leads up to it ('苏州市审计局2026 年度收入' →
    '收入'); where nothing follows the year the subject is printed before it ('公务用车运行维护费
    2026 年预算数', '收入比2025 年增加')."""
    m = _YEAR.match(phrase)
    if m is None:
        return phrase
    rest = phrase[m.end() :]
    return rest if rest.strip() else _COMPARED.sub("", m.group("before"))


@dataclass
class Subject:
    key: str
    scope: str | None = None
    name: str | None = None
    code: str | None = None


def resolve(phrase: str, parent: str | None = None, units: bool = True) -> Subject | None:
    """Subject key (and scope / name) of a cleaned phrase; None when it is empty. `units`: an
    unknown phrase is looked at again after the unit name it may open with."""
    if not phrase or phrase in vocab().empty:
        return None
    if (f := _function(phrase)) is not None:
        return f
    if phrase.endswith("项目") and len(phrase) > 3 and not phrase.endswith("预算项目"):
        return Subject("named_project", name=phrase[:-2])
    v = vocab()
    scope, rest = None, phrase
    for text, s in v.qualifiers:
        if text in phrase:
            scope, rest = s, phrase.replace(text, "", 1)
            break
    for alias, key in v.aliases:
        if key not in v.generic and alias in phrase:
            within = scope is not None and any(t in alias for t, s in v.qualifiers if s == scope)
            return _fund_line(key, None if within else scope, parent)
    # Generic words (收入 / 支出) only when they are the whole phrase: '外宾接待支出' is not 支出.
    for alias, key in v.aliases:
        if key in v.generic and rest.strip() == alias:
            return _fund_line(key, scope, parent)
    if scope and not rest.strip():
        return _fund_line("", scope, parent)
    if parent == "project":  # '项目支出…具体包括：1.社会保障管理684.15万元': a project
        return Subject("named_project", name=phrase)
    if units and (s := _after_unit(phrase, parent)) is not None:
        return s
    return Subject("unknown", name=phrase)


def _after_unit(phrase: str, parent: str | None) -> Subject | None:
    """The subject named after the unit that states it ('福州市公安局文职人员管理中心收入',
    '深圳市民政局（本级）部门预算支出'): the first known one after a unit name's end (a few
    ends looked at, each once: linear in the phrase)."""
    for m in itertools.islice(_unit_end().finditer(phrase), MAX_UNIT_ENDS):
        rest = cut_phrase(phrase[m.end() :])
        s = resolve(rest, parent, units=False) if rest else None
        if s is not None and s.key != "unknown":
            return s
    return None


@cache
def _unit_end() -> re.Pattern[str]:
    ends = sorted(vocab().unit_names, key=len, reverse=True)
    return re.compile(rf"(?:{'|'.join(map(re.escape, ends))})(?:[（(]本级[）)])?")


def _function(phrase: str) -> Subject | None:
    """A 类/款/项 the phrase names: '教育（类）职业教育（款）技校教育（项）', '204-公共安全支出',
    '“节能环保支出”科目', '一般公共服务支出' (a class name of schemas/reference/function_codes)."""
    classes = vocab().classes
    m = _FUNCTION.match(phrase)
    if m:
        parts = [p for p in m.groups() if p]
        parts[0] = parts[0].removesuffix("支出")
        code = classes.get(parts[0]) or classes.get(parts[0] + "支出")
        return Subject("function", name="/".join(parts), code=code if len(parts) == 1 else None)
    if (m := _KUAN_XIANG.match(phrase)) is not None:
        return Subject("function", name="/".join(("", *m.groups())))  # the 类 not printed
    if (m := _XIANG.match(phrase)) is not None:
        return Subject("function", name="//" + m.group(1))  # only the 项 marked
    code = None
    phrase = phrase.lstrip("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳ ")
    if (c := _CODED.match(phrase) or _CODED_AFTER.match(phrase)) is not None:
        code, phrase = c.group("code"), c.group("name")
    name = phrase.strip(_QUOTES).removesuffix("科目").strip(_QUOTES)
    if code is None and name not in classes:
        return None
    code = code or classes[name]
    key = _CODE_KIND.get(code[0])
    if key is None:
        return None
    if key == "function" and len(code) == 3:
        name = name.removesuffix("支出")
    return Subject(key, name=name, code=code)


def _fund_line(key: str, scope: str | None, parent: str | None) -> Subject:
    """'一般公共预算收入' and a bare '一般公共预算' under 收入合计 are income lines of that fund."""
    funds = ("general_budget", "gov_fund", "state_capital")
    if scope in funds and (
        key in ("income.total", "income.fiscal")  # '政府性基金预算财政拨款收入'
        or (not key and parent in ("income.total", "income.grand_total", "grand_total", None))
    ):
        return Subject(f"income.{scope}")
    if scope in funds and not key and parent == "income.carryover":
        return Subject(f"income.carryover.{scope}")
    if scope == "fiscal" and not key and (parent or "income").startswith("income"):
        return Subject("income.fiscal")  # '收入…其中：财政拨款3,855万元'
    if not key:
        return Subject("unknown", scope=scope, name=scope)
    return Subject(key, scope=scope)
