"""Where a narrative figure sits in the tables (worker/rules/figures.yaml).

A fact is compared only with the figures its subject *and scope* name: a scope without an entry
of its own falls back to the subject's "_" entry only when it is no scope at all or the
subject's own family (sangong.* under 三公); a 公务接待费 listed as part of 机关运行经费, a 类
restated under 上年结转, a 基本支出 of 政府性基金 are not guessed onto another table's figure.
类/款/项 and economic classes are found by the code the sentence prints (or the class name
gives), else by their printed names, in the tables their scope names.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from schemas import DocType, Row
from schemas.narrative import NarrativeFact
from worker.rules.index import Fig, Index, TableIndex


@cache
def figure_map() -> dict:
    return yaml.safe_load(Path(__file__).with_name("figures.yaml").read_text("utf-8"))


def refs(kind: str, f: NarrativeFact) -> list[str]:
    entry = figure_map()[kind].get(f.subject) or {}
    scope = f.scope or "_"
    if scope in entry:
        return entry[scope]
    own = scope == "_" or f.subject.split(".")[0] == scope
    return entry.get("_", []) if own else []


def figs_of(ix: Index, specs: list[str]) -> list[Fig]:
    out = []
    for spec in specs:
        r = ix.ref(spec)
        if r is not None:
            out.extend(r[1])
    return out


def figures(ix: Index, f: NarrativeFact) -> list[Fig]:
    """The table figures a fact's value restates (any one of them must agree); none for a
    part of a whole whose subject is unknown ('XX仲裁院预算4,720.86万元，包括…': a unit's)."""
    facts = ix.doc.narrative
    if f.parent is not None and 0 <= f.parent < len(facts) and facts[f.parent].subject == "unknown":
        return []
    if f.subject in figure_map()["coded"]:
        return coded_figs(ix, f)
    if f.subject == "named_project":
        return project_figs(ix, f) if ix.doc.doc_type != DocType.final_account else []
    return figs_of(ix, refs("figures", f))


def coded_figs(ix: Index, f: NarrativeFact) -> list[Fig]:
    """A 类/款/项 (or economic class) by its code, else its printed name path."""
    places = figure_map()["coded"][f.subject]
    scope = f.scope or "_"
    out: list[Fig] = []
    for place in places.get(scope, []):
        tkey, col = place.split(":")
        ti = ix.tables.get(tkey)
        row = None if ti is None else (ti.by_code.get(f.code or "") or _by_name(ti, f))
        if ti is None or row is None:
            continue
        fig = ti.fig(row, col)
        if fig is not None and fig.where[2] in row.values:  # a cell the row prints
            out.append(fig)
    return out


def _by_name(ti: TableIndex, f: NarrativeFact) -> Row | None:
    if not f.name or f.subject != "function":
        return None
    parts = f.name.split("/")
    width = {1: 3, 2: 5, 3: 7}.get(len(parts), 0)
    for code, row in ti.by_code.items():
        ancestors = [ti.by_code.get(code[:n]) for n in (3, 5)[: len(parts) - 1]]
        if len(code) != width or not _names_row(row, ancestors, parts):
            continue
        if all(
            a is None or not p or norm_name(a.name) == norm_name(p)  # '' : a 类 not printed
            for a, p in zip(ancestors, parts, strict=False)
        ):
            return row
    return None


def _names_row(row: Row, ancestors: list[Row | None], parts: list[str]) -> bool:
    """The printed last part names the row — or, its 款 not printed apart, the 款's name and
    the row's run together ('人大事务行政运行（项）')."""
    last = norm_name(parts[-1])
    if norm_name(row.name) == last:
        return True
    kuan = ancestors[1] if len(ancestors) > 1 and not parts[-2] else None
    return kuan is not None and norm_name(kuan.name) + norm_name(row.name) == last


def project_figs(ix: Index, f: NarrativeFact) -> list[Fig]:
    """The project table's amounts for a project name: every row printing that name (several
    units' or years' projects can share one: 烟台审计局's three 审计业务经费, 31.00, 539.00 and
    18.00), else the first row whose name contains it or is contained in it."""
    ti = ix.tables.get("project_expenditure")
    if ti is None or not f.name:
        return []
    rows = [r for r in ti.rows if r is not ti.total and r.name and same_name(r.name, f.name)]
    same = [r for r in rows if norm_name(r.name or "") == norm_name(f.name)]
    return [fig for r in same or rows[:1] if (fig := ti.fig(r, "total")) is not None]


def norm_name(name: str) -> str:
    name = re.sub(r"^[一二三四五六七八九十]+、|[（(][^）)]*[）)]$|\d{4}年?|项目$|\s", "", name)
    return name.removesuffix("支出")


def same_name(a: str, b: str) -> bool:
    a, b = norm_name(a), norm_name(b)
    return a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a))
