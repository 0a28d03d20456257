"""Every page of the review app, rendered by AppTest on processed samples, shows no internal
key: no table / column / row key, rule id, enum value or narrative subject key, no path glob.
The forbidden names come from the data that defines them (tests/support/ui_keys.py). In Chinese
(the default) no key at all; in English (the setting) no identifier — and the words are English."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import open_app, said
from tests.support.documents import misread_one_value, store_sample
from tests.support.samples import SAMPLES
from tests.support.ui_keys import internal_keys, leaks, shown_texts
from ui import i18n
from worker.settings import Settings
from worker.store import Store

PAGES = ["views/queue.py", "views/overview.py", "views/export.py"]


@pytest.fixture
def docs(env: Settings, store: Store) -> list[str]:
    first = store_sample(store)
    misread_one_value(store, first)  # a finding to show, with its detail and printed values
    second = store_sample(store, SAMPLES / "000_954316b1df943981.pdf")
    return [first, second]


def _shown(at: AppTest) -> list[str]:
    assert not at.exception, at.exception
    return [t for t in shown_texts(at) if t.strip()]


def _pages(docs: list[str]) -> dict[str, list[str]]:
    """page → the texts it shows (the Review page once per document)."""
    at = open_app("alice")
    out = {}
    for page in PAGES:
        out[page] = _shown(at.switch_page(page).run())
    for doc_id in docs:
        at.query_params["doc"] = doc_id[:16]
        out[f"review {doc_id[:8]}"] = _shown(at.switch_page("views/review.py").run())
    return out


def _leaks(pages: dict[str, list[str]], language: str) -> str:
    """One line per page and key shown, with the first text showing it ('' = none)."""
    out: dict[tuple[str, str], str] = {}
    for page, texts in pages.items():
        for text in texts:
            for key in leaks(text, language):
                out.setdefault((page, key), text[:200])
    return "\n".join(f"{page}: {key} ← {text}" for (page, key), text in sorted(out.items()))


def test_no_internal_key_on_any_page_in_chinese(docs: list[str]) -> None:
    pages = _pages(docs)
    assert len(internal_keys()) > 150  # the vocabularies were read
    review = pages[f"review {docs[0][:8]}"]
    assert len(review) > 100  # the page was drawn: header, table grid, findings, detail
    assert said("panels.confirm_doc") in review
    found = _leaks(pages, "zh")
    assert not found, found


def test_the_setting_switches_to_english(docs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLENS_UI_LANGUAGE", "en")
    try:
        pages = _pages(docs)
        review = pages[f"review {docs[0][:8]}"]
        assert "Confirm document" in review and i18n.texts("zh")["panels.confirm_doc"] not in review
        found = _leaks(pages, "en")
        assert not found, found
    finally:
        i18n.use("zh")

