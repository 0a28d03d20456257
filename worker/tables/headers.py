"""Table headers: where they end, one title per column, and what each column is.

Multi-row headers are flattened top-down into a path per column. Merges come from
`Cell.origin` (PDF, DOCX); plain text leaves merged positions blank, so a blank header cell is
filled from its left neighbour when both sit under the same parent and both have sub-headers.
Column roles and canonical keys come from `schemas/reference/columns.yaml` (see its comments
for the key rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from schemas.names import column_title
from schemas.reference import column_vocabulary, row_vocabulary
from worker.layout import Cell
from worker.tables.labels import nearest
from worker.tables.numbers import norm, norm_label, parse

MAX_HEADER_ROWS = 6


class Role(StrEnum):
    """What a column holds: figures (`value`) or one of the label roles of the column
    vocabulary (schemas/reference/columns.yaml `roles`)."""

    value = "value"
    seq = "seq"
    cls = "cls"
    kuan = "kuan"
    xiang = "xiang"
    code = "code"
    unit_code = "unit_code"
    unit_name = "unit_name"
    name = "name"
    attr = "attr"


VALUE = Role.value
_COLNUM_WORDS = frozenset({"栏次", "甲", "乙", "丙", "丁", "行次", "*", "**", "***"})
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年度?")
_LEAD_UNIT = re.compile(r"[（(](?:万元|元)[)）]$")
_REMARK = re.compile(r"[（(][^（()）]*[)）]\s*$")


@dataclass(slots=True)
class ColumnSpec:
    index: int
    role: Role
    title: str
    path: list[str]
    key: str = ""
    alt_key: str = ""  # spelled with the neutral groups, used when `key` collides
    qual_key: str = ""  # every group on the path (因公出国费/一般公共预算 → abroad.general_budget)
    money: bool = True
    units: bool = False  # a name column that lists units (单位名称 alone): its rows are units
    problems: list[str] = field(default_factory=list)


# --- where the header ends ---------------------------------------------------------------------


def is_colnum_row(texts: list[str]) -> bool:
    """The 栏次 row (甲 乙 1 2 3 …) numbers the columns: part of the header, never data."""
    filled = [t for t in texts if t]
    if any(t in _COLNUM_WORDS for t in filled):
        return all(t in _COLNUM_WORDS or t.isdigit() for t in filled)
    ints = [int(t) for t in filled if t.isdigit()]
    return (
        len(ints) >= 2
        and len(ints) == len(filled)
        and ints == list(range(ints[0], ints[0] + len(ints)))
    )


def is_data_row(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    if not filled:
        return False
    if any(parse(t).numeric for t in filled):
        return True
    first = filled[0]
    if norm_label(first) != norm(first):  # numbered line: 一、… （一）…
        return True
    return _is_total_label(first) and len(filled) == 1


@cache
def _total_labels() -> frozenset[str]:
    return frozenset(row_vocabulary().any["total"])


def _is_total_label(text: str) -> bool:
    return norm_label(text) in _total_labels()


def count_header_rows(rows: list[list[str]]) -> int:
    """Leading rows that are header (including a 栏次 row); 0 for a header-less continuation."""
    for i, texts in enumerate(rows[: MAX_HEADER_ROWS + 1]):
        if is_colnum_row(texts):
            return i + 1
        if is_data_row(texts):
            return i
    return min(len(rows), MAX_HEADER_ROWS)


# --- flattening ----------------------------------------------------------------------------------


def header_paths(rows: list[list[Cell]]) -> list[list[str]]:
    """One path of header segments per column, top-down, 栏次 rows left out."""
    grid = [[_cell_text(rows, r, c) for c in range(len(rows[r]))] for r in range(len(rows))]
    grid = [row for row in grid if not is_colnum_row(row)]
    if not grid:
        return [[] for _ in rows[0]] if rows else []
    if not any(cell.origin for row in rows for cell in row):
        _fill_blank_merges(grid)
    paths = []
    for c in range(len(grid[0])):
        path: list[str] = []
        for r in range(len(grid)):
            seg = grid[r][c]
            if seg and (not path or path[-1] != seg):
                path.append(seg)
        paths.append(path)
    return paths


def _cell_text(rows: list[list[Cell]], r: int, c: int) -> str:
    cell = rows[r][c]
    if cell.origin is not None:
        r0, c0 = cell.origin
        cell = rows[r0][c0]
    return " ".join(cell.text.split())


def _fill_blank_merges(grid: list[list[str]]) -> None:
    n_rows, n_cols = len(grid), len(grid[0])
    below = [
        [any(grid[k][c] for k in range(r + 1, n_rows)) for c in range(n_cols)]
        for r in range(n_rows)
    ]
    for r in range(n_rows - 1):
        for c in range(1, n_cols):
            if grid[r][c] or not grid[r][c - 1] or not below[r][c]:
                continue
            if r and grid[r - 1][c] != grid[r - 1][c - 1]:
                continue  # a different parent above: the blank is not part of this span
            grid[r][c] = grid[r][c - 1]


def repair_shifted_groups(paths: list[list[str]], has_data: list[bool]) -> list[list[str]]:
    """Undo a converter's one-column shift of a group's sub-headers.

    Seen in text exports: a group's first column carries no sub-header while its sub-headers
    run one column too far right, into a last column that never holds data. The data sit where
    the sub-headers belong, so the sub-headers move left by one.
    """
    paths = [list(p) for p in paths]
    c = 0
    while c < len(paths) - 1:
        group = paths[c]
        end = c + 1
        while (
            end < len(paths) and len(paths[end]) > len(group) and paths[end][: len(group)] == group
        ):
            end += 1
        last = end - 1
        if group and last > c and has_data[c] and not has_data[last]:
            for k in range(c, last):
                paths[k] = paths[k + 1]
            paths[last] = []
        c = max(end, c + 1)
    return paths


# --- roles and keys ------------------------------------------------------------------------------


@cache
def _lookup_tables() -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """exact: norm alias → (kind, name); contained: (alias, kind, name), longest first."""
    vocab = column_vocabulary()
    exact: dict[str, tuple[str, str]] = {}
    contained: list[tuple[str, str, str]] = []
    for name, key in vocab.values.items():
        for alias in key.aliases:
            exact.setdefault(norm(alias), (VALUE, name))
            if (
                len(norm(alias)) >= 3
            ):  # two-character aliases (收入, 其他) are too generic to search for
                contained.append((norm(alias), VALUE, name))
    for role, spec in vocab.roles.items():
        for alias in spec.aliases:
            exact[norm(alias)] = ("role", role)
        contained.extend((norm(alias), "role", role) for alias in spec.contains)
    contained.sort(key=lambda t: -len(t[0]))
    return exact, contained


@cache
def lookup_segment(segment: str) -> tuple[str, str] | None:
    """("value", key) or ("role", role) for one header segment; None when unknown."""
    s = _LEAD_UNIT.sub("", norm_label(segment))
    if not s:
        return None
    exact, contained = _lookup_tables()
    if s in exact:
        return exact[s]
    # 事业收入（不含教育收费） is 事业收入: a closing remark qualifies the heading, it does not name it
    bare = _LEAD_UNIT.sub("", norm_label(_REMARK.sub("", segment.strip()))) or s
    if bare in exact:
        return exact[bare]
    for alias, kind, name in contained:
        if alias in bare:
            return kind, name
    return None


@cache
def lookup_near(segment: str) -> tuple[str, str] | None:
    """`lookup_segment` for an OCR'd header: an exact alias within one or two misread
    characters (worker/tables/labels.py) counts too."""
    found = lookup_segment(segment)
    if found is not None:
        return found
    exact, _ = _lookup_tables()
    near = nearest(_LEAD_UNIT.sub("", norm_label(segment)), exact)
    return exact[near] if near else None


def money_column(key: str) -> bool:
    """Whether the values under a column key (dotted when grouped) are amounts: the key's leaf,
    as the vocabulary marks it (`money: false` for rates and scores)."""
    found = column_vocabulary().values.get(key.rsplit(".", 1)[-1])
    return found.money if found else True


def column_spec(index: int, path: list[str], ocr: bool = False) -> ColumnSpec:
    title = "/".join("".join(seg.split()) for seg in path)
    hits = [(lookup_near if ocr else lookup_segment)(seg) for seg in path]
    leaf = next((i for i in range(len(path) - 1, -1, -1) if hits[i] is not None), None)
    if leaf is None:
        return ColumnSpec(index, VALUE if path else Role.attr, title, path)
    kind, name = hits[leaf]  # type: ignore[misc]
    if kind == "role":
        return ColumnSpec(index, Role(name), title, path)
    keys = [h[1] for h in hits[: leaf + 1] if h is not None and h[0] == VALUE]
    key, alt = _value_key(keys)
    spec = ColumnSpec(
        index, VALUE, title, path, key, alt, column_vocabulary().values[keys[-1]].money
    )
    spec.qual_key = _qualified_key(keys)
    return spec


def _qualified_key(keys: list[str]) -> str:
    """The column's leaf under its groups: prefix groups, then the innermost other group
    (neutral groups and inner totals left out; 深圳: 公务用车购置及运行维护费/公务用车购置费/一般公共
    预算 → vehicle_purchase.general_budget); a leaf only under a total is the total's part
    (总计/一般公共预算 → total.general_budget)."""
    vocab = column_vocabulary().values
    leaf = keys[-1]
    inner = [k for k in keys[:-1] if not vocab[k].neutral and not vocab[k].total]
    totals = [k for k in keys[:-1] if vocab[k].total]
    if not inner and totals and not vocab[leaf].total:
        inner = totals[:1]
    groups = [k for k in inner if not vocab[k].prefix][-1:]
    parts = [*dict.fromkeys([k for k in inner if vocab[k].prefix] + groups)]
    if not (vocab[leaf].total and parts):
        parts.append(leaf)
    return ".".join(parts)


def _value_key(keys: list[str]) -> tuple[str, str]:
    """Canonical key of a value column from its path of value keys (root → leaf)."""
    vocab = column_vocabulary().values
    leaf, parents = keys[-1], keys[:-1]
    if vocab[leaf].total and parents and not vocab[parents[-1]].prefix:
        leaf, parents = parents[-1], parents[:-1]
        if vocab[leaf].neutral:
            return "total", f"{leaf}.total"
    if (
        vocab[leaf].of_group
        and parents
        and not (vocab[parents[-1]].neutral or vocab[parents[-1]].prefix)
    ):
        leaf, parents = parents[-1], parents[:-1]
    groups = [p for p in parents if not vocab[p].neutral]
    if vocab[leaf].dotted and groups:
        key = f"{groups[-1]}.{vocab[leaf].dotted}"
        return key, key
    prefix = next((p for p in parents if vocab[p].prefix and p != leaf), None)
    key = f"{prefix}.{leaf}" if prefix else leaf
    neutral = [p for p in parents if vocab[p].neutral]
    return key, ".".join([*neutral, key]) if neutral else key


def relative_years(paths: list[list[str]]) -> list[list[str]]:
    """Header segments that name years ("2025年预算数 | 2026年预算数"): the latest year is the
    table's own (its year dropped), earlier ones are the year before (上年)."""
    years = {int(m.group(1)) for p in paths for seg in p if (m := _YEAR.match(seg))}
    if not years:
        return paths
    latest = max(years)

    def fix(seg: str) -> str:
        m = _YEAR.match(seg)
        if m is None:
            return seg
        rest = seg[m.end() :]
        if int(m.group(1)) < latest:
            return "上年" + rest
        return rest or "当年"

    return [[fix(seg) for seg in p] for p in paths]


def drop_common_group(specs: list[ColumnSpec], ocr: bool = False) -> None:
    """A group over every value column of a side says nothing a sibling does not (基本支出 over
    总计 | 人员经费 | 公用经费 in the 基本支出 table): the columns are keyed without it."""
    if len(specs) < 2 or any(len(s.path) < 2 for s in specs):
        return
    groups = {"".join(s.path[0].split()) for s in specs}
    if len(groups) != 1 or lookup_segment(specs[0].path[0]) is None:
        return
    for spec in specs:
        inner = column_spec(spec.index, spec.path[1:], ocr)
        if inner.role == VALUE and inner.key:
            spec.key, spec.alt_key, spec.qual_key = inner.key, inner.alt_key, inner.qual_key
            spec.money = inner.money


def drop_lone_prefix(specs: list[ColumnSpec]) -> None:
    """预算数 over the value columns of a side (no 决算数 beside it; a 总计 printed outside the
    group, or a 上年 / 增减 group beside it, is fine) says nothing: budget.total → total (`alone`
    in columns.yaml; 烟台: 2025年预算数/合计 | 2026年预算数/合计 → prior_year.total | total)."""
    if any(not s.key for s in specs):
        return
    vocab = column_vocabulary().values
    heads = {s.key.split(".")[0] for s in specs if "." in s.key}
    alone = [h for h in heads if vocab[h].alone]
    if len(alone) != 1:
        return
    (head,) = alone
    dotted = [s for s in specs if s.key.startswith(f"{head}.")]
    kept = [s.key for s in specs if not s.key.startswith(f"{head}.")]
    stripped = [s.key.removeprefix(f"{head}.") for s in dotted]
    if kept.count(head) > 1:
        return
    if len({*kept, *stripped}) < len(kept) + len(stripped):
        return  # 总计 beside 预算数/合计: keep them apart
    for spec, key in zip(dotted, stripped, strict=True):
        spec.key = key
        spec.alt_key = spec.alt_key.replace(f"{head}.", "", 1)


def rename_covered_totals(specs: list[ColumnSpec]) -> None:
    """A group marked `beside_total` (三公 beside 会议费, 培训费) is the table's total; the total
    printed beside it covers more and takes the name the vocabulary gives (grand_total)."""
    vocab = column_vocabulary().values
    keys = {s.key for s in specs}
    for name, entry in vocab.items():
        if not entry.beside_total:
            continue
        for spec in [s for s in specs if s.key.rsplit(".", 1)[-1] == name]:
            head = spec.key[: -len(name)]  # "prior_year." or ""
            if f"{head}total" not in keys:
                if _heads_parts(spec, specs):  # 上海: “三公”经费预算数/合计 | …/因公出国(境)费
                    spec.key = f"{head}total"
                continue
            for other in specs:
                if other.key == f"{head}total":
                    other.key = f"{head}{entry.beside_total}"
            spec.key = f"{head}total"


def _heads_parts(group_total: ColumnSpec, specs: list[ColumnSpec]) -> bool:
    """The column is the total of a group printed over other columns of the side."""
    path = group_total.path
    return len(path) > 1 and any(
        s is not group_total and len(s.path) > 1 and s.path[0] == path[0] for s in specs
    )


def resolve_collisions(specs: list[ColumnSpec]) -> None:
    """Give every value column of one table side a distinct key (see columns.yaml)."""
    seen: dict[str, ColumnSpec] = {}
    for spec in sorted((s for s in specs if s.role == VALUE), key=lambda s: (len(s.path), s.index)):
        if not spec.key:
            spec.key = f"col{spec.index + 1}"
            spec.problems.append(f"表头“{spec.title}”未能对应，按第 {spec.index + 1} 列保留")
        if spec.key in seen and spec.alt_key and spec.alt_key not in seen:
            spec.key = spec.alt_key
        if spec.key in seen and spec.qual_key and spec.qual_key not in seen:
            first = seen[spec.key]  # both are told by their groups (总计/一般公共预算 | 因公…/一般…)
            if first.qual_key and first.qual_key not in seen and first.qual_key != spec.qual_key:
                del seen[first.key]
                first.key = first.qual_key
                seen[first.key] = first
            spec.key = spec.qual_key
        n = 2
        base = spec.key
        while spec.key in seen:
            spec.key = f"{base}_{n}"
            n += 1
        if spec.key != base:
            same = column_title(base) or "同一含义"
            spec.problems.append(f"“{spec.title}”与另一列同为“{same}”，两列分别保留")
        seen[spec.key] = spec
