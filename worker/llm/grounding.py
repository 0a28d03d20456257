"""Grounding: every value the LLM returns must be printed in the section it read.

`grounded(Model)` makes a subclass whose validator reads `info.context["grounding"]` (a
`Grounding`): in strict mode it raises, so instructor re-asks the model with the list of
ungrounded values; in drop mode (after the last re-ask) it removes them instead and records
each on `Grounding.dropped`, so the section goes to review with what was kept out and why.

Text is compared after `normalize` (NFKC, no whitespace or punctuation, ">=" as "≥"); numbers
as decimals, so 63, 63.0 and 63.00 are the same number. Sentences that address a model
("ignore previous instructions …", patterns in prompts/injection_markers) are removed from the
grounding source: a number that only such a sentence prints cannot ground a value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, create_model, model_validator

import prompts
from schemas.performance import Ground

_KEEP = set("%.-+/~:<>=≥≤×*")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?")
# Sentence ends: CJK or Latin terminators, and a full stop followed by a space (not 11.43).
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])|(?<=\.)(?=\s)")
MAX_LISTED = 12  # problems listed in one re-ask; the rest are summarized


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace(">=", "≥").replace("<=", "≤")
    return "".join(ch for ch in text if _keep(ch))


def _keep(ch: str) -> bool:
    return ch in _KEEP or unicodedata.category(ch)[0] in "LN"


def numbers_in(text: str) -> set[Decimal]:
    found = set()
    for match in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        try:
            found.add(Decimal(match.group().replace(",", "")))
        except InvalidOperation:  # pragma: no cover - the regex only matches decimals
            continue
    return found


@cache
def _injection_patterns() -> tuple[re.Pattern[str], ...]:
    lines = prompts.load("injection_markers").template.splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return tuple(re.compile(rule, re.IGNORECASE) for rule in rules)


def split_injections(text: str) -> tuple[str, list[str]]:
    """The text without sentences that address a model, and those sentences."""
    kept: list[str] = []
    hits: list[str] = []
    for sentence in filter(str.strip, _SENTENCE_END.split(text)):
        normal = unicodedata.normalize("NFKC", sentence)
        (hits if any(p.search(normal) for p in _injection_patterns()) else kept).append(sentence)
    return "\n".join(kept), [h.strip() for h in hits]


@dataclass
class Grounding:
    """The grounding source of one section, and what a drop-mode pass kept out."""

    text: str  # normalized section text, injected sentences removed
    numbers: set[Decimal]
    document: str = ""  # normalized whole-document text (project names)
    projects: list[str] = field(default_factory=list)  # normalized known project names
    expected_indicators: int | None = None
    drop: bool = False
    dropped: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        section_text: str,
        document_text: str = "",
        projects: list[str] | tuple[str, ...] = (),
        expected_indicators: int | None = None,
    ) -> tuple[Grounding, list[str]]:
        clean, injected = split_injections(section_text)
        names = [n for n in (normalize(p) for p in projects) if n]
        source = cls(normalize(clean), numbers_in(clean), normalize(document_text), names)
        source.expected_indicators = expected_indicators
        return source, injected

    def has_text(self, value: str) -> bool:
        needle = normalize(value)
        return not needle or needle in self.text

    def has_number(self, value: Decimal | int) -> bool:
        return Decimal(value) in self.numbers

    def has_project(self, value: str) -> bool:
        name = normalize(value)
        if not name:
            return False
        if self.projects:  # the document lists its projects: the name must be one of them
            return any(
                name == p or (len(name) >= 4 and (name in p or p in name)) for p in self.projects
            )
        return name in self.document or name in self.text


@dataclass(frozen=True)
class Problem:
    path: tuple[str | int, ...]
    value: Any
    why: str
    required: bool  # the field cannot hold None: drop its enclosing list item instead

    def describe(self) -> str:
        where = ".".join(str(p) for p in self.path)
        shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
        return f"{where} = {shown}: {self.why}"


def _marker(annotation: Any, metadata: list[Any]) -> Ground | None:
    for item in metadata:
        if isinstance(item, Ground):
            return item
    if get_origin(annotation) is Annotated:
        return _marker(None, list(get_args(annotation)[1:])) or _marker(get_args(annotation)[0], [])
    for arg in get_args(annotation):
        found = _marker(arg, [])
        if found:
            return found
    return None


_WHY = {
    "number": "this number is not printed in the section; copy numbers exactly as printed or use null",
    Ground.text: "this text is not printed in the section; copy it verbatim or use null",
    Ground.project: "no project of this name appears in the document; use the name as printed",
}


def _check(value: Any, kind: Any, source: Grounding) -> bool:
    if kind == "number":
        return source.has_number(value)
    if kind == Ground.project:
        return source.has_project(value)
    return source.has_text(value)


def find_problems(model: BaseModel, source: Grounding, path: tuple = ()) -> list[Problem]:
    problems: list[Problem] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        here = (*path, name)
        marker = _marker(info.annotation, info.metadata)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            at = (*here, i) if isinstance(value, list) else here
            problems.extend(
                _item_problems(item, marker, source, at, not _nullable(info.annotation))
            )
    return problems


def count_checked(model: BaseModel) -> int:
    """Values in `model` that grounding checks (numbers and marked strings), None excluded."""
    total = 0
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        marker = _marker(info.annotation, info.metadata)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                total += count_checked(item)
            elif item not in (None, "") and (marker or _is_number(item)):
                total += 1
    return total


def _is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def _nullable(annotation: Any) -> bool:
    """Can the field hold None (then a dropped value becomes None, not a dropped item)?"""
    if annotation is type(None):
        return True
    return any(_nullable(arg) for arg in get_args(annotation) if get_origin(annotation) is not list)


def _item_problems(
    item: Any, marker: Ground | None, source: Grounding, at: tuple, required: bool
) -> list[Problem]:
    if isinstance(item, BaseModel):
        return find_problems(item, source, at)
    kind: Any = "number" if _is_number(item) else marker
    if item is None or kind is None or (isinstance(item, str) and not item.strip()):
        return []
    if _check(item, kind, source):
        return []
    in_list = isinstance(at[-1], int)
    return [Problem(at, item, _WHY[kind], required or in_list)]


def _remove(model: BaseModel, problem: Problem) -> None:
    """Set the value to None, or drop the list item that holds it."""
    path = problem.path
    indexes = [i for i, step in enumerate(path) if isinstance(step, int)]
    if problem.required and indexes:  # cut at the innermost list index on the path
        path = path[: indexes[-1] + 1]
    parent: Any = model
    for step in path[:-1]:
        parent = parent[step] if isinstance(step, int) else getattr(parent, step)
        if parent is None:
            return  # an enclosing item was dropped already
    last = path[-1]
    if isinstance(last, int):
        parent[last] = None  # compacted afterwards, so later indexes stay valid
    else:
        setattr(parent, last, None)


def _compact(model: Any) -> None:
    """Remove dropped list items, and items left with no value at all."""
    if isinstance(model, list):
        for m in model:
            _compact(m)
        model[:] = [m for m in model if m is not None and has_value(m)]
    elif isinstance(model, BaseModel):
        for name in type(model).model_fields:
            _compact(getattr(model, name))


def has_value(value: Any) -> bool:
    """Anything left in a value: a leaf that is not None or empty, at any depth."""
    if isinstance(value, BaseModel):
        return any(has_value(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list):
        return any(has_value(v) for v in value)
    return value is not None and value != ""


def count_indicators(model: BaseModel) -> int:
    total = 0
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                total += (name == "indicators") + count_indicators(item)
    return total


def _ground(self: BaseModel, info: ValidationInfo) -> BaseModel:
    source = (info.context or {}).get("grounding")
    if not isinstance(source, Grounding):
        return self  # validated outside extraction (e.g. read back from the cache)
    problems = find_problems(self, source)
    if source.drop:
        for problem in problems:
            _remove(self, problem)
            source.dropped.append(problem.describe())
        _compact(self)
        source.incomplete.extend(_shortfall(self, source))
        return self
    shortfall = _shortfall(self, source)
    if problems or shortfall:
        raise ValueError(_reask_message(problems, shortfall))
    return self


def _shortfall(model: BaseModel, source: Grounding) -> list[str]:
    expected, found = source.expected_indicators, count_indicators(model)
    if expected is None or found >= expected:
        return []
    return [
        f"the section prints {expected} indicator rows (三级指标) but you returned {found}: "
        "include every row, with null for values it does not print"
    ]


def _reask_message(problems: list[Problem], shortfall: list[str]) -> str:
    lines = [p.describe() for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"... and {len(problems) - MAX_LISTED} more values of the same kind")
    return "Values not grounded in the section text:\n" + "\n".join(lines + shortfall)


@cache
def grounded(model: type[BaseModel]) -> type[BaseModel]:
    """`model` with the grounding validator; same name, so the tool the LLM sees is unchanged."""
    check = model_validator(mode="after")(_ground)
    return create_model(  # type: ignore[call-overload, no-any-return]
        model.__name__,
        __base__=model,
        __doc__=model.__doc__,
        __validators__={"ground": check},  # type: ignore[dict-item]
    )
