"""Internal names a reviewer must never read, built from the data that defines them (the
reference vocabularies, the rule catalogue, the enums the app labels), and a check of rendered
text against them (AppTest element trees here; tests/e2e applies the same check to DOM text)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import yaml

from schemas.document import UNCLASSIFIED
from schemas.reference import REFERENCE_DIR, column_vocabulary, row_vocabulary, table_catalogue
from ui import tableview
from ui.i18n import ENUMS
from worker.rules import catalogue


@cache
def internal_keys() -> frozenset[str]:
    rows = row_vocabulary()
    subjects = yaml.safe_load((REFERENCE_DIR / "narrative_subjects.yaml").read_text("utf-8"))
    keys = {r.key for r in table_catalogue().rules} | {UNCLASSIFIED, "unknown"}
    keys |= set(column_vocabulary().values) | set(column_vocabulary().roles)
    for side in (rows.income_side, rows.expenditure_side, rows.any, *rows.by_table.values()):
        keys |= set(side)
    keys |= {r.id for r in catalogue()}
    keys |= {m.value for enum in ENUMS.values() for m in enum}  # type: ignore[attr-defined]
    keys |= set(subjects["subjects"])
    keys |= {tableview.CODE, tableview.NAME}
    return frozenset(keys)


def forbidden(language: str) -> frozenset[str]:
    """In Chinese no key may show; in English a key may be a plain word ("total", "error"), so
    only the identifiers (snake_case, dotted) are forbidden there."""
    keys = internal_keys()
    if language == "zh":
        return keys
    return frozenset(k for k in keys if "_" in k or "." in k)


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_]|[A-Za-z_]")
_GLOB = re.compile(r"/\*\*|\*\*/")  # a path pattern (expenditure/**/total), not bold text


def leaks(text: str, language: str) -> set[str]:
    """The internal keys (and path globs) in `text`."""
    bad = forbidden(language)
    found = {tok for tok in _TOKEN.findall(text) if tok in bad or tok.rstrip(".") in bad}
    found |= {f"[{k}]" for k in re.findall(r"\[([\w.]+)\]", text) if k in bad}
    return found | set(_GLOB.findall(text))


# -- what an AppTest run shows -----------------------------------------------------------------

_SHOWN = {"label", "body", "help", "placeholder", "options", "caption", "text"}


def shown_texts(at: Any) -> Iterator[str]:
    """Every text an AppTest run puts in front of the reader: labels, bodies, help, options,
    captions, expander labels, dataframe headers (as configured) and cells."""
    yield from _walk(at._tree)


def _walk(node: Any) -> Iterator[str]:
    proto = getattr(node, "proto", None)
    if proto is not None:
        if type(node).__name__ == "Dataframe":
            yield from _frame_texts(node)
        else:
            yield from _proto_texts(proto)
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _proto_texts(msg: Any) -> Iterator[str]:
    for field, value in msg.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for sub in value if field.is_repeated else [value]:
                yield from _proto_texts(sub)
        elif field.type == field.TYPE_STRING and field.name in _SHOWN:
            yield from (value if field.is_repeated else [value])


def _frame_texts(node: Any) -> Iterator[str]:
    frame = node.value
    config = json.loads(node.proto.columns or "{}")
    for col in frame.columns:
        yield str((config.get(str(col)) or {}).get("label") or col)
        yield from (str(v) for v in frame[col].tolist() if v is not None)
