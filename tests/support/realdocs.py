"""Hand-verified goldens of real disclosures (tests/data/realdocs/*.json, layout in its README).

This module loads them (`load_goldens`), reads their printed cells (`amount`), and states and
checks their arithmetic (`identity_failures`); tests/support/realdocs_compare.py compares an
extraction with them. Both are independent of the extractor on purpose: the golden's raw
text is parsed here, names are matched by their own normalization, so the yardstick does not
move when the extractor changes. `tests/tables/test_realdocs_goldens_wellformed.py` checks the
files; `bench/realdocs.py` scores the pipeline against them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tests.support.samples import REALDOCS, REPO

GOLDEN_DIR = REPO / "tests" / "data" / "realdocs"
DASHES = frozenset("-‐‑‒–—―−－─━")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldenRow(_Model):
    code: str | None = Field(
        default=None, description="Function / economic code as the project joins it"
    )
    row_code: str | None = Field(default=None, description="Canonical key of an uncoded line")
    name: str = Field(description="Row label as printed (line breaks and letter-spacing removed)")
    level: int | None = Field(
        default=None, description="0 total, 1 类, 2 款, 3 项 (by code or indentation)"
    )
    page: int
    values: dict[str, str] = Field(
        description="Column key → cell text as printed; blank cells left out"
    )
    unit: str | None = Field(
        default=None, description="The unit the row belongs to, where printed in its own column"
    )


class Identities(_Model):
    """The arithmetic a table claims. Row refs: code, row_code, name, `name@L2` or `#index`."""

    hierarchy: bool = Field(description="total row = Σ 类 rows, 类 = Σ 款, 款 = Σ 项 (by level)")
    columns: list[tuple[str, list[str]]] = Field(
        default_factory=list, description="per row: lhs = Σ rhs"
    )
    rows: list[tuple[str, list[str]]] = Field(
        default_factory=list, description="per column: lhs = Σ rhs"
    )
    skip_columns: list[str] = Field(default_factory=list, description="Not summed (rates, counts)")
    why_none: str | None = Field(default=None, description="Why a table states no identity")


class GoldenTable(_Model):
    key: str
    title: str
    pages: list[int]
    unit: Literal["万元", "元"]
    empty: bool = False
    codes_printed: bool = Field(description="False: rows are matched by name (codes not printed)")
    columns: list[tuple[str, str]] = Field(description="[column key, printed header path]")
    identities: Identities
    checked: str = Field(description="What was checked on the page render and how")
    rows: list[GoldenRow]

    def find(self, ref: str) -> GoldenRow:
        """A row by ref: `#3` (index), `name@L2`, code, row_code or name (first hit)."""
        if ref.startswith("#"):
            return self.rows[int(ref[1:])]
        name, _, level = ref.partition("@L")
        for row in self.rows:
            if level and row.level == int(level) and norm(row.name) == norm(name):
                return row
        for attr in ("code", "row_code"):
            for row in self.rows:
                if not level and getattr(row, attr) == ref:
                    return row
        for row in self.rows:
            if not level and norm(row.name) == norm(ref):
                return row
        raise KeyError(f"{self.key}: no row {ref!r}")


class CellRef(_Model):
    table: str
    row: str
    column: str
    value: str | None = Field(
        default=None, description="The printed value (checked against the table)"
    )
    page: int | None = None


class CrossIdentity(_Model):
    id: str
    cells: list[CellRef] = Field(description="Cells that print the same figure")


class KeyFigure(_Model):
    name: str = Field(description="The figure as the document names it (收入合计 …)")
    cell: CellRef


class NarrativeFigure(_Model):
    subject: str = Field(description="Key from schemas/reference/narrative_subjects.yaml")
    subject_text: str
    kind: Literal["amount", "share", "change", "growth", "count"]
    value: str = Field(description="As printed (no unit, no %)")
    unit: str | None = Field(default=None, description="万元 / 元 / 亿元 / % / 个 as printed")
    page: int
    sentence: str
    name: str | None = Field(
        default=None, description="Function item or project the figure is about"
    )
    scope: str | None = Field(
        default=None, description="Fund scope (general_budget, fiscal …) where stated"
    )


class NarrativeRef(_Model):
    value: str
    page: int


class Contradiction(_Model):
    id: str
    description: str
    cells: list[CellRef]
    narrative: list[NarrativeRef] = Field(
        default_factory=list, description="Narrative figures involved"
    )
    difference: str | None = Field(
        default=None, description="By how much the figures disagree (table unit)"
    )
    breaks: list[str] = Field(description="Identity ids (see identity_failures) this makes fail")


class Checked(_Model):
    by: str
    when: str
    how: str
    narrative: str | None = None


class Metadata(_Model):
    department: str = Field(description="As printed")
    fiscal_year: int
    doc_type: Literal["budget", "final_account"]
    unit: Literal["万元", "元"] = Field(description="Unit most tables are printed in")


class Golden(_Model):
    file: str
    sha256: str
    pages: int
    checked: Checked
    metadata: Metadata
    tables: list[GoldenTable]
    not_covered: list[dict[str, object]] = Field(
        default_factory=list, description="Tables printed but left out of the golden, and why"
    )
    cross: list[CrossIdentity] = Field(default_factory=list)
    key_figures: list[KeyFigure] = Field(default_factory=list)
    narrative: list[NarrativeFigure] = Field(default_factory=list)
    contradictions: list[Contradiction] = Field(default_factory=list)

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    @property
    def source(self) -> Path:
        return REALDOCS / self.file

    def table(self, key: str) -> GoldenTable:
        return next(t for t in self.tables if t.key == key)

    def cell(self, ref: CellRef) -> str | None:
        return self.table(ref.table).find(ref.row).values.get(ref.column)

    @cached_property
    def table_pages(self) -> set[int]:
        return {p for t in self.tables for p in t.pages}


def load_goldens() -> list[Golden]:
    return [load_golden(p) for p in sorted(GOLDEN_DIR.glob("*.json"))]


def load_golden(path: Path | str) -> Golden:
    path = Path(path)
    if not path.suffix:
        path = GOLDEN_DIR / f"{path}.json"
    return Golden.model_validate_json(path.read_text("utf-8"))


@cache
def standard_keys() -> frozenset[str]:
    """Keys of the standard tables of the catalogue (schemas/reference/tables.yaml)."""
    rules = yaml.safe_load((REPO / "schemas" / "reference" / "tables.yaml").read_text("utf-8"))
    return frozenset(r["key"] for r in rules["rules"] if r.get("standard", True))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- printed text ------------------------------------------------------------------------------

_AMOUNT = re.compile(r"^\d+(?:,\d+)*(?:\.\d+)?$")  # malformed separators (125360,898) allowed
_DROP = re.compile(r"[\s\u3000\u00a0“”\"'‘’（）()\[\]【】:：,，、.．·*]")


def amount(raw: str) -> Decimal | None:
    """A printed cell as a number: blank → None, a dash → 0, `(1.00)` / `-1.00` negative."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
    if not s:
        return None
    if all(ch in DASHES for ch in s):
        return Decimal(0)
    sign = 1
    if s[0] == "(" and s[-1] == ")":
        sign, s = -1, s[1:-1]
    if s[0] in DASHES:
        sign, s = -sign, s[1:]
    if not _AMOUNT.match(s):
        raise ValueError(f"not an amount: {raw!r}")
    try:
        return sign * Decimal(s.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"not an amount: {raw!r}") from exc


def decimals(raw: str) -> int:
    return len(raw.rpartition(".")[2]) if "." in raw else 0


def norm(name: str) -> str:
    """Matching key of a printed label: NFKC, no spaces, brackets or punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", name))


# --- the golden's own arithmetic -------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    id: str
    expected: Decimal
    actual: Decimal
    tolerance: Decimal

    def __str__(self) -> str:
        return (
            f"{self.id}: printed {self.expected}, parts add up to {self.actual} (±{self.tolerance})"
        )


def identity_failures(golden: Golden) -> list[Failure]:
    """Every stated identity that does not hold, with an id a contradiction can name in `breaks`:
    `<table>|tree|<row>|<column>`, `<table>|cols|<row>|<lhs column>`, `<table>|rows|<lhs row>|<column>`,
    `cross|<id>`."""
    out: list[Failure] = []
    for table in golden.tables:
        out += _table_failures(table)
    for cross in golden.cross:
        raws = [r for r in (golden.cell(c) for c in cross.cells) if r is not None]
        for raw in raws[1:]:
            out += _check(f"cross|{cross.id}", raws[0], [raw])
    return out


def row_labels(table: GoldenTable) -> list[str]:
    """A unique label per row: code, row_code or name; `@L<level>` and then `#<n>` when repeated."""
    base = [r.code or r.row_code or r.name for r in table.rows]
    labels = [
        b if base.count(b) == 1 else f"{b}@L{r.level}"
        for b, r in zip(base, table.rows, strict=True)
    ]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if labels.count(label) == 1 else f"{label}#{seen[label]}")
    return out


def _table_failures(table: GoldenTable) -> list[Failure]:
    ids, out = row_labels(table), []
    spec = table.identities
    if spec.hierarchy:
        for i, row in enumerate(table.rows):
            kids = _children(table.rows, i)
            for col in _columns([row, *kids], spec.skip_columns) if kids else []:
                out += _check(
                    f"{table.key}|tree|{ids[i]}|{col}",
                    row.values.get(col),
                    [k.values.get(col) for k in kids],
                )
    for i, row in enumerate(table.rows):
        for lhs, rhs in spec.columns:
            if lhs in row.values or any(c in row.values for c in rhs):
                out += _check(
                    f"{table.key}|cols|{ids[i]}|{lhs}",
                    row.values.get(lhs),
                    [row.values.get(c) for c in rhs],
                )
    for lhs_ref, rhs_refs in spec.rows:
        lhs = table.find(lhs_ref)
        parts = [r for ref in rhs_refs for r in _rows(table, ref)]
        for col in _columns([lhs, *parts], spec.skip_columns):
            out += _check(
                f"{table.key}|rows|{lhs_ref}|{col}",
                lhs.values.get(col),
                [p.values.get(col) for p in parts],
            )
    return out


def _rows(table: GoldenTable, ref: str) -> list[GoldenRow]:
    """`*L1`: every row of level 1; `*unit`: every unit row; else one row by ref."""
    if ref.startswith("*L"):
        return [r for r in table.rows if r.level == int(ref[2:])]
    if ref.startswith("*"):
        return [r for r in table.rows if r.row_code == ref[1:]]
    return [table.find(ref)]


def _children(rows: list[GoldenRow], i: int) -> list[GoldenRow]:
    level = rows[i].level
    if level is None:
        return []
    kids = []
    for row in rows[i + 1 :]:
        if row.level is None:
            continue
        if row.level <= level:
            break
        if row.level == level + 1:
            kids.append(row)
    return kids


def _columns(rows: list[GoldenRow], skip: list[str]) -> list[str]:
    cols: dict[str, None] = {}
    for row in rows:
        cols.update(dict.fromkeys(row.values))
    return [c for c in cols if c not in skip]


def _check(ident: str, lhs: str | None, rhs: list[str | None]) -> list[Failure]:
    """lhs = Σ rhs within the rounding of the printed figures (blank = 0)."""
    raws = [r for r in (lhs, *rhs) if r is not None]
    if not raws:
        return []
    places = max(decimals(r) for r in raws)
    tolerance = Decimal(len(raws)) * Decimal(5) / Decimal(10) ** (places + 1)
    expected = amount(lhs) if lhs is not None else Decimal(0)
    actual = sum((amount(r) or Decimal(0) for r in rhs if r is not None), Decimal(0))
    if abs((expected or Decimal(0)) - actual) <= tolerance:
        return []
    return [Failure(ident, expected or Decimal(0), actual, tolerance)]
