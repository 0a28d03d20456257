"""The parts of the Review page around the table: header and actions, the page image,
findings, problems and narrative figures. Panels return the page boxes they want drawn."""

from __future__ import annotations

from collections import Counter
from functools import partial

import streamlit as st

from schemas import DocStatus, Finding, FindingKind, Severity
from schemas.findings import finding_key
from ui import tableview as tv
from ui.common import DOC_TYPE_LABEL, STATUS_ICON, STATUS_LABEL, Services, current_user, md
from ui.pageimage import Box
from ui.review.edits import narrative_editor
from ui.review.state import (
    SIGN_IN,
    follow_page,
    jump,
    run_action,
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
    else:
        errors = len(review.open_errors)
        note = ""
        if errors:  # the service refuses a confirmation over open errors without a note
            note = cols[2].text_input(
                "确认说明",
                key="confirm_note",
                placeholder=f"{errors} 个错误未处理：说明为何仍确认（或先逐条驳回）",
                label_visibility="collapsed",
                disabled=user is None,
            )
        if cols[0].button(
            "Confirm document",
            key="confirm_doc",
            type="primary",
            disabled=user is None or bool(errors and not note.strip()),
            icon=":material/task_alt:",  # no shortcut: Shift+Enter etc. also fire inside inputs
            help=SIGN_IN
            if user is None
            else "Vouch that the data match the document as printed (findings about the "
            "document itself may stay open; with open errors, say why in the note)",
        ):
            run_action(
                "Document confirmed.",
                lambda: confirm_document(sv.store, review, user or "", note=note),
            )
    if cols[1].button("Reload", key="reload", icon=":material/refresh:"):
        st.session_state.pop("review", None)
        st.rerun()
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


REASON_LABEL = {
    DismissReason.document_says_so: "文件确实如此",
    DismissReason.extraction_fixed: "提取错误，已改正",
    DismissReason.rounding: "可容忍的舍入差",
    DismissReason.other: "其他（见说明）",
}
SEVERITY_LABEL = {Severity.error: "错误", Severity.warning: "警告", Severity.info: "提示"}
KIND_LABEL = {FindingKind.document: "文件本身", FindingKind.extraction: "提取问题"}
_STATUS_FILTER = {"open": "待处理", "dismissed": "已驳回", "all": "全部"}


def findings_panel(sv: Services, review: Review) -> list[Box]:
    """Findings grouped by cause (rule), filtered by status, severity, kind and table; the
    picked one in full (message, the printed values it rests on, its pages) with its
    dismissal, or the form to dismiss it — alone or with every open finding of its cause."""
    findings = sorted_findings(review)
    n_open = len(review.open_findings)
    st.markdown(f"**问题 Findings（{n_open} 待处理 / {len(findings)}）** — 选中一条查看位置")
    if not findings:
        st.success("没有问题：所有核对均通过。")
        return []
    doc = review.document
    shown = _filtered(review, findings)
    causes = Counter(rule_title(f.rule_id, f.message) for _, f in shown)
    st.caption(" · ".join(f"{md(c)} ×{n}" for c, n in causes.most_common()) or "无符合筛选的问题")
    rows = [
        {
            "状态": "已驳回" if review.dismissal(f) else "待处理",
            "严重程度": SEVERITY_LABEL.get(f.severity, f.severity.value),
            "页": tv.finding_page(doc, f),
            "原因": rule_title(f.rule_id, f.message),
            "说明": f.message,
        }
        for _, f in shown
    ]
    key = f"findings-{review.doc_id[:12]}-{review.version}-{_filter_sig()}"
    sel = st.session_state.get("finding_sel")
    at = [pos for pos, (i, _) in enumerate(shown) if i == sel]
    st.dataframe(
        rows,
        hide_index=True,
        key=key,
        on_select=partial(_pick_finding, review, key, [i for i, _ in shown]),
        selection_mode="single-row",
        selection_default={"selection": {"rows": at}} if at else None,
        height=min(38 + 35 * len(rows), 300),
        column_config={"说明": st.column_config.TextColumn(width="large")},
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
    titles = {t.key: t.title or t.key for t in review.document.tables}
    status, sev, kind, tab = st.columns([1.3, 1, 1, 1.4])
    want = status.segmented_control(
        "状态", list(_STATUS_FILTER), key="f_status", default="open",
        format_func=_STATUS_FILTER.__getitem__,
    ) or "all"
    severities = sev.multiselect(
        "严重程度", [s.value for s in Severity], key="f_severity", placeholder="全部",
        format_func=lambda v: SEVERITY_LABEL[Severity(v)],
    )
    kinds = kind.multiselect(
        "类别", [k.value for k in FindingKind], key="f_kind", placeholder="全部",
        format_func=lambda v: KIND_LABEL[FindingKind(v)],
    )
    keys = tab.multiselect(
        "表", tables, key="f_table", placeholder="全部", format_func=lambda k: titles.get(k, k)
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


def _filter_sig() -> str:
    """Part of the grid's key: a filtered grid is a new grid (its row positions changed)."""
    parts = (st.session_state.get(k) for k in ("f_status", "f_severity", "f_kind", "f_table"))
    return str(abs(hash(repr(tuple(parts)))))[:8]


def _pick_finding(review: Review, key: str, index: list[int]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        jump(review, index[rows[0]])
    else:
        st.session_state["finding_sel"] = None


def _finding_detail(sv: Services, review: Review, f: Finding) -> None:
    title = rule_title(f.rule_id, f.message)
    st.markdown(
        f"**{md(title)}** · {SEVERITY_LABEL.get(f.severity, '')} · {KIND_LABEL.get(f.kind, '')}"
    )
    st.markdown(md(f.message))  # in full: the values as printed, with their pages
    printed = _printed_values(review, f)
    suspects = [f"第{p['页']}页 {p['行']} {p['列']} “{p['原文']}”" for p in printed if p["疑似误读"]]
    if suspects:
        st.caption(f"⚠ 疑似误读 suspected misread：{md('；'.join(suspects))}")
    if printed:
        st.dataframe(printed, hide_index=True, key=f"printed-{review.version}",
                     column_config={"原文": st.column_config.TextColumn(),
                                    "万元": st.column_config.NumberColumn(format="localized")})
    d = review.dismissal(f)
    user = current_user()
    if d is not None:
        note = f"：{md(d.note)}" if d.note else ""
        st.info(f"已驳回（{REASON_LABEL[d.reason]}）{note} — {md(d.user)}，"
                f"{d.at:%Y-%m-%d %H:%M} UTC")
        if st.button("重新打开", key="reopen_finding", disabled=user is None,
                     help=SIGN_IN if user is None else "这条问题重新待处理"):
            run_action("已重新打开。", lambda: reopen_finding(sv.store, review, f, user or ""))
        return
    stale = review.dismissals.get(finding_key(f))
    if stale is not None:
        st.caption(f"曾被 {md(stale.user)} 驳回（{REASON_LABEL[stale.reason]}），"
                   "之后数值有变，需重新判断。")
    _dismiss_form(sv, review, f, title, user)


def _dismiss_form(sv: Services, review: Review, f: Finding, title: str, user: str | None) -> None:
    same = [g for g in review.open_findings if g.rule_id == f.rule_id]
    with st.container(border=True):  # not a form: Enter in the table's fix form stays its own
        reason = st.radio(
            "驳回理由", list(DismissReason), key="dismiss_reason", horizontal=True,
            format_func=REASON_LABEL.__getitem__,
        )
        note = st.text_input("说明（可选；“其他”必填）", key="dismiss_note")
        whole = st.checkbox(f"同一原因的全部 {len(same)} 条待处理问题", key="dismiss_all",
                            disabled=len(same) < 2)
        if st.button("驳回 Dismiss", key="dismiss", disabled=user is None,
                     icon=":material/do_not_disturb_on:"):
            chosen = same if whole else [f]
            run_action(
                f"已驳回 {len(chosen)} 条（{md(title)}）。",
                lambda: dismiss(sv.store, review, chosen, DismissReason(reason), user or "",
                                note),
            )


def _printed_values(review: Review, f: Finding) -> list[dict[str, object]]:
    """The cells the finding names, as printed: page, table, row, column, text, 万元."""
    doc = review.document
    out = []
    for loc in f.locations:
        for ti, ri, col in tv.locate(doc, loc):
            table = doc.tables[ti]
            row = table.rows[ri]
            value = row.values.get(col) if col else None
            titles = {c.key: c.title for c in table.columns}
            out.append({
                "页": loc.page or (value.page if value else row.page),
                "表": table.title or table.key,
                "行": " ".join(p for p in (row.code, row.name) if p),
                "列": titles.get(col or "", col or ""),
                "原文": value.raw if value else "",
                "万元": value.wan if value else None,
                "疑似误读": "是" if loc.suspect else "",
                "OCR置信度": loc.confidence,
            })
    return out[:60]


def extras_panel(sv: Services, review: Review) -> list[Box]:
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
        if event.selection.rows:
            narrative_editor(sv, review, event.selection.rows[0])
    page = st.session_state["page"]
    return [Box(n.bbox, "selected") for n in picked if n.bbox and n.page == page]


def _follow_narrative(review: Review, key: str) -> None:
    for i in st.session_state[key].selection.rows:
        if page := review.document.narrative[i].page:
            st.session_state["page"] = page
            follow_page(review)
