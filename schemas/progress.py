"""How far a running document job has got: the pipeline reports it, the worker keeps it in the
RQ job's meta, the Queue page shows it (pages done / total, time left, what the document is)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.document import DocType


class Stage(StrEnum):
    load = "load"  # open the file, count its pages
    pages = "pages"  # read every page (OCR where there is no usable text layer): the long part
    extract = "extract"  # tables, narrative, performance tables
    check = "check"  # the arithmetic checks


class Progress(BaseModel):
    stage: Stage
    pages_done: int = Field(0, description="Pages read so far")
    pages_total: int | None = Field(None, description="Pages of the document, once it is open")
    started_at: float = Field(description="When the reading started (epoch seconds)")
    pages_started_at: float | None = Field(None, description="When the page reading started")
    at: float = Field(description="When this was reported (epoch seconds)")
    department: str | None = Field(None, description="As read from the first pages (a preview)")
    fiscal_year: int | None = None
    doc_type: DocType | None = None

    def seconds_left(self, now: float) -> float | None:
        """Time left by the page rate so far (the stages after the pages are short); None before
        a page is done or after the last."""
        if self.stage != Stage.pages or not (
            self.pages_total and self.pages_done and self.pages_started_at
        ):
            return None
        rate = (now - self.pages_started_at) / self.pages_done
        return max(rate * (self.pages_total - self.pages_done), 0.0)


class WorkerInfo(BaseModel):
    """A worker process that is alive: registered in Redis with a heartbeat that has not expired."""

    name: str
    busy: bool = Field(description="Working on a job (else idle, waiting for one)")
    doc_id: str | None = Field(None, description="The document it is working on")
    heartbeat_age_s: float | None = Field(None, description="Seconds since its last heartbeat")
    hostname: str | None = None
    pid: int | None = None
