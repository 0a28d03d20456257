"""The one settings object. Every value can be set by an env var `BUDGETLENS_<NAME>`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.terminal import printable

OcrEngineName = Literal["rapidocr", "tesseract"]
OcrRuntime = Literal["openvino", "onnxruntime"]  # what runs RapidOCR's ONNX models

# Why LLM sections wait, when no endpoint is set (the worker records it, `status` prints it).
NO_LLM_ENDPOINT = ("no LLM endpoint configured: set BUDGETLENS_LLM_BASE_URL (any OpenAI-compatible "
                   "server) or start the local one with `budgetlens llm serve`")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUDGETLENS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the database, blobs and embedded Redis live")
    redis_url: str | None = Field(
        None, description="External Redis; unset = start an embedded redis-server under data_dir"
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; unset = SQLite file data_dir/budgetlens.sqlite3"
    )
    queue_name: str = "budgetlens"

    workers: int = Field(2, ge=1, description="Worker processes for `run` / `worker`")
    job_timeout_s: int = Field(
        600, description="A document job is stopped after this; a document that takes longer "
                         "fails with that reason, without retries")
    job_memory_mb: int = Field(
        3072, ge=64, description="Memory a document job may add to its worker (RLIMIT_AS); a "
                                 "document that needs more fails with that reason")
    job_retries: int = Field(3, ge=0, description="Retries for transient (infrastructure) failures")
    retry_backoff_s: list[int] = Field(default=[5, 30, 120], description="Delay before each retry")
    heartbeat_s: int = Field(
        10, ge=1, description="A job whose worker stops heartbeating this long (+grace) is retried"
    )
    heartbeat_grace_s: int = Field(10, ge=1)
    redis_giveup_s: float = Field(
        300, description="`budgetlens worker` exits non-zero after this long without Redis")

    max_file_mb: float = Field(100, description="Files above this are rejected at submit")
    max_pages: int = Field(2000, description="Documents with more pages fail with a clear reason")
    max_unzipped_mb: float = Field(
        256, gt=0, description="A zip-based document (DOCX, XLSX) whose entries inflate to more "
                               "fails with a reason: checked from the zip's directory before inflating")
    max_zip_entries: int = Field(5000, ge=1, description="More entries in a DOCX or XLSX: fails")
    max_xml_mb: float = Field(
        64, gt=0, description="One XML part of a DOCX or XLSX inflating to more fails (python-docx "
                              "holds ~20× an XML part in memory)")
    max_text_chars: int = Field(
        5_000_000, ge=1, description="A TXT, DOCX or workbook with more text fails with a reason")
    max_cells: int = Field(
        2_000_000, ge=1, description="A workbook (XLSX, XLS) with more cells, or a sheet whose "
                                     "filled rows × columns span more, fails with a reason: "
                                     "openpyxl holds ~1 KB a cell")

    ocr_engine: OcrEngineName = Field(
        "rapidocr",
        description="OCR for pages without a usable text layer: rapidocr (PP-OCRv4, models in "
                    "the wheel) | tesseract (apt: tesseract-ocr tesseract-ocr-chi-sim)")
    ocr_dpi: int = Field(
        200, ge=100, le=600, description="Scanned pages are rendered at this resolution for OCR")
    ocr_runtime: OcrRuntime = Field(
        "openvino",
        description="What runs RapidOCR's models: openvino (~0.6 of the CPU time, same "
                    "readings) | onnxruntime (also the fallback, logged, when openvino cannot load)")

    llm_cross_check: bool = Field(
        False, description="Also have the LLM read the performance tables the parser mapped, to "
        "record their agreement (a disagreement is a finding); off: 0 LLM calls for those tables")

    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
    llm_model: str = "gemma-3-270m"
    llm_api_key: str | None = None
    llm_mode: str = Field("tools", description="instructor mode: tools | json_schema | json")
    llm_max_retries: int = 2
    llm_timeout_s: float = 60.0
    llm_token_budget_per_doc: int = 200_000
    llm_http_retries: int = Field(3, description="Retries of one call on timeout, 429, 5xx")
    llm_max_tokens: int = Field(4096, description="Per call: a small model can loop in a grammar")
    llm_reread_tables: bool = Field(
        True, description="With an endpoint: re-read a standard table the checks put in doubt "
                          "for extraction reasons, taking the answer only if the arithmetic holds")
    llm_plain_roles: bool = Field(
        False, description="Send rules as user turns (chat templates without a system role, "
                           "e.g. llama.cpp's gemma)")

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING",
        description="budgetlens's own messages (loggers `worker.*`, to stderr): WARNING = documents "
                    "rejected, LLM sections left pending; INFO + pages read by OCR or with a "
                    "ruled table split by the unclear-grid path; DEBUG + per-stage timings")

    ui_users: dict[str, str] = Field(
        default_factory=dict, description="Reviewer name → password hash (see `budgetlens user add`)"
    )
    ui_workers: bool = Field(
        True, description="`budgetlens ui` starts `workers` worker processes (and the embedded "
        "Redis) when no worker is alive, and stops them with the app; false for deployments "
        "that run `budgetlens worker` themselves")
    ui_secret: str | None = Field(
        None, description="Key that signs the review app's session tokens; unset = one is "
        "generated once and kept in data_dir/ui_secret")
    ui_session_h: float = Field(
        12, gt=0, description="A sign-in lasts this many hours, reloads included")
    login_free_failures: int = Field(
        5, ge=1, description="Failed sign-ins per reviewer name / client address before lock-out")
    login_lockout_s: float = Field(
        30, gt=0, description="First lock-out; it doubles with each further failure")
    login_lockout_max_s: float = Field(3600, gt=0, description="Longest lock-out")
    ui_language: Literal["zh", "en"] = Field(
        "zh", description="Language of the review app: zh (中文) or en (names of tables, columns, "
                          "rows and rules stay as printed, in Chinese)")

    @classmethod
    def default(cls, name: str) -> Any:
        """A field's default, for code that needs one without reading the environment."""
        return cls.model_fields[name].get_default(call_default_factory=True)

    def configure_logging(self) -> None:
        """Our loggers (`worker.*`, the review app's `ui.*`) to stderr at `log_level` (RQ and
        Streamlit configure their own)."""
        for logger in map(logging.getLogger, ("worker", "ui")):
            if not any(getattr(h, "_budgetlens", False) for h in logger.handlers):
                handler = logging.StreamHandler()
                handler.setFormatter(_Inert("%(asctime)s %(levelname)s %(name)s: %(message)s"))
                handler._budgetlens = True  # type: ignore[attr-defined]
                logger.addHandler(handler)
            logger.setLevel(self.log_level)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'budgetlens.sqlite3').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


class _Inert(logging.Formatter):
    """A log line's file names and reasons cannot repaint the terminal (worker/terminal.py)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep="\n\t")
