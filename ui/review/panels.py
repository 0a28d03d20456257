"""The parts of the Review page around the table: header and actions, the page image,
findings, problems and narrative figures. Panels return the page boxes they want drawn."""

from __future__ import annotations

from functools import partial

import streamlit as st

from schemas import DocStatus, Finding, Severity
from ui import tableview as tv
from ui.common import DOC_TYPE_LABEL, STATUS_ICON, STATUS_LABEL, Services, current_user, md
from ui.pageimage import Box
from ui.review.state import (
    SEVERITY_ICON,
    SIGN_IN,
    follow_page,
    jump,
    run_action,
    sorted_findings,
)
from worker.services.review import Review, confirm_document, reopen

# -- header ---------------------------------------------------------------------------------


def header(sv: Services, review: Review) -> None:
    rec, doc = review.record, review.document
    kind = DOC_TYPE_LABEL.get(doc.doc_type or "", "")
    year = f"{doc.fiscal_year}年" if doc.fiscal_year else ""
    title = " ".join(p for p in (doc.department or "(department unknown)", year, kind) if p)
    st.subheader(md(title), anchor=False)  # no anchor id made from document text
    region = " ".join(p for p in (doc.region.province, doc.region.city, doc.region.county) if p)
    st.caption(
        md(f"{rec.source_file} · {doc.pages} pages · {region or 'region unknown'}")
        + f" · {STATUS_ICON[rec.status]} **{STATUS_LABEL[rec.status]}** · version "
        f"{rec.version} · {len(review.findings)} findings · {len(doc.tables)} tables"
    )
    user = current_user()
    cols = st.columns([1.7, 0.9, 2.6, 1.4], vertical_alignment="center")
    if rec.status == DocStatus.confirmed:
        if cols[0].button(
            "Reopen for review",
            key="reopen",
            disabled=user is None,
            help=None if user else SIGN_IN,
            icon=":material/lock_open:",
        ):
            run_action("Reopened.", lambda: reopen(sv.store, review, user or ""))
    elif cols[0].button(
        "Confirm document",
        key="confirm_doc",
        type="primary",
        disabled=user is None,
        icon=":material/task_alt:",  # no shortcut: Shift+Enter etc. also fire inside inputs
        help=SIGN_IN
        if user is None
        else "Vouch that the data match the document "
        "as printed (findings about the document itself may stay open)",
    ):
        run_action("Document confirmed.", lambda: confirm_document(sv.store, review, user or ""))
    if cols[1].button("Reload", key="reload", icon=":material/refresh:"):
        st.session_state.pop("review", None)
        st.rerun()
    errors = sum(f.severity == Severity.error for f in review.findings)
    if errors and rec.status != DocStatus.confirmed:
        cols[2].caption(
            f"{errors} open error(s): fix extraction mistakes first; a document that "
            "really contradicts itself can still be confirmed."
        )
    cols[3].segmented_control(
        "Layout",
        ["side by side", "stacked"],
        key="layout_w",
        label_visibility="collapsed",
        default=st.session_state.get("layout_pref", "side by side"),
        on_change=_keep_layout,
    )


def _keep_layout() -> None:
    # widget state is dropped on other pages; the preference should outlive them
    st.session_state["layout_pref"] = st.session_state.get("layout_w") or "side by side"


# -- findings and the rest ------------------------------------------------------------------


def findings_panel(review: Review) -> list[Box]:
    findings = sorted_findings(review)
    st.markdown(f"**Findings ({len(findings)})** — select one to see where it is")
    if not findings:
        st.success("No findings: every check passes.")
        return []
    doc = review.document
    rows = [
        {
            "": SEVERITY_ICON.get(f.severity, ""),
            "page": tv.finding_page(doc, f),
            "rule": f.rule_id,
            "kind": f.kind.value,
            "message": f.message,
            "difference": f.difference,
        }
        for f in findings
    ]
    key = f"findings-{review.doc_id[:12]}-{review.version}"
    sel = st.session_state.get("finding_sel")
    st.dataframe(
        rows,
        hide_index=True,
        key=key,
        on_select=partial(_pick_finding, review, key),
        selection_mode="single-row",
        selection_default={"selection": {"rows": [sel]}} if sel is not None else None,
        height=min(38 + 35 * len(rows), 300),
        column_config={
            "message": st.column_config.TextColumn(width="large"),
            "difference": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    if sel is None or sel >= len(findings):
        return []
    _finding_detail(findings[sel])
    page = st.session_state["page"]
    picked = findings[sel]
    # suspects last: drawn on top of the finding's other boxes
    return [Box(b, "finding") for b in tv.finding_boxes(doc, picked, page, suspect=False)] + [
        Box(b, "suspect") for b in tv.finding_boxes(doc, picked, page, suspect=True)
    ]


def _pick_finding(review: Review, key: str) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        jump(review, rows[0])
    else:
        st.session_state["finding_sel"] = None


def _finding_detail(f: Finding) -> None:
    facts = {
        "expected": f.expected,
        "actual": f.actual,
        "difference": f.difference,
        "tolerance": f.tolerance,
    }
    shown = "  ".join(f"{k}: {v}" for k, v in facts.items() if v is not None)
    where = "; ".join(
        "/".join(
            str(p)
            for p in (
                "⚠ suspected misread" if loc.suspect else None,
                loc.table_key,
                loc.row_code,
                loc.column_key,
                f"p.{loc.page}" if loc.page else None,
                f"OCR {loc.confidence:.2f}" if loc.confidence is not None else None,
            )
            if p
        )
        for loc in f.locations
    )
    st.text(f"{f.rule_id} ({f.severity.value}, {f.kind.value})\n{shown}\nat: {where}")


def extras_panel(review: Review) -> list[Box]:
    doc = review.document
    if doc.problems:
        with st.expander(f"Extraction problems ({len(doc.problems)})"):
            st.dataframe([p.model_dump() for p in doc.problems], hide_index=True)
    if not doc.narrative:
        return []
    with st.expander(f"Narrative figures ({len(doc.narrative)})"):
        rows = [
            {
                "subject": n.subject,
                "text": n.subject_text,
                "amount (万元)": n.amount.wan if n.amount else None,
                "share %": n.share_pct,
                "page": n.page,
                "sentence": n.sentence,
            }
            for n in doc.narrative
        ]
        key = f"narr-{review.doc_id[:12]}-{review.version}"
        event = st.dataframe(
            rows,
            hide_index=True,
            on_select=partial(_follow_narrative, review, key),
            selection_mode="single-row",
            key=key,
        )
        picked = [doc.narrative[i] for i in event.selection.rows]
    page = st.session_state["page"]
    return [Box(n.bbox, "selected") for n in picked if n.bbox and n.page == page]


def _follow_narrative(review: Review, key: str) -> None:
    for i in st.session_state[key].selection.rows:
        if page := review.document.narrative[i].page:
            st.session_state["page"] = page
            follow_page(review)
