"""The Queue page's view of the work: whether worker processes are alive (their heartbeat in
Redis), and for each running document what it is and how far it has got — pages read of the
total and the time left at the rate so far."""

from __future__ import annotations

import time

import streamlit as st

from schemas import DocStatus
from schemas.progress import Progress, Stage, WorkerInfo
from schemas.records import DocumentRecord
from ui.common import Services, md, short_name
from ui.i18n import label, t
from worker.errors import BudgetlensError


def workers_panel(sv: Services) -> list[WorkerInfo] | None:
    """Alive workers, said in one line (a warning when there is none). None: Redis is down."""
    try:
        workers = sv.workers()
    except BudgetlensError:
        return None  # the page says the queue is unavailable where it needs it
    if not workers:
        st.warning(t("activity.no_worker"), icon=":material/engineering:")
        return workers
    busy = sum(w.busy for w in workers)
    beats = [w.heartbeat_age_s for w in workers if w.heartbeat_age_s is not None]
    beat = t("activity.last_beat", s=f"{min(beats):.0f}") if beats else ""
    st.caption(t("activity.workers", n=len(workers), busy=busy, beat=beat))
    return workers


def with_progress(sv: Services, records: list[DocumentRecord]) -> dict[str, Progress]:
    """Progress of the running documents among `records` ({} when Redis is down)."""
    if not any(r.status == DocStatus.running for r in records):
        return {}
    try:
        return sv.progress()
    except BudgetlensError:
        return {}


def as_known(rec: DocumentRecord, progress: Progress | None) -> DocumentRecord:
    """A running document's record with what its progress already knows (pages, department,
    year, type), for the listing."""
    if progress is None:
        return rec
    known = {
        "pages": progress.pages_total,
        "department": progress.department,
        "fiscal_year": progress.fiscal_year,
        "doc_type": progress.doc_type,
    }
    return rec.model_copy(update={k: v for k, v in known.items() if v is not None})


def running_panel(records: list[DocumentRecord], progress: dict[str, Progress]) -> None:
    running = [r for r in records if r.status == DocStatus.running]
    if not running:
        return
    st.markdown(t("activity.running", n=len(running)))
    now = time.time()
    for rec in running:
        p = progress.get(rec.doc_id)
        with st.container(border=True):
            st.text(_what(rec, p))
            if p is None:
                st.caption(t("activity.waiting"))
                continue
            total = p.pages_total or 0
            share = p.pages_done / total if total else 0.0
            st.progress(min(share, 1.0), text=_how_far(p, now))


def _what(rec: DocumentRecord, p: Progress | None) -> str:
    rec = as_known(rec, p)
    kind = label("doc_type", rec.doc_type) if rec.doc_type else t("activity.type_unknown")
    year = t("activity.year", year=rec.fiscal_year) if rec.fiscal_year else t(
        "activity.year_unknown")
    pages = t("activity.n_pages", n=rec.pages) if rec.pages else t("activity.pages_unknown")
    dept = rec.department or t("common.department_unknown")
    return f"{short_name(rec.source_file)} · {dept} · {year} · {kind} · {pages}"


def _how_far(p: Progress, now: float) -> str:
    parts = [t(f"activity.stage_{p.stage.value}")]
    if p.pages_total:
        parts.append(t("activity.pages", done=p.pages_done, total=p.pages_total))
    left = p.seconds_left(now)
    if left is not None:
        parts.append(t("activity.left", time=_duration(left)))
    elif p.stage in (Stage.extract, Stage.check):
        parts.append(t("activity.almost"))
    parts.append(t("activity.spent", time=_duration(now - p.started_at)))
    return md(" · ".join(parts))


def _duration(seconds: float) -> str:
    s = max(round(seconds), 0)
    return t("activity.minutes", m=s // 60, s=s % 60) if s >= 60 else t("activity.seconds", s=s)
