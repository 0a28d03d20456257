"""The pipeline in one screen: load → chunk → extract → check, and the irregular sections found
for the LLM stage (worker/runtime/jobs.py fans them out). Performance tables the deterministic
reader maps (worker/performance/) are read here, into `Document.sections`; only what it cannot map
and the prose go to the LLM. Pure: bytes in, result out; the jobs do the store I/O around it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from schemas import DocStatus, Document, Finding, Problem
from schemas.performance import Section, SectionResult, SectionStatus
from schemas.progress import Stage
from schemas.reread import RereadRequest
from worker.errors import DocumentRejected
from worker.layout import Layout
from worker.performance import read_section
from worker.pipeline.checks import run_checks
from worker.pipeline.chunk import chunk
from worker.pipeline.extract import extract
from worker.pipeline.load import load
from worker.pipeline.options import OcrOptions, Options
from worker.pipeline.progress import Listener, Reporter
from worker.pipeline.reread import requests
from worker.pipeline.sections import count_indicators, find_groups, project_names, to_sections

__all__ = ["OcrOptions", "Options", "Outcome", "process", "status_of"]
log = logging.getLogger(__name__)


@dataclass
class Outcome:
    document: Document
    findings: list[Finding]
    sections: list[Section] = field(default_factory=list)  # for the LLM stage
    project_names: list[str] = field(default_factory=list)  # what grounds a project name
    rereads: list[RereadRequest] = field(default_factory=list)  # tables for an LLM re-read
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage (bench/queue.py)
    stages_cpu: dict[str, float] = field(default_factory=dict)  # ... of this process's CPU

    @property
    def status(self) -> DocStatus:
        return status_of(self.document, self.findings)


def status_of(document: Document, findings: list[Finding]) -> DocStatus:
    """Clean documents are `extracted`; anything a person should look at `needs_review`
    (findings, problems, or an LLM section that is not a clean `ok`)."""
    unsure = any(s.status != SectionStatus.ok for s in document.sections)
    if findings or document.problems or unsure:
        return DocStatus.needs_review
    return DocStatus.extracted


def process(
    data: bytes, kind: str, doc_id: str, source_file: str, options: Options | None = None,
    progress: Listener | None = None,
) -> Outcome:
    """Raises DocumentRejected when the document cannot be read at all (OcrEngineError when
    the OCR engine it needs is missing: an infrastructure failure). `options` default to
    Settings' defaults; `progress` is told how far it got (worker/pipeline/progress.py)."""
    options, took, report = options or Options.defaults(), _Took(), Reporter(progress)
    with took("load"):
        loaded = load(data, kind, options.max_pages, options.caps)
    report.opened(loaded)
    with took("chunk"):
        layout = chunk(loaded, options.ocr, report.page)
    if loaded.workbook is not None and len(layout.pages) > options.max_pages:
        raise DocumentRejected(  # a PDF's pages are counted at load; a workbook's sheets once read
            f"工作表过多：{len(layout.pages)} 个，上限 {options.max_pages} 页 ({len(layout.pages)} "
            f"sheets exceed the limit of {options.max_pages} pages, BUDGETLENS_MAX_PAGES)")
    report.stage(Stage.extract)
    with took("extract"):
        pages = len(layout.pages) if loaded.workbook is not None else loaded.page_count
        document = extract(layout, doc_id, source_file, pages)  # a workbook: its sheets read
        document.problems[:0] = [Problem(stage="load", message=w) for w in loaded.warnings]
    with took("performance"):
        document.sections, for_llm = read_performance(layout, options.cross_check)
    report.stage(Stage.check)
    with took("check"):
        findings = run_checks(document, sections=document.sections)
    outcome = Outcome(document, findings, for_llm, project_names(layout))
    if options.reread:
        with took("reread"):
            outcome.rereads = requests(document, findings, layout)
    outcome.stages, outcome.stages_cpu = dict(took), took.cpu
    log.debug("%s %s", doc_id[:12], took)
    return outcome


class _Took(dict[str, float]):
    """Seconds per stage, for the DEBUG log; `cpu`: the process time of each."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        yield
        self[stage] = time.perf_counter() - start
        self.cpu[stage] = time.process_time() - cpu

    def __str__(self) -> str:
        return " ".join(f"{stage} {s:.3f}s" for stage, s in self.items())


def read_performance(
    layout: Layout, cross_check: bool = False
) -> tuple[list[SectionResult], list[Section]]:
    """Performance tables the reader maps, and the sections for the LLM: the prose, the tables
    the reader cannot map (with its reason), and a table it mapped as a second opinion when
    `cross_check` is on (worker/performance/agree.py)."""
    read: list[SectionResult] = []
    for_llm: list[Section] = []
    for group in find_groups(layout):
        result = "prose" if not group.is_table else read_section(
            group.kind, group.title, group.blocks, section_id=group.section_id,
            pages=group.pages, expected=count_indicators(group.blocks),
        )
        if not isinstance(result, SectionResult):
            for_llm += to_sections(group, why=None if result == "prose" else result)
            continue
        read.append(result)
        if cross_check and result.data:  # off by default: a mapped table costs no call
            for_llm += to_sections(group, why="second reading of the parser's (cross-check)")
    return read, for_llm
