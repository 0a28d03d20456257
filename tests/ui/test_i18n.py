"""The app's words: both locale files hold the same keys with the same `{fields}`, every key the
app asks for exists, every enum member a label family names has a text."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from tests.support.samples import REPO
from ui import i18n

UI = REPO / "ui"
_KEY = re.compile(r"""\bt\(\s*["']([\w.]+)["']""")
_FAMILY = re.compile(r"""\b(?:label\(\s*|_Labels\(\s*)["'](\w+)["']""")


def _sources() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_locales_have_the_same_keys_and_fields() -> None:
    zh, en = i18n.texts("zh"), i18n.texts("en")
    assert set(zh) - set(en) == set(), "in zh.yaml only"
    assert set(en) - set(zh) == set(), "in en.yaml only"
    differ = {k for k in zh if _fields(zh[k]) != _fields(en[k])}
    assert differ == set(), "the {fields} differ between zh and en"
    assert all(zh[k].strip() and en[k].strip() for k in zh), "an empty text"


def test_every_key_the_app_uses_exists() -> None:
    used = {(p.relative_to(REPO).as_posix(), k) for p in _sources() for k in _KEY.findall(p.read_text("utf-8"))}
    assert len(used) > 20  # the pattern still finds the calls
    for lang in i18n.LANGUAGES:
        missing = sorted((where, k) for where, k in used if k not in i18n.texts(lang))
        assert missing == [], f"keys missing in {lang}.yaml"


def test_every_member_of_a_label_family_has_a_text() -> None:
    families = {f for p in _sources() for f in _FAMILY.findall(p.read_text("utf-8"))}
    assert families <= set(i18n.ENUMS), "label() of a family ENUMS does not list"
    for lang in i18n.LANGUAGES:
        missing = [f"{f}.{m.value}" for f, enum in i18n.ENUMS.items() for m in enum  # type: ignore[attr-defined]
                   if f"{f}.{m.value}" not in i18n.texts(lang)]
        assert missing == [], f"labels missing in {lang}.yaml"


def test_the_language_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.settings import Settings

    assert Settings.default("ui_language") == "zh"
    monkeypatch.setenv("BUDGETLENS_UI_LANGUAGE", "en")
    assert Settings().ui_language == "en"
    try:
        i18n.use("en")
        assert i18n.t("status.needs_review") == "needs review"
        i18n.use("zh")
        assert i18n.t("status.needs_review") == "待审核"
    finally:
        i18n.use("zh")
    with pytest.raises(ValueError):
        i18n.use("fr")


def test_every_refusal_the_services_give_has_a_text() -> None:
    """A refusal reaches the browser by its code (`refused.<code>`, ui/common.py `why`), never in
    the service's English: every code a raise or a Reason in worker/ names, and every refusal
    class's own, has a text in both languages."""
    from worker.errors import EditRefused

    refusals = {"Reason"} | {c.__name__ for c in [EditRefused, *EditRefused.__subclasses__()]}
    codes = {c.code for c in [EditRefused, *EditRefused.__subclasses__()]}
    for path in (REPO / "worker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in refusals and len(node.args) > 1):
                codes |= {c.value for c in ast.walk(node.args[1])
                          if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert len(codes) > 20  # the walk still finds the raises
    for lang in i18n.LANGUAGES:
        missing = sorted(c for c in codes if f"refused.{c}" not in i18n.texts(lang))
        assert missing == [], f"refusals without a text in {lang}.yaml"
