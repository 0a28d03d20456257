"""What the pipeline is told, typed and frozen, built once from Settings (where every default
lives) and passed down the stages instead of loose arguments."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from worker.errors import OcrEngineError
from worker.formats.caps import Caps
from worker.ocr import DEFAULT_RUNTIME, get_engine
from worker.settings import OcrEngineName, OcrRuntime, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OcrOptions:
    engine: OcrEngineName  # for pages without a usable text layer
    dpi: int  # the render OCR reads
    runtime: OcrRuntime = DEFAULT_RUNTIME  # what runs RapidOCR's models

    def preload(self) -> None:
        """Load the engine's models now, once per process (a worker, before it forks its work
        horses: worker/runtime/warm.py). One that is not installed is left to the job that
        needs it, which fails with the reason."""
        try:
            get_engine(self.engine, self.runtime)
        except OcrEngineError as exc:
            log.warning("OCR engine %s not loaded: %s", self.engine, exc)


@dataclass(frozen=True, slots=True)
class Options:
    max_pages: int  # longer documents are rejected with the reason
    ocr: OcrOptions
    # performance tables the parser mapped go to the LLM too (their agreement recorded)
    cross_check: bool
    # ask for LLM re-reads of doubted tables: only with an endpoint (no cost out of the box)
    reread: bool = False
    caps: Caps = field(default_factory=Caps.defaults)  # zip, XML and text sizes: else rejected

    @classmethod
    def from_settings(cls, settings: Settings) -> Options:
        ocr = OcrOptions(settings.ocr_engine, settings.ocr_dpi, settings.ocr_runtime)
        reread = settings.llm_reread_tables and bool(settings.llm_base_url)
        return cls(settings.max_pages, ocr, settings.llm_cross_check, reread,
                   Caps.from_settings(settings))

    @classmethod
    def defaults(cls, **changes: Any) -> Options:
        """Settings' own defaults (no environment read), e.g. for tests and benches."""
        return cls.from_settings(Settings.model_construct(**changes))
