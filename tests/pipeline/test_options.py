"""Options: typed, frozen, built from Settings, the one place defaults live."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.pdfs import text_pdf
from tests.support.workbooks import seed_workbook
from worker.errors import DocumentRejected
from worker.llm import LLMConfig
from worker.pipeline import OcrOptions, Options, process
from worker.settings import Settings


def test_built_from_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLENS_OCR_ENGINE", "tesseract")
    monkeypatch.setenv("BUDGETLENS_MAX_PAGES", "7")
    monkeypatch.setenv("BUDGETLENS_LLM_CROSS_CHECK", "true")
    assert Options.from_settings(Settings()) == Options(7, OcrOptions("tesseract", 200), True)
    assert Options.defaults() == Options(2000, OcrOptions("rapidocr", 200), False)  # no env read
    with pytest.raises(dataclasses.FrozenInstanceError):
        Options.defaults().max_pages = 1  # type: ignore[misc]


def test_process_follows_its_options() -> None:
    data = text_pdf(3)
    assert process(data, "pdf", "d", "d.pdf").document.pages == 3
    with pytest.raises(DocumentRejected, match="3 pages exceeds the limit of 2"):
        process(data, "pdf", "d", "d.pdf", Options.defaults(max_pages=2))
    # a workbook's pages are its sheets with text: seed 001 has more than 5
    workbook = seed_workbook("001", "xlsx")
    assert process(workbook, "xlsx", "d", "d.xlsx").document.pages > 5
    with pytest.raises(DocumentRejected, match=r"工作表过多：\d+ 个，上限 5 页"):
        process(workbook, "xlsx", "d", "d.xlsx", Options.defaults(max_pages=5))


def test_llm_config_defaults_are_the_settings_defaults() -> None:
    plain, from_settings = LLMConfig(base_url=None, model="m"), LLMConfig.from_settings(Settings.model_construct())
    for field in dataclasses.fields(LLMConfig):
        if field.name not in ("base_url", "model"):
            assert getattr(plain, field.name) == getattr(from_settings, field.name), field.name
