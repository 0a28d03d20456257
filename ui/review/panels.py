"""The parts of the Review page around the table: header and actions, the page image,
findings, problems and narrative figures. Panels return the page boxes they want drawn."""

from __future__ import annotations

from collections import Counter
from functools import partial

import pandas as pd
import streamlit as st

from schemas import DocStatus, Finding, FindingKind, Severity
from schemas.findings import finding_key
from ui import tableview as tv
from ui.common import (
    DOC_TYPE_LABEL,
    Services,
    current_user,
    digest,
    grid,
    md,
    number,
    right,
    status_badge,
)
from ui.i18n import label, t
from ui.names import column_name, subject_name, table_name
from ui.pageimage import Box
from ui.review.edits import narrative_editor
from ui.review.state import (
    STEPPED,
    finding_keys,
    follow_page,
    forget_review,
    jump,
    on_action,
    sign_in_hint,
    sorted_findings,
)
from worker.services.review import (
    DismissReason,
    Review,
    confirm_document,
    dismiss,
    reopen,
    reopen_finding,
    rule_title,
)

SEVERITY_COLOR = {Severity.error: "red", Severity.warning: "orange", Severity.info: "blue"}
SEVERITY_CSS = {Severity.error: "#b91c1c", Severity.warning: "#c2410c", Severity.info: "#1d4ed8"}

# -- header ---------------------------------------------------------------------------------


def header(sv: Services, review: Review) -> None:
    rec, doc = review.record, review.document
    kind = DOC_TYPE_LABEL.get(doc.doc_type or "", "")
    year = t("panels.year", year=doc.fiscal_year) if doc.fiscal_year else ""
    title = " ".join(p for p in (doc.department or t("common.department_unknown"), year, kind) if p)
    st.subheader(md(title), anchor=False)  # no anchor id made from document text
    region = " ".join(p for p in (doc.region.province, doc.region.city, doc.region.county) if p)
    st.caption(t(
        "panels.caption", file=md(rec.source_file), pages=doc.pages,
        region=md(region) if region else t("panels.region_unknown"),
        status=status_badge(rec.status), version=rec.version, findings=len(review.findings),
        tables=len(doc.tables),
    ))
    user = current_user()
    cols = st.columns([1.7, 0.9, 2.6, 1.4], vertical_alignment="center")
    if rec.status == DocStatus.confirmed:
        cols[0].button(
            t("panels.reopen"),
            key="reopen",
            disabled=user is None,
            help=None if user else sign_in_hint(),
            icon=":material/lock_open:",
            **on_action(t("panels.reopened"),
                        lambda: reopen(sv.store, review, current_user() or "")),
        )
    else:
        errors = len(review.open_errors)
        note = ""
        if errors:  # the service refuses a confirmation over open errors without a note
            note = cols[2].text_input(
                t("panels.confirm_note"),
                key="confirm_note",
                placeholder=t("panels.confirm_note_placeholder", errors=errors),
                label_visibility="collapsed",
                disabled=user is None,
            )
        cols[0].button(
            t("panels.confirm_doc"),
            key="confirm_doc",
            type="primary",
            disabled=user is None or bool(errors and not note.strip()),
            icon=":material/task_alt:",  # no shortcut: Shift+Enter etc. also fire inside inputs
            help=sign_in_hint()
            if user is None
            else t("panels.confirm_doc_help"),
            **on_action(t("panels.doc_confirmed"), lambda: confirm_document(
                sv.store, review, current_user() or "",
                note=st.session_state.get("confirm_note") or "")),
        )
    cols[1].button(t("review.reload"), key="reload", icon=":material/refresh:",
                   on_click=forget_review)
    cols[3].segmented_control(
        t("panels.layout"),
        ["side by side", "stacked"],
        key="layout_w",
        format_func=lambda v: t(f"panels.layout_{v.replace(' ', '_')}"),
        label_visibility="collapsed",
        default=st.session_state.get("layout_pref", "side by side"),
        on_change=_keep_layout,
    )


def _keep_layout() -> None:
    # widget state is dropped on other pages; the preference should outlive them
    st.session_state["layout_pref"] = st.session_state.get("layout_w") or "side by side"


# -- findings and the rest ------------------------------------------------------------------


_STATUS_FILTER = ("open", "dismissed", "all")


def _severity_css(text: object) -> str:
    """Grid CSS: a severity label in its colour."""
    color = next((c for s, c in SEVERITY_CSS.items() if text == label("severity", s)), None)
    return f"color: {color}; font-weight: 600" if color else ""


def findings_panel(sv: Services, review: Review) -> list[Box]:
    """Findings grouped by cause (rule), filtered by status, severity, kind and table; the
    picked one in full (message, the printed values it rests on, its pages) with its
    dismissal, or the form to dismiss it — alone or with every open finding of its cause."""
    findings = sorted_findings(review)
    n_open = len(review.open_findings)
    st.markdown(t("panels.findings_header", open=n_open, total=len(findings)))
    if not findings:
        st.success(t("panels.no_findings"))
        return []
    doc = review.document
    shown = _filtered(review, findings)
    causes = Counter(rule_title(f.rule_id, f.message) for _, f in shown)
    st.caption(" · ".join(f"{md(c)} ×{n}" for c, n in causes.most_common())
               or t("panels.none_match"))
    cols = {k: t(f"panels.col_{k}") for k in ("status", "severity", "kind", "page", "cause",
                                                "message")}
    rows = pd.DataFrame([
        {
            cols["status"]: t("panels.dismissed" if review.dismissal(f) else "panels.open"),
            cols["severity"]: label("severity", f.severity),
            cols["kind"]: label("kind", f.kind),
            cols["page"]: tv.finding_page(doc, f),
            cols["cause"]: rule_title(f.rule_id, f.message),
            cols["message"]: f.message,
        }
        for _, f in shown
    ], columns=list(cols.values()))
    finding_keys(review, [i for i, _ in shown])
    # a new grid when its rows changed (positions mean other findings), or after a step by key
    # (drawn with its row picked); the same grid when a write left them as they were
    key = (f"findings-{review.doc_id[:12]}-{digest(rows.values.tolist(), [i for i, _ in shown])}"
           f"-{st.session_state.get(STEPPED, 0)}")
    sel = st.session_state.get("finding_sel")
    at = [pos for pos, (i, _) in enumerate(shown) if i == sel]
    grid(
        rows.style.map(_severity_css, subset=[cols["severity"]]),
        hide_index=True,
        key=key,
        on_select=partial(_pick_finding, review, key, [i for i, _ in shown]),
        selection_mode="single-row",
        selection_default={"selection": {"rows": at}} if at else None,
        height=min(38 + 35 * len(rows), 300),
        column_config={cols["message"]: st.column_config.TextColumn(width="large"),
                       cols["page"]: number(cols["page"])},
    )
    if sel is None or sel >= len(findings):
        return []
    picked = findings[sel]
    _finding_detail(sv, review, picked)
    page = st.session_state["page"]
    # suspects last: drawn on top of the finding's other boxes
    return [Box(b, "finding") for b in tv.finding_boxes(doc, picked, page, suspect=False)] + [
        Box(b, "suspect") for b in tv.finding_boxes(doc, picked, page, suspect=True)
    ]


def _filtered(review: Review, findings: list[Finding]) -> list[tuple[int, Finding]]:
    """(index in the sorted findings, finding) of those the filters let through."""
    tables = sorted({loc.table_key for f in findings for loc in f.locations if loc.table_key})
    doc = review.document
    status, sev, kind, tab = st.columns([1.3, 1, 1, 1.4])
    want = status.segmented_control(
        t("panels.col_status"), list(_STATUS_FILTER), key="f_status", default="open",
        format_func=lambda v: t(f"panels.{v}"),
    ) or "all"
    severities = sev.multiselect(
        t("panels.col_severity"), [s.value for s in Severity], key="f_severity",
        placeholder=t("panels.all"), format_func=lambda v: label("severity", v),
    )
    kinds = kind.multiselect(
        t("panels.col_kind"), [k.value for k in FindingKind], key="f_kind",
        placeholder=t("panels.all"), format_func=lambda v: label("kind", v),
    )
    keys = tab.multiselect(
        t("panels.table"), tables, key="f_table", placeholder=t("panels.all"),
        format_func=lambda k: table_name(k, doc.table(k)),
    )
    out = []
    for i, f in enumerate(findings):
        dismissed = review.dismissal(f) is not None
        if (want == "open" and dismissed) or (want == "dismissed" and not dismissed):
            continue
        if severities and f.severity.value not in severities:
            continue
        if kinds and f.kind.value not in kinds:
            continue
        if keys and not {loc.table_key for loc in f.locations} & set(keys):
            continue
        out.append((i, f))
    return out


def _pick_finding(review: Review, key: str, index: list[int]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        jump(review, index[rows[0]])
    else:
        st.session_state["finding_sel"] = None


def _finding_detail(sv: Services, review: Review, f: Finding) -> None:
    title = rule_title(f.rule_id, f.message)
    st.markdown(f"**{md(title)}** · :{SEVERITY_COLOR[f.severity]}[{label('severity', f.severity)}]"
                f" · {label('kind', f.kind)}")
    st.markdown(md(f.message))  # in full: the values as printed, with their pages
    printed = _printed_values(review, f)
    suspects = [t("panels.suspect_cell", page=p["page"], row=p["row"], column=p["column"],
                  raw=p["raw"]) for p in printed if p["suspect"]]
    if suspects:
        st.caption(t("panels.suspects", cells=md("；".join(suspects))))
    if printed:
        grid(
            [p | {"suspect": t("panels.suspect_yes") if p["suspect"] else ""} for p in printed],
            hide_index=True, key=f"printed-{review.version}",
            column_config={k: t(f"panels.printed_{k}") for k in
                           ("table", "row", "column", "suspect")} | {
                "raw": right(t("panels.printed_raw")), "page": number(t("panels.printed_page"))}
            | {k: number(t(f"panels.printed_{k}"), 2) for k in ("wan", "confidence")})
    d = review.dismissal(f)
    user = current_user()
    if d is not None:
        note = f"：{md(d.note)}" if d.note else ""
        st.info(t("panels.dismissed_by", reason=label("reason", d.reason), note=note,
                  user=md(d.user), at=f"{d.at:%Y-%m-%d %H:%M}"))
        st.button(t("panels.reopen_finding"), key="reopen_finding", disabled=user is None,
                  help=sign_in_hint() if user is None else t("panels.reopen_finding_help"),
                  **on_action(t("panels.finding_reopened"), lambda: reopen_finding(
                      sv.store, review, f, current_user() or "")))
        return
    stale = review.dismissals.get(finding_key(f))
    if stale is not None:
        st.caption(t("panels.stale_dismissal", user=md(stale.user),
                     reason=label("reason", stale.reason)))
    _dismiss_form(sv, review, f, title, user)


def _dismiss_form(sv: Services, review: Review, f: Finding, title: str, user: str | None) -> None:
    same = [g for g in review.open_findings if g.rule_id == f.rule_id]
    with st.container(border=True):  # not a form: Enter in the table's fix form stays its own
        st.radio(t("panels.dismiss_reason"), list(DismissReason), key="dismiss_reason",
                 horizontal=True, format_func=lambda r: label("reason", r))
        st.text_input(t("panels.dismiss_note"), key="dismiss_note")
        st.checkbox(t("panels.dismiss_all", n=len(same)), key="dismiss_all",
                    disabled=len(same) < 2)

        def chosen() -> list[Finding]:  # as the click found the form
            return same if st.session_state.get("dismiss_all") and len(same) > 1 else [f]

        st.button(t("panels.dismiss"), key="dismiss", disabled=user is None,
                  icon=":material/do_not_disturb_on:", **on_action(
                      lambda: t("panels.dismissed_n", n=len(chosen()), cause=md(title)),
                      lambda: dismiss(sv.store, review, chosen(),
                                      DismissReason(st.session_state["dismiss_reason"]),
                                      current_user() or "",
                                      st.session_state.get("dismiss_note") or "")))


def _printed_values(review: Review, f: Finding) -> list[dict[str, object]]:
    """The cells the finding names, as printed: page, table, row, column, text, 万元 (keys are
    ids; the grid's headers are the current language's)."""
    doc = review.document
    out = []
    for loc in f.locations:
        for ti, ri, col in tv.locate(doc, loc):
            table = doc.tables[ti]
            row = table.rows[ri]
            value = row.values.get(col) if col else None
            out.append({
                "page": loc.page or (value.page if value else row.page),
                "table": table_name(table.key, table),
                "row": " ".join(p for p in (row.code, row.name) if p),
                "column": column_name(col, table),
                "raw": value.raw if value else "",
                "wan": value.wan if value else None,
                "suspect": loc.suspect,
                "confidence": loc.confidence,
            })
    return out[:60]


def extras_panel(sv: Services, review: Review) -> list[Box]:
    doc = review.document
    if doc.problems:
        with st.expander(t("panels.problems", n=len(doc.problems))):
            grid(
                [{"page": p.page, "message": p.message} for p in doc.problems],
                hide_index=True,
                column_config={"page": number(t("panels.col_page")),
                               "message": st.column_config.TextColumn(t("panels.col_message"))})
    if not doc.narrative:
        return []
    with st.expander(t("panels.narrative", n=len(doc.narrative))):
        rows = [
            {
                "subject": subject_name(n.subject, n.subject_text),
                "text": n.subject_text,
                "wan": n.amount.wan if n.amount else None,
                "share": n.share_pct,
                "page": n.page,
                "sentence": n.sentence,
            }
            for n in doc.narrative
        ]
        key = f"narr-{review.doc_id[:12]}-{review.version}"
        event = grid(
            rows,
            hide_index=True,
            on_select=partial(_follow_narrative, review, key),
            selection_mode="single-row",
            key=key,
            column_config={
                "subject": st.column_config.TextColumn(t("panels.narr_subject")),
                "text": st.column_config.TextColumn(t("panels.narr_text")),
                "wan": number(t("panels.narr_wan"), 2),
                "share": number(t("panels.narr_share"), 2),
                "page": number(t("panels.col_page")),
                "sentence": st.column_config.TextColumn(t("panels.narr_sentence"), width="large"),
            },
        )
        picked = [doc.narrative[i] for i in event.selection.rows]
        if event.selection.rows:
            narrative_editor(sv, review, event.selection.rows[0])
    page = st.session_state["page"]
    return [Box(n.bbox, "selected") for n in picked if n.bbox and n.page == page]


def _follow_narrative(review: Review, key: str) -> None:
    for i in st.session_state[key].selection.rows:
        if page := review.document.narrative[i].page:
            st.session_state["page"] = page
            follow_page(review)
