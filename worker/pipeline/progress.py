"""Progress of one `process()` call, told to a listener (the worker keeps it in the RQ job's meta
for the Queue page): the stage, pages read of the total, and what the document is — department,
year, type read from the text of its first pages as soon as it is open, long before the extract
stage reads them properly."""

from __future__ import annotations

import time
from collections.abc import Callable

from schemas.progress import Progress, Stage
from worker.pipeline.load import Loaded
from worker.pipeline.metadata import read_metadata

Listener = Callable[[Progress], None]
_PREVIEW_PAGES = 3
# a page report is passed on once this long has passed since the last one, or once the pages
# have grown by this share of the total since it (a fast document still shows its steps); the
# last one always
_EVERY_S = 0.5
_EVERY_SHARE = 0.05


class Reporter:
    def __init__(self, listener: Listener | None) -> None:
        self.listener = listener
        now = time.time()
        self.progress = Progress(stage=Stage.load, started_at=now, at=now)
        self._told = 0.0

    def opened(self, loaded: Loaded) -> None:
        if self.listener is None:
            return
        meta = read_metadata(_head_text(loaded))
        self._tell(stage=Stage.pages, pages_total=loaded.page_count, pages_started_at=time.time(),
                   department=meta.department, fiscal_year=meta.fiscal_year,
                   doc_type=meta.doc_type)

    def page(self, done: int) -> None:
        if self.listener is None:
            return
        total = self.progress.pages_total or 0
        step = done - self.progress.pages_done >= max(1, total * _EVERY_SHARE)
        if done >= total or step or time.time() - self._told >= _EVERY_S:
            self._tell(pages_done=done)

    def stage(self, stage: Stage) -> None:
        if self.listener is not None:
            self._tell(stage=stage)

    def _tell(self, **changes: object) -> None:
        assert self.listener is not None
        self._told = time.time()
        self.progress = self.progress.model_copy(update={**changes, "at": self._told})
        self.listener(self.progress)


def _head_text(loaded: Loaded) -> str:
    if loaded.pdf is not None:
        n = min(_PREVIEW_PAGES, loaded.pdf.page_count)
        return "\n".join(loaded.pdf[i].get_text() for i in range(n))
    return loaded.text or ""  # a DOCX is read in one go: its metadata come with the result
