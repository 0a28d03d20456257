"""The Review page's table: inspect (select a cell → its box on the page, type the fix) or
edit in the grid; confirm the table."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from schemas import Value, ValueStatus
from ui import tableview as tv
from ui.common import Services, choose, current_user, digest, grid, md, number
from ui.i18n import label, t
from ui.names import table_name
from ui.pageimage import Box
from ui.review.state import on_action, sign_in_hint, sorted_findings
from worker.services.review import (
    Edit,
    Review,
    confirm_table,
    confirm_value,
    correct,
    ocr_threshold,
    table_confirmed,
    unsure,
)


def _table_label(review: Review, i: int) -> str:
    table = review.document.tables[i]
    first, last = (table.pages[0], table.pages[-1]) if table.pages else (None, None)
    pages = "" if first is None else t("table.pages", first=first) if first == last \
        else t("table.pages_span", first=first, last=last)
    mark = t("table.confirmed_mark") if table_confirmed(table) else ""
    return f"{pages} {table_name(table.key, table)}{mark}"  # selectbox options are plain text


def table_panel(sv: Services, review: Review) -> list[Box]:
    doc = review.document
    if not doc.tables:
        st.info(t("table.none"))
        return []
    ti = choose(
        st.selectbox,
        t("table.table"),
        range(len(doc.tables)),
        key="table_sel",
        format_func=lambda i: _table_label(review, i),
        on_change=lambda: _show_table(review),
    )
    table = doc.tables[ti]
    if table.empty:
        st.caption(t("table.empty"))
    user = current_user()
    st.toggle(
        t("table.edit_values"),
        key="edit_mode",
        disabled=user is None,
        help=sign_in_hint() if user is None else t("table.edit_values_help"),
    )
    page = st.session_state["page"]
    _unsure_legend(review, ti)
    boxes = [Box(b, "corrected") for b in tv.corrected_boxes(doc, page)]
    boxes += [Box(b, "low_confidence") for b in tv.unsure_boxes(doc, page)]
    if st.session_state["edit_mode"] and user:
        _editor(sv, review, ti, user)
    else:
        boxes += _grid(sv, review, ti, user)
    if not table_confirmed(table):
        st.button(
            t("table.confirm_table"),
            key="confirm_table",
            disabled=user is None,
            shortcut="Shift+T",
            help=sign_in_hint() if user is None else t("table.confirm_table_help"),
            icon=":material/check:",
            **on_action(t("table.table_confirmed", table=md(table_name(table.key, table))),
                        lambda: confirm_table(sv.store, review, ti, current_user() or "")),
        )
    return boxes


def _show_table(review: Review) -> None:
    table = review.document.tables[st.session_state["table_sel"]]
    if table.pages and st.session_state.get("page") not in table.pages:
        st.session_state["page"] = table.pages[0]


def _config(review: Review, ti: int, numeric: bool = False) -> dict[str, Any]:
    """Printed headers; amounts right-aligned (the label columns stay left) — as numbers
    (`numeric`, the grid of `tv.table_frame(numeric=True)`), else as printed text (the editor)."""
    table = review.document.tables[ti]
    numbers = tv.number_columns(table) if numeric else {}
    return {k: number(v, numbers[k]) if k in numbers else st.column_config.TextColumn(
        label=v, alignment="left" if k in (tv.CODE, tv.NAME) else "right")
        for k, v in tv.column_titles(table).items()}


def _unsure_legend(review: Review, ti: int) -> None:
    """How many OCR'd numbers of this table (and the document) still need a look at the scan."""
    doc = review.document
    here = len(tv.unsure_cells(doc.tables[ti], ti))
    total = sum(len(tv.unsure_cells(t, i)) for i, t in enumerate(doc.tables))
    if not total:
        return
    elsewhere = t("table.unsure_elsewhere", total=total) if total != here else ""
    count = t("table.unsure_count", n=here, threshold=f"{ocr_threshold():g}")
    st.caption(t("table.unsure", count=count, elsewhere=elsewhere))


def _picked(review: Review) -> tuple[set[tv.Cell], set[tv.Cell]]:
    """The picked finding's cells, and those it suspects of being misread."""
    sel = st.session_state.get("finding_sel")
    findings = sorted_findings(review)
    if sel is None or sel >= len(findings):
        return set(), set()
    doc = review.document
    return tv.finding_cells(doc, findings[sel]), tv.suspect_cells(doc, findings[sel])


def _grid(sv: Services, review: Review, ti: int, user: str | None) -> list[Box]:
    doc, table = review.document, review.document.tables[ti]
    frame = tv.table_frame(table, numeric=True)
    flagged = {c for f in review.findings for c in tv.finding_cells(doc, f)}
    active, suspects = _picked(review)
    marks = [sorted(map(repr, cells)) for cells in (flagged, active, suspects)]
    key = f"grid-{review.doc_id[:12]}-{ti}-{digest(frame.values.tolist(), marks)}"
    event = grid(
        tv.styled(frame, table, ti, flagged, active, suspects),
        hide_index=True,
        column_config=_config(review, ti, numeric=True),
        on_select=partial(_follow_selection, review, ti, key),
        selection_mode=["single-row", "single-cell"],
        key=key,
    )
    cells = _selected(event.selection)
    boxes = []
    for ri, col in cells:
        page, bbox = tv.cell_box(doc, (ti, ri, col))
        if bbox is not None and page in (st.session_state["page"], None):
            boxes.append(Box(bbox, "selected"))
    if len(cells) == 1 and (col := cells[0][1]) is not None:
        value = table.rows[cells[0][0]].values.get(col)
        if value is not None and value.confidence is not None:
            st.caption(_confidence_note(value))
        if user:
            _quick_fix(sv, review, ti, cells[0][0], col, user=user)
    elif not cells:
        st.caption(t("table.select_hint") + (t("table.select_hint_fix") if user else ""))
    return boxes


def _selected(selection: object) -> list[tuple[int, str | None]]:
    cells = [(r, None if c in (tv.CODE, tv.NAME) else c) for r, c in selection.cells]  # type: ignore[attr-defined]
    return cells + [(r, None) for r in selection.rows]  # type: ignore[attr-defined]


def _follow_selection(review: Review, ti: int, key: str) -> None:
    """A selected cell printed on another page (a table over several pages) turns the page."""
    for ri, col in _selected(st.session_state[key].selection):
        page, _ = tv.cell_box(review.document, (ti, ri, col))
        if page:
            st.session_state["page"] = page
            return


def _confidence_note(value: Value) -> str:
    """What the OCR confidence of a selected cell means for the reviewer."""
    note = t("table.confidence", confidence=f"{value.confidence:.2f}")
    if value.status != ValueStatus.extracted:
        return t("table.confidence_reviewed", note=note, status=label("value_status", value.status))
    if unsure(value):
        return t("table.confidence_low", note=note, threshold=f"{ocr_threshold():g}")
    return note


def _quick_fix(sv: Services, review: Review, ti: int, ri: int, key: str, user: str) -> None:
    row = review.document.tables[ti].rows[ri]
    value = row.values.get(key)
    current = value.raw if value is not None else ""
    title = tv.column_titles(review.document.tables[ti]).get(key, key)
    ocr = f" ({_confidence_note(value)})" if value and value.confidence is not None else ""
    edit = Edit(table=ti, row=ri, column=key, new="")
    field = f"fix-value-{review.version}-{ti}-{ri}-{key}"
    with st.form(key=f"fix-{review.version}-{ti}-{ri}-{key}", border=False):
        st.text_input(
            f"{md(row.name or row.code or '')} · {md(title)}",
            value=current,
            key=field,
            help=t("table.fix_help", ocr=ocr),
        )
        st.form_submit_button(t("table.save_correction"), icon=":material/save:", **on_action(
            t("table.correction_saved"), lambda: correct(sv.store, review, [
                Edit(table=ti, row=ri, column=key, new=st.session_state.get(field) or "")],
                user)))
    if value is not None and value.confidence is not None:
        _confirm_button(sv, review, edit, value, user)


def _confirm_button(sv: Services, review: Review, cell: Edit, value: Value, user: str) -> None:
    """An OCR'd value the reviewer found right on the scan: confirm it as read. Outside the
    fix form, so Enter in the field keeps meaning "save what I typed"."""
    key = f"confirm-value-{review.version}-{cell.table}-{cell.row}-{cell.column}"
    if value.status == ValueStatus.extracted:
        st.button(t("table.matches_scan"), key=key, icon=":material/check:",
                  help=t("table.matches_scan_help"), **on_action(
                      t("table.value_confirmed"),
                      lambda: confirm_value(sv.store, review, cell, user)))


def _editor(sv: Services, review: Review, ti: int, user: str) -> None:
    frame = tv.table_frame(review.document.tables[ti])
    key = f"editor-{review.doc_id[:12]}-{review.version}-{ti}"
    edited = st.data_editor(
        frame,
        hide_index=True,
        disabled=[tv.CODE, tv.NAME],
        column_config=_config(review, ti),
        key=key,
    )
    edits = tv.diff_edits(ti, frame, edited)
    if not edits:
        st.caption(t("table.editor_hint"))
        return
    st.caption(t("table.unsaved", n=len(edits)))

    def typed() -> list[Edit]:  # the editor's cells as the click found them
        return tv.diff_edits(ti, frame, tv.apply_editor_state(frame, st.session_state.get(key)))

    st.button(
        t("table.save_corrections"),
        key="save_edits",
        type="primary",
        shortcut="Mod+S",
        icon=":material/save:",
        **on_action(lambda: t("table.corrections_saved", n=len(typed())),
                    lambda: correct(sv.store, review, typed(), user)),
    )
