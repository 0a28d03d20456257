"""The Queue page's view of the work: whether worker processes are alive (their heartbeat in
Redis), and for each running document what it is and how far it has got — pages read of the
total and the time left at the rate so far."""

from __future__ import annotations

import time

import streamlit as st

from schemas import DocStatus
from schemas.progress import Progress, Stage, WorkerInfo
from schemas.records import DocumentRecord
from ui.common import DOC_TYPE_LABEL, Services, md, short_name
from worker.errors import BudgetlensError

STAGE_LABEL = {
    Stage.load: "打开文件",
    Stage.pages: "逐页读取",
    Stage.extract: "提取表格与数字",
    Stage.check: "核对",
}
NO_WORKER = (
    "没有运行中的处理进程（worker）：上传的文件会一直排队。`budgetlens ui` 在没有 worker 时"
    "会自带启动（设置 BUDGETLENS_UI_WORKERS），也可另行运行 `budgetlens worker`。"
)


def workers_panel(sv: Services) -> list[WorkerInfo] | None:
    """Alive workers, said in one line (a warning when there is none). None: Redis is down."""
    try:
        workers = sv.workers()
    except BudgetlensError:
        return None  # the page says the queue is unavailable where it needs it
    if not workers:
        st.warning(NO_WORKER, icon=":material/engineering:")
        return workers
    busy = sum(w.busy for w in workers)
    beats = [w.heartbeat_age_s for w in workers if w.heartbeat_age_s is not None]
    beat = f" · 最近心跳 {min(beats):.0f} 秒前" if beats else ""
    st.caption(f":material/engineering: 处理进程 workers：{len(workers)} 个在运行，"
               f"{busy} 个正在处理{beat}")
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
    st.markdown(f"**正在处理（{len(running)}）**")
    now = time.time()
    for rec in running:
        p = progress.get(rec.doc_id)
        with st.container(border=True):
            st.text(_what(rec, p))
            if p is None:
                st.caption("已开始，等待第一份进度报告…")
                continue
            total = p.pages_total or 0
            share = p.pages_done / total if total else 0.0
            st.progress(min(share, 1.0), text=_how_far(p, now))


def _what(rec: DocumentRecord, p: Progress | None) -> str:
    rec = as_known(rec, p)
    kind = DOC_TYPE_LABEL.get(rec.doc_type or "", "类型未识别")
    year = f"{rec.fiscal_year}年" if rec.fiscal_year else "年度未识别"
    pages = f"{rec.pages} 页" if rec.pages else "页数未知"
    dept = rec.department or "部门未识别"
    return f"{short_name(rec.source_file)} · {dept} · {year} · {kind} · {pages}"


def _how_far(p: Progress, now: float) -> str:
    parts = [STAGE_LABEL[p.stage]]
    if p.pages_total:
        parts.append(f"第 {p.pages_done} / {p.pages_total} 页")
    left = p.seconds_left(now)
    if left is not None:
        parts.append(f"预计还需 {_duration(left)}")
    elif p.stage in (Stage.extract, Stage.check):
        parts.append("页面已读完，即将完成")
    parts.append(f"已用 {_duration(now - p.started_at)}")
    return md(" · ".join(parts))


def _duration(seconds: float) -> str:
    s = max(round(seconds), 0)
    return f"{s // 60} 分 {s % 60} 秒" if s >= 60 else f"{s} 秒"
