"""Overview: totals and 三公 by department and year, findings per rule, documents per state."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from schemas import DocStatus, Severity
from ui.common import DOC_TYPE_LABEL, services, show_flashes, status_badge
from ui.figures import figure_rows
from ui.i18n import label, language, t
from worker.services.review import REVIEWABLE, rule_title
from worker.store import Store

SANGONG_ITEMS = ["sangong.outbound", "sangong.vehicle", "sangong.reception"]


@st.cache_data(max_entries=5000, show_spinner=False)
def _doc_rows(
    doc_id: str, version: int, status: str, language: str, _store: Store
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Figures and findings of one document version, named in `language` (cached: a version
    never changes)."""
    doc, findings = _store.load_result(doc_id)
    if doc is None:
        return [], []
    found = [
        {
            "doc_id": doc_id,
            "rule": rule_title(f.rule_id, f.message),
            "severity": label("severity", f.severity),
            "kind": label("kind", f.kind),
            "status": status,
        }
        for f in findings
    ]
    return figure_rows(doc, status), found


def main() -> None:
    sv = services()
    st.title(t("overview.title"))
    show_flashes()
    records = sv.store.list()
    _status_chart(sv.store.counts())
    records = [r for r in records if r.status in REVIEWABLE]
    if not records:
        st.info(t("overview.empty"))
        return
    figs: list[dict[str, Any]] = []
    finds: list[dict[str, Any]] = []
    for r in records:
        f, g = _doc_rows(r.doc_id, r.version, r.status.value, language(), sv.store)
        figs += f
        finds += g
    figures = _filter(pd.DataFrame(figs))
    _totals_chart(figures)
    _sangong_chart(figures)
    _findings_chart(pd.DataFrame(finds))


def _filter(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    types = [t for t in DOC_TYPE_LABEL if t in set(frame["doc_type"].dropna())]
    left, right = st.columns(2)
    doc_type = left.segmented_control(
        t("overview.documents"),
        types,
        default=types[0] if types else None,
        format_func=DOC_TYPE_LABEL.__getitem__,
        key="ov_type",
        help=t("overview.documents_help"),
    )
    only = right.toggle(t("overview.confirmed_only"), key="ov_confirmed")
    if doc_type:
        frame = frame[frame["doc_type"] == doc_type]
    if only:
        frame = frame[frame["status"] == DocStatus.confirmed.value]
    frame = frame.assign(year=frame["year"].map(lambda y: "?" if pd.isna(y) else str(int(y))))
    return frame


def _status_chart(counts: dict[DocStatus, int]) -> None:
    cols = st.columns(len(counts))
    for col, (status, n) in zip(cols, counts.items(), strict=True):
        col.metric(status_badge(status), n)


def _bars(frame: pd.DataFrame, color: str, title: str, legend: str) -> alt.Chart:
    """Horizontal bars, one per department and year (stacked by `color`), biggest first."""
    frame = frame.assign(bar=frame["department"] + " · " + frame["year"])
    return (
        alt.Chart(frame, title=title, height=alt.Step(26))
        .mark_bar()
        .encode(
            y=alt.Y("bar:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X("sum(wan):Q", title="万元", axis=alt.Axis(format=",.2f")),
            color=alt.Color(f"{color}:N", title=legend),
            tooltip=[alt.Tooltip("department", title=t("overview.department")),
                     alt.Tooltip("year", title=t("overview.year")),
                     alt.Tooltip("label", title=t("overview.figure")),
                     alt.Tooltip("sum(wan):Q", title="万元", format=",.2f")],
        )
    )


def _totals_chart(frame: pd.DataFrame) -> None:
    st.subheader(t("overview.totals"))
    which = st.radio(
        t("overview.figure"),
        ["expenditure_total", "income_total"],
        horizontal=True,
        key="ov_total",
        format_func=lambda k: t(f"overview.{k}"),
        label_visibility="collapsed",
    )
    part = frame[frame["figure"] == which] if not frame.empty else frame
    if part.empty:
        st.caption(t("overview.no_total"))
        return
    title = t("overview.total_title", figure=part["label"].iloc[0])
    st.altair_chart(_bars(part, "year", title, t("overview.year")), width="stretch")


def _sangong_chart(frame: pd.DataFrame) -> None:
    st.subheader(t("overview.sangong"))
    part = frame[frame["figure"].isin(SANGONG_ITEMS)] if not frame.empty else frame
    if part.empty:
        st.caption(t("overview.no_sangong"))
        return
    st.altair_chart(
        _bars(part, "label", t("overview.sangong_title"), t("overview.item")), width="stretch"
    )


def _findings_chart(frame: pd.DataFrame) -> None:
    st.subheader(t("overview.findings"))
    if frame.empty:
        st.caption(t("overview.no_findings"))
        return
    chart = (
        alt.Chart(frame, height=alt.Step(26))
        .mark_bar()
        .encode(
            y=alt.Y("rule:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("count():Q", title=t("overview.n_findings"),
                    axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "severity:N",
                title=t("panels.col_severity"),
                scale=alt.Scale(
                    domain=[label("severity", s) for s in Severity],
                    range=["#d62728", "#ff7f0e", "#1f77b4"],
                ),
            ),
            tooltip=[
                alt.Tooltip("rule", title=t("panels.col_cause")),
                alt.Tooltip("severity", title=t("panels.col_severity")),
                alt.Tooltip("kind", title=t("panels.col_kind")),
                alt.Tooltip("count():Q", title=t("overview.n_findings")),
                alt.Tooltip("distinct(doc_id):Q", title=t("overview.n_documents")),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")


main()
