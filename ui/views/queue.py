"""Queue: upload documents, watch them being extracted, requeue failures, open one to review."""

from __future__ import annotations

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
    md,
    queue_or_error,
    records_column_config,
    records_frame_rows,
    services,
    short_name,
    show_flashes,
    status_badge,
    status_css,
)
from worker.errors import NotAllowed
from worker.services.accounts import is_reviewer, require_reviewer
from worker.services.review import REVIEWABLE, requeue
from worker.services.submit import SubmitReport, submit_bytes

REFRESH_S = 2.0


def main() -> None:
    sv = services()
    st.title("Queue")
    show_flashes()
    _upload(sv)
    live = st.toggle(
        "Live updates",
        value=True,
        key="live",
        help=f"Refresh the counts and the list every {REFRESH_S:g} s",
    )
    st.fragment(run_every=REFRESH_S if live else None)(_live)(sv)


# -- upload ---------------------------------------------------------------------------------


def _upload(sv: Services) -> None:
    user = current_user() if is_reviewer(sv.settings, current_user()) else None
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader(
            "Add documents (PDF, DOCX or TXT; the same file twice is recognised and kept once)",
            accept_multiple_files=True,
            key="uploads",
            max_upload_size=max(1, math.ceil(sv.settings.max_file_mb)),  # the browser says so early
            disabled=user is None,
        )
        sent = st.form_submit_button(
            "Submit for extraction", type="primary", icon=":material/upload:", disabled=user is None,
            key="submit_upload",
        )
    if user is None:
        st.caption("Sign in (sidebar) to upload.")
    if not (sent and files):
        return
    try:  # on the server: a disabled widget is only a hint to the browser
        require_reviewer(sv.settings, current_user(), "upload")
    except NotAllowed as exc:
        st.error(f"Upload refused: {md(exc)}.")
        return
    queue = queue_or_error(sv)
    if queue is None:
        return
    report = SubmitReport()
    for f in files:
        submit_bytes(f.getvalue(), f.name, sv.store, queue, sv.settings, report)
    _report(report)


def _report(report: SubmitReport) -> None:
    if report.queued:
        st.success(
            f"{len(report.queued)} queued: " + ", ".join(md(name) for name, _ in report.queued)
        )
    for name, doc_id in report.duplicates:
        st.info(f"{md(name)} was already submitted (same bytes, {doc_id[:12]}): kept once.")
    for name, reason in report.rejected:
        st.error(f"{md(name)} rejected: {md(reason)}")


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
        "Department",
        sorted({r.department for r in records if r.department}),
        key="f_dep",
        placeholder="all",
    )
    years = year.multiselect(
        "Year",
        sorted({r.fiscal_year for r in records if r.fiscal_year}, reverse=True),
        key="f_year",
        placeholder="all",
    )
    states = status.multiselect(
        "Status",
        list(DocStatus),
        key="f_status",
        placeholder="all",
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
        st.info("No documents match. Upload some above (or `budgetlens submit FOLDER`).")
        return
    event = st.dataframe(
        pd.DataFrame(records_frame_rows(records)).style.map(status_css, subset=["status"]),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="docs",
        column_config=records_column_config(),
    )
    picked = [records[i] for i in event.selection.rows if i < len(records)]
    if not picked:
        st.caption("Select a document to open it in Review.")
        return
    rec = picked[0]
    if st.button(
        f"Open in Review: {md(short_name(rec.source_file))}",
        key="open_doc",
        type="primary",
        disabled=rec.status not in REVIEWABLE,
        icon=":material/fact_check:",
        help=None if rec.status in REVIEWABLE else "Not extracted yet",
    ):
        st.session_state["doc_id"] = rec.doc_id
        st.switch_page("views/review.py", query_params={"doc": rec.doc_id[:16]})


def _failures(sv: Services, failed: list[DocumentRecord]) -> None:
    if not failed:
        return
    st.subheader(f"Failed ({len(failed)})")
    user = current_user()
    if st.button(
        "Requeue all failed", key="requeue_all", disabled=user is None, icon=":material/replay:"
    ):
        _requeue(sv, failed, user or "")
    for rec in failed:
        with st.container(border=True):
            text, btn = st.columns([6, 1], vertical_alignment="center")
            text.text(
                f"{short_name(rec.source_file)}  ({rec.doc_id[:12]}, {rec.attempts} attempt(s))"
            )
            text.code(rec.error or "no reason recorded", language=None, wrap_lines=True)
            if btn.button(
                "Requeue",
                key=f"requeue-{rec.doc_id}",
                disabled=user is None,
                icon=":material/replay:",
            ):
                _requeue(sv, [rec], user or "")


def _requeue(sv: Services, records: list[DocumentRecord], user: str) -> None:
    try:
        require_reviewer(sv.settings, user, "requeue")
    except NotAllowed as exc:
        st.error(f"Requeue refused: {md(exc)}.")
        return
    queue = queue_or_error(sv)
    if queue is None:
        return
    for rec in records:
        requeue(sv.store, queue, sv.settings, rec.doc_id, user)
    flash("success", f"{len(records)} document(s) requeued.")
    st.rerun()


main()
