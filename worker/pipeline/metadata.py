"""Extract-stage helper: document metadata (department, region, year, budget vs final account,
unit) from the first lines of the text. Patterns are data in schemas/reference/metadata.yaml."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from schemas import DocType, Region, Unit

_HEAD_CHARS = 4000
_UNIT = re.compile(r"单位[：:]\s*(万元|元)")


@dataclass
class Metadata:
    department: str | None
    region: Region
    fiscal_year: int | None
    doc_type: DocType | None
    unit: Unit | None


@cache
def _ref() -> dict:
    return yaml.safe_load(files("schemas").joinpath("reference/metadata.yaml").read_text("utf-8"))


def read_metadata(text: str) -> Metadata:
    head = _clean(text[:_HEAD_CHARS])
    title_dept, year = _from_title(head)
    dept = _labelled_department(head) or title_dept or _org_line(head)
    year = year or _year(head)
    region = _region(dept) if dept else Region()
    return Metadata(dept, region, year, _doc_type(head), _unit(text))


def _clean(text: str) -> str:
    labels = "|".join(sorted(_ref()["field_labels"], key=len, reverse=True))
    text = re.sub(rf"(?<=\S)[ \t]*(?=(?:{labels})[：:])", "\n", text)
    for pattern in _ref()["department_prefix_noise"]:
        text = re.sub(pattern, "", text, flags=re.M)
    return text


def _from_title(head: str) -> tuple[str | None, int | None]:
    joined = re.sub(r"\s*\n\s*", "", head[:600])  # titles are often split over lines
    for pattern in _ref()["title_patterns"]:
        for m in re.finditer(pattern, joined):
            dept = _trim_department(m["dept"])
            if dept:
                return dept, int(m["year"])
    return None, None


def _org_line(head: str) -> str | None:
    """A short line that is nothing but an organisation's name (cover pages, table headers)."""
    for line in head.splitlines()[:80]:
        line = line.strip()
        if 4 <= len(line) <= 40 and re.fullmatch(r"[\u4e00-\u9fff（）()]+", line):
            name = _trim_department(line)
            if name == line:
                return name
    return None


def _labelled_department(head: str) -> str | None:
    labels = "|".join(_ref()["department_labels"])
    for m in re.finditer(rf"(?:{labels})[：:]\s*([^\s：:]{{2,60}})", head):
        name = _trim_department(m[1])
        if name:
            return name
    return None


def _trim_department(name: str) -> str | None:
    name = re.sub(r"^(?:\d{4}年度?)", "", name).strip("：: ")
    for lead in _ref()["department_lead_ins"]:
        name = name.removeprefix(lead)
    suffixes = sorted(_ref()["department_suffixes"], key=len, reverse=True)
    best = max((name.rfind(s) + len(s) for s in suffixes if s in name), default=-1)
    name = name[:best] if best > 1 else ""
    return name if len(name) >= 4 and name not in _ref()["not_departments"] else None


def _year(head: str) -> int | None:
    for pattern in _ref()["year_patterns"]:
        m = re.search(pattern, head)
        if m:
            return int(m["year"])
    return None


def _doc_type(head: str) -> DocType | None:
    final, budget = (len(re.findall(_ref()[k], head)) for k in ("final_account_titles",
                                                                 "budget_titles"))
    if final != budget:
        return DocType.final_account if final > budget else DocType.budget
    final = sum(head.count(w) for w in _ref()["final_account_words"])
    budget = sum(head.count(w) for w in _ref()["budget_words"])
    if final == budget == 0:
        return None
    return DocType.final_account if final > budget else DocType.budget


def _region(name: str) -> Region:
    ref = _ref()
    province = next((p for p in ref["provinces"] if p in name), None)
    rest = name.split(province, 1)[1] if province else name
    rest = re.sub(r"^中共", "", rest)
    city = re.match(ref["city_pattern"], rest)
    after = rest[city.end():] if city else rest
    county = re.match(ref["county_pattern"], after)
    return Region(province=province, city=city["city"] if city else None,
                  county=county["county"] if county else None)


def _unit(text: str) -> Unit | None:
    counts = Counter(_UNIT.findall(text))
    return Unit(counts.most_common(1)[0][0]) if counts else None
