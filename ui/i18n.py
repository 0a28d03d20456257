"""The review app's words: `t(key, **vars)` (a dotted key: section.name) in the language of the setting
`ui_language` (Chinese by default, English available). The texts live in ui/locales/<lang>.yaml
(nested mappings, addressed with dotted keys); both files hold the same keys (tests/ui check it,
and that every key the app uses exists).

Names of tables, columns, rows, rules and narrative subjects are not translated here: they come
from the document as printed or from the reference data (ui/names.py), in Chinese.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from schemas import DocStatus, DocType, FindingKind, Severity, ValueStatus
from schemas.records import DismissReason
from worker.settings import Settings

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("zh", "en")

# label families: enum values with a text each, `<family>.<value>` (see `label`)
ENUMS: dict[str, type[Enum]] = {
    "status": DocStatus,
    "doc_type": DocType,
    "severity": Severity,
    "kind": FindingKind,
    "reason": DismissReason,
    "value_status": ValueStatus,
}

_current: list[str] = [str(Settings.default("ui_language"))]


def use(language: str) -> None:
    """The language of the app from now on (the app calls it with the setting on every run)."""
    if language not in LANGUAGES:
        raise ValueError(f"ui_language {language!r}: one of {', '.join(LANGUAGES)}")
    _current[0] = language


def language() -> str:
    return _current[0]


@cache
def texts(lang: str) -> dict[str, str]:
    """Dotted key → text of one locale file."""
    raw = yaml.safe_load((LOCALES / f"{lang}.yaml").read_text("utf-8")) or {}
    return dict(_flat(raw))


def _flat(node: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        if bad := [k for k in node if not isinstance(k, str)]:  # YAML reads yes / no as booleans
            raise ValueError(f"locale keys must be text: {bad} under {prefix or 'the top'}")
        return [kv for k, v in node.items() for kv in _flat(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), str(node))]


def t(key: str, **values: Any) -> str:
    """The text of `key` in the current language, `{name}` fields filled from `values`."""
    text = texts(language())[key]
    return text.format(**values) if values else text


def label(family: str, member: Enum | str | None) -> str:
    """The name of an enum member (`label("status", DocStatus.queued)`): key `<family>.<value>`.
    ENUMS lists the families, so tests can check every member has a text."""
    if member is None:
        return t("common.unknown")
    value = member.value if isinstance(member, Enum) else member
    return t(f"{family}.{value}")
