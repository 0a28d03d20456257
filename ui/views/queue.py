"""Queue: upload documents, watch them being extracted, requeue failures, open one to review."""

from __future__ import annotations

import json
import math

import pandas as pd
import streamlit as st

from schemas import DocStatus
from schemas.records import DocumentRecord
from ui.activity import as_known, running_panel, with_progress, workers_panel
from ui.common import (
    STATUS_LABEL,
    Services,
    current_user,
    flash,
    grid,
    md,
    queue_or_error,
    records_column_config,
    records_frame_rows,
    services,
    short_name,
    show_flashes,
    status_badge,
    status_css,
    why,
)
from ui.i18n import t
from worker.errors import NotAllowed
from worker.services.accounts import is_reviewer, require_reviewer
from worker.services.review import REVIEWABLE, requeue
from worker.services.submit import SubmitReport, submit_bytes

REFRESH_S = 2.0


def main() -> None:
    sv = services()
    st.title(t("queue.title"))
    show_flashes()
    _upload(sv)
    live = st.toggle(
        t("queue.live"),
        value=True,
        key="live",
        help=t("queue.live_help", seconds=f"{REFRESH_S:g}"),
    )
    st.fragment(run_every=REFRESH_S if live else None)(_live)(sv)


# -- upload ---------------------------------------------------------------------------------


def _upload(sv: Services) -> None:
    user = current_user() if is_reviewer(sv.settings, current_user()) else None
    mb = max(1, math.ceil(sv.settings.max_file_mb))
    st.html(_uploader_words(mb))
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader(
            t("queue.add"),
            accept_multiple_files=True,
            key="uploads",
            max_upload_size=mb,  # the browser says so early
            disabled=user is None,
        )
        sent = st.form_submit_button(
            t("queue.submit"), type="primary", icon=":material/upload:", disabled=user is None,
            key="submit_upload",
        )
    if user is None:
        st.caption(t("queue.sign_in"))
    if not (sent and files):
        return
    try:  # on the server: a disabled widget is only a hint to the browser
        require_reviewer(sv.settings, current_user(), "upload")
    except NotAllowed as exc:
        st.error(t("queue.upload_refused", reason=why(exc)))
        return
    queue = queue_or_error(sv)
    if queue is None:
        return
    report = SubmitReport()
    for f in files:
        submit_bytes(f.getvalue(), f.name, sv.store, queue, sv.settings, report)
    _report(report)


_BUTTON = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
_LIMIT = '[data-testid="stFileUploaderDropzoneInstructions"] span'


def _uploader_words(mb: int) -> str:
    """Streamlit's uploader says "Upload" and "100MB per file" in English whatever the page's
    language, and has no setting for them: a style sheet (only that: st.html takes no room for
    it) shows ours in their place. Should a later Streamlit rename these test ids, its English
    words show again; nothing else changes."""
    words = {_BUTTON: t("queue.browse"), _LIMIT: t("queue.limit", mb=mb)}
    rules = "".join(f"{sel} {{font-size: 0}} {sel}::after {{font-size: 0.875rem; "
                    f"content: {json.dumps(text, ensure_ascii=False)}}}"
                    for sel, text in words.items())
    return f"<style>{rules}</style>"


def _report(report: SubmitReport) -> None:
    if report.queued:
        st.success(t("queue.queued", n=len(report.queued),
                     files=", ".join(md(name) for name, _ in report.queued)))
    for name, doc_id in report.duplicates:
        st.info(t("queue.duplicate", file=md(name), doc_id=doc_id[:12]))
    for name, reason in report.rejected:
        st.error(t("queue.rejected", file=md(name), reason=why(reason)))


# -- live status ----------------------------------------------------------------------------


def _live(sv: Services) -> None:
    workers_panel(sv)
    counts = sv.store.counts()
    cols = st.columns(len(DocStatus))
    for col, status in zip(cols, DocStatus, strict=True):
        col.metric(status_badge(status), counts[status])
    records = _filtered(sv.store.list())
    progress = with_progress(sv, records)
    running_panel(records, progress)
    _documents([as_known(r, progress.get(r.doc_id)) for r in records])
    _failures(sv, [r for r in records if r.status == DocStatus.failed])


def _filtered(records: list[DocumentRecord]) -> list[DocumentRecord]:
    dep, year, status = st.columns(3)
    deps = dep.multiselect(
        t("records.department"),
        sorted({r.department for r in records if r.department}),
        key="f_dep",
        placeholder=t("panels.all"),
    )
    years = year.multiselect(
        t("records.year"),
        sorted({r.fiscal_year for r in records if r.fiscal_year}, reverse=True),
        key="f_year",
        placeholder=t("panels.all"),
    )
    states = status.multiselect(
        t("records.status"),
        list(DocStatus),
        key="f_status",
        placeholder=t("panels.all"),
        format_func=STATUS_LABEL.__getitem__,
    )
    return [
        r
        for r in records
        if (not deps or r.department in deps)
        and (not years or r.fiscal_year in years)
        and (not states or r.status in states)
    ]


def _documents(records: list[DocumentRecord]) -> None:
    if not records:
        st.info(t("queue.none"))
        return
    event = grid(
        pd.DataFrame(records_frame_rows(records)).style.map(status_css, subset=["status"]),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="docs",
        column_config=records_column_config(),
    )
    picked = [records[i] for i in event.selection.rows if i < len(records)]
    if not picked:
        st.caption(t("queue.select"))
        return
    rec = picked[0]
    if st.button(
        t("queue.open", file=md(short_name(rec.source_file))),
        key="open_doc",
        type="primary",
        disabled=rec.status not in REVIEWABLE,
        icon=":material/fact_check:",
        help=None if rec.status in REVIEWABLE else t("queue.not_extracted"),
    ):
        st.session_state["doc_id"] = rec.doc_id
        st.switch_page("views/review.py", query_params={"doc": rec.doc_id[:16]})


def _failures(sv: Services, failed: list[DocumentRecord]) -> None:
    if not failed:
        return
    st.subheader(t("queue.failed", n=len(failed)))
    user = current_user()
    if st.button(
        t("queue.requeue_all"), key="requeue_all", disabled=user is None, icon=":material/replay:"
    ):
        _requeue(sv, failed, user or "")
    for rec in failed:
        with st.container(border=True):
            text, btn = st.columns([6, 1], vertical_alignment="center")
            text.text(t("queue.failure", file=short_name(rec.source_file), doc_id=rec.doc_id[:12],
                        attempts=rec.attempts))
            text.code(rec.error or t("queue.no_reason"), language=None, wrap_lines=True)
            if btn.button(
                t("queue.requeue"),
                key=f"requeue-{rec.doc_id}",
                disabled=user is None,
                icon=":material/replay:",
            ):
                _requeue(sv, [rec], user or "")


def _requeue(sv: Services, records: list[DocumentRecord], user: str) -> None:
    try:
        require_reviewer(sv.settings, user, "requeue")
    except NotAllowed as exc:
        st.error(t("queue.requeue_refused", reason=why(exc)))
        return
    queue = queue_or_error(sv)
    if queue is None:
        return
    for rec in records:
        requeue(sv.store, queue, sv.settings, rec.doc_id, user)
    flash("success", t("queue.requeued", n=len(records)))
    st.rerun()


main()
