"""Find the irregular sections that go to the LLM, one at a time, in a document's layout.

    find_sections(layout) -> list[Section]

Three families, recognized by data in schemas/reference/llm_sections.yaml: performance-target
tables (部门整体 / 项目绩效目标表), self-evaluation tables (绩效自评表), and narrative sections
under a 绩效目标 / 自评结果 heading. A table section runs from its title over the blocks after
it to the next heading or title; a narrative one to the next heading of its level or higher. A
table repeated under the same title after a page break is joined to the part before it; a
section longer than `max_section_chars` is split at block or row boundaries, so the model never
sees the whole document. `project_names(layout)` lists the projects a document names, for the
grounding of project names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from schemas.performance import Section, SectionKind
from worker.layout import Block, Layout, TableBlock, TextBlock
from worker.pipeline.printed import printed

LIST_HEADER_CELLS = 5  # a header row of a list-style table (项目支出表) has at least this many
_NUMERIC = re.compile(r"^[\d.,\s%-]+$")
RULES_FILE = Path(__file__).resolve().parents[2] / "schemas" / "reference" / "llm_sections.yaml"

_REASONS = {
    SectionKind.department_targets: "irregular layout: department target table (merged cells, "
    "free-text indicator values)",
    SectionKind.project_targets: "irregular layout: project target table (form-like, "
    "free-text indicator values)",
    SectionKind.self_evaluation: "irregular layout: self-evaluation table or narrative",
    SectionKind.narrative_targets: "narrative: performance targets stated in prose",
}


@dataclass(frozen=True)
class Rules:
    titles: list[tuple[SectionKind, re.Pattern[str]]]
    headings: list[tuple[SectionKind, re.Pattern[str]]]
    levels: list[tuple[int, re.Pattern[str]]]
    max_heading_chars: int
    max_title_chars: int
    record_start_cells: list[str]
    max_section_chars: int

    @classmethod
    def load(cls, path: Path = RULES_FILE) -> Rules:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        kinds = [(SectionKind(r["kind"]), re.compile(r["pattern"])) for r in data["table_titles"]]
        heads = [
            (SectionKind(r["kind"]), re.compile(r["pattern"])) for r in data["narrative_headings"]
        ]
        return cls(
            titles=kinds,
            headings=heads,
            levels=[(r["level"], re.compile(r["pattern"])) for r in data["heading_levels"]],
            max_heading_chars=data["max_heading_chars"],
            max_title_chars=data["max_title_chars"],
            record_start_cells=data["record_start_cells"],
            max_section_chars=data["max_section_chars"],
        )


@cache
def default_rules() -> Rules:
    return Rules.load()


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass
class _Open:
    kind: SectionKind
    title: str
    level: int | None  # heading level of a narrative section; None for a table section
    blocks: list[Block] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        return self.level is None


def _match(line: str, patterns: list[tuple[SectionKind, re.Pattern[str]]]) -> SectionKind | None:
    return next((kind for kind, p in patterns if p.search(line)), None)


def _title_kind(line: str, rules: Rules) -> SectionKind | None:
    if len(line) > rules.max_title_chars or "。" in line.rstrip("。"):
        return None
    return _match(line, rules.titles)


def _heading_level(line: str, rules: Rules) -> int | None:
    if len(line) > rules.max_heading_chars:
        return None
    return next((level for level, p in rules.levels if p.search(line)), None)


def _other_title(line: str, rules: Rules) -> bool:
    """A short line naming some other table ends a table section."""
    return len(line) <= rules.max_title_chars and line.endswith("表")


def _scan(blocks: list[Block], rules: Rules) -> list[_Open]:
    found: list[_Open] = []
    current: _Open | None = None
    for block in blocks:
        line = _norm(block.text).lstrip("-•·") if isinstance(block, TextBlock) else ""
        kind = _title_kind(line, rules) if line else None
        level = _heading_level(line, rules) if line and kind is None else None
        if kind is not None:
            current = _Open(kind, block.text.strip(), None)  # type: ignore[union-attr]
            found.append(current)
            continue
        if level is not None:
            if current is not None and (current.is_table or level <= (current.level or 0)):
                current = None
            narrative = _match(line, rules.headings)
            if current is None and narrative is not None:
                current = _Open(narrative, block.text.strip(), level)  # type: ignore[union-attr]
                found.append(current)
                continue
        elif current is not None and current.is_table and line and _other_title(line, rules):
            current = None
        if current is not None:
            current.blocks.append(block)
    return found


def _has_content(section: _Open) -> bool:
    if section.is_table:
        return any(isinstance(b, TableBlock) for b in section.blocks)
    return sum(len(b.text) for b in section.blocks if isinstance(b, TextBlock)) >= 20


def _opens_record(section: _Open, rules: Rules) -> bool:
    table = next((b for b in section.blocks if isinstance(b, TableBlock)), None)
    if table is None or not table.rows:
        return True
    first = [_norm(c.text) for c in table.rows[0]]
    return any(marker in cell for cell in first for marker in rules.record_start_cells)


def _join_continuations(sections: list[_Open], rules: Rules) -> list[_Open]:
    joined: list[_Open] = []
    for section in sections:
        if joined and _continues(joined[-1], section, rules):
            joined[-1].blocks.extend(section.blocks)
        else:
            joined.append(section)
    return joined


def _continues(prev: _Open, section: _Open, rules: Rules) -> bool:
    """The same table title again, over a table that does not open a new record."""
    same = prev.is_table and section.is_table and prev.kind == section.kind
    return same and _norm(prev.title) == _norm(section.title) and not _opens_record(section, rules)


def render_block(block: Block) -> str:
    if isinstance(block, TextBlock):
        return block.text.strip()
    lines = []
    for row in block.rows:
        cells = [c.text.replace("\n", " ").strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _header_columns(table: TableBlock) -> tuple[int, list[int]] | None:
    """Row index of the indicator header and the columns holding 三级指标 names."""
    for r, row in enumerate(table.rows):
        cols = [c for c, cell in enumerate(row) if _norm(cell.text) == "三级指标"]
        if cols:
            return r, cols
    return None


def count_indicators(blocks: list[Block]) -> int | None:
    """Indicator rows under a 三级指标 header (continuation tables reuse the last header)."""
    total, cols = 0, None
    for table in (b for b in blocks if isinstance(b, TableBlock)):
        header = _header_columns(table)
        start = 0
        if header is not None:
            start, cols = header[0] + 1, header[1]
        if cols is None:
            continue
        for row in table.rows[start:]:
            total += sum(1 for c in cols if c < len(row) and _indicator_cell(row[c].text))
    return total if cols is not None else None


def _indicator_cell(text: str) -> bool:
    return bool(text.strip()) and _norm(text) not in {"三级指标", "总分", "合计"}


def _pieces(block: Block, limit: int) -> list[Block]:
    """A table too long for one section, cut into tables that repeat its first row."""
    if not isinstance(block, TableBlock) or len(render_block(block)) <= limit:
        return [block]
    head, rows = block.rows[0], block.rows[1:]
    pieces: list[Block] = []
    current: list = []
    for row in rows:
        candidate = TableBlock([head, *current, row], page=block.page)
        if current and len(render_block(candidate)) > limit:
            pieces.append(TableBlock([head, *current], page=block.page))
            current = []
        current.append(row)
    pieces.append(TableBlock([head, *current], page=block.page))
    return pieces


def _split(section: _Open, limit: int) -> list[list[Block]]:
    parts: list[list[Block]] = [[]]
    size = 0
    for block in (p for b in section.blocks for p in _pieces(b, limit)):
        length = len(render_block(block)) + 1
        if parts[-1] and size + length > limit:
            parts.append([])
            size = 0
        parts[-1].append(block)
        size += length
    return parts


def _pages(blocks: list[Block]) -> list[int]:
    pages = {b.page for b in blocks if b.page is not None}
    pages |= {
        c.page
        for b in blocks
        if isinstance(b, TableBlock)
        for r in b.rows
        for c in r
        if c.page is not None
    }
    return sorted(p + 1 for p in pages)


@dataclass(frozen=True)
class Group:
    """One section as found: its blocks, before any split for the LLM's context."""

    n: int
    kind: SectionKind
    title: str
    blocks: list[Block]
    is_table: bool

    @property
    def section_id(self) -> str:
        return f"{self.kind.value}-{self.n}"

    @property
    def pages(self) -> list[int]:
        return _pages(self.blocks)


def to_sections(group: Group, rules: Rules | None = None, why: str | None = None) -> list[Section]:
    """The LLM sections of one group (split when too long); `why` adds to the reason."""
    rules = rules or default_rules()
    parts = _split(_Open(group.kind, group.title, None, group.blocks), rules.max_section_chars)
    reason = _REASONS[group.kind] + (f"; {why}" if why else "")
    sections: list[Section] = []
    for i, blocks in enumerate(parts, start=1):
        # every part starts with the title: a part is read without the others
        body = "\n".join(t for t in (render_block(b) for b in blocks) if t)
        suffix = f"-p{i}" if len(parts) > 1 else ""
        sections.append(
            Section(
                section_id=f"{group.section_id}{suffix}",
                kind=group.kind,
                title=group.title,
                text=f"{group.title}\n{body}",
                pages=_pages(blocks),
                reason=reason,
                expected_indicators=count_indicators(blocks),
                printed=printed(group.kind, blocks),
            )
        )
    return sections


def find_groups(layout: Layout, rules: Rules | None = None) -> list[Group]:
    """The irregular sections of a document, in reading order, as blocks."""
    rules = rules or default_rules()
    found = [s for s in _scan(layout.blocks, rules) if _has_content(s)]
    return [
        Group(n, s.kind, s.title, s.blocks, s.is_table)
        for n, s in enumerate(_join_continuations(found, rules), start=1)
    ]


def find_sections(layout: Layout, rules: Rules | None = None) -> list[Section]:
    """The LLM sections of a document, in reading order."""
    rules = rules or default_rules()
    return [s for g in find_groups(layout, rules) for s in to_sections(g, rules)]


def project_names(layout: Layout) -> list[str]:
    """Project names the document prints: beside a 项目名称 label, or under such a column."""
    names: list[str] = []
    for table in layout.tables():
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row):
                if not _norm(cell.text).endswith("项目名称"):
                    continue
                if sum(1 for x in row if x.text.strip()) >= LIST_HEADER_CELLS:
                    names.extend(row_[c].text for row_ in table.rows[r + 1 :] if c < len(row_))
                else:  # a form: the label, then the value in the next filled cell
                    names.extend([next((x.text for x in row[c + 1 :] if x.text.strip()), "")])
    return list(dict.fromkeys(n.strip() for n in names if n.strip() and not _NUMERIC.match(n)))
