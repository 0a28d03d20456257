"""The Review page's edit panels (worker/services/edits.py): the document's metadata, the rows of
the table shown (add, delete, split, merge, code and name), a narrative figure, and the targets
and self-evaluations, corrected and confirmed value by value like table cells. Each saves with
the version the reviewer saw, is audited and re-checked; panels return the boxes to draw."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import streamlit as st
from pydantic import BaseModel

from schemas import DocType, Row, Table, ValueStatus
from schemas.performance import (
    DepartmentTargets,
    GradeCounts,
    Indicator,
    NarrativeTargets,
    ProjectEvaluation,
    ProjectTarget,
    SchedulePoint,
    SectionResult,
    TargetItem,
    Task,
)
from ui.common import DOC_TYPE_LABEL, Services, choose, current_user, grid, md, number
from ui.i18n import label, t
from ui.names import column_name, table_name
from ui.pageimage import Box
from ui.review.state import on_action, sign_in_hint
from worker.services.edits import (
    RowSpec,
    add_row,
    confirm_section_value,
    correct_section_value,
    delete_row,
    edit_metadata,
    edit_narrative,
    edit_row,
    merge_rows,
    split_row,
)
from worker.services.review import Review

# -- metadata ---------------------------------------------------------------------------------


def metadata_panel(sv: Services, review: Review) -> None:
    doc, user = review.document, current_user()
    with st.expander(t("edits.metadata")):
        v = review.version
        st.text_input(t("edits.department"), doc.department or "", key=f"md-dept-{v}")
        st.number_input(t("edits.year"), 1949, 2200, doc.fiscal_year or None, key=f"md-year-{v}",
                        placeholder=t("common.unknown"))
        kinds = [k.value for k in DocType]
        st.segmented_control(t("edits.doc_type"), kinds, key=f"md-kind-{v}",
                             default=doc.doc_type.value if doc.doc_type else None,
                             format_func=DOC_TYPE_LABEL.__getitem__)

        def save() -> Review:  # the fields as the click found them
            year, kind = st.session_state.get(f"md-year-{v}"), st.session_state.get(f"md-kind-{v}")
            return edit_metadata(sv.store, review, user or "",
                                 department=st.session_state.get(f"md-dept-{v}") or None,
                                 fiscal_year=int(year) if year else None,
                                 doc_type=DocType(kind) if kind else None)

        st.button(t("edits.save_metadata"), key="md-save", disabled=user is None,
                  help=sign_in_hint() if user is None else None,
                  **on_action(t("edits.metadata_saved"), save))


# -- rows of the table shown -------------------------------------------------------------------

_ROW_OPS = ("edit", "add", "split", "merge", "delete")


def rows_panel(sv: Services, review: Review) -> list[Box]:
    doc, user = review.document, current_user()
    ti = st.session_state.get("table_sel")
    if not isinstance(ti, int) or not 0 <= ti < len(doc.tables):
        return []
    table = doc.tables[ti]
    with st.expander(t("edits.rows", table=md(table_name(table.key, table)), n=len(table.rows))):
        if not table.rows:
            ri = None
            st.caption(t("edits.no_rows"))
        else:
            ri = choose(st.selectbox, t("edits.row"), range(len(table.rows)), key=f"row_sel-{ti}",
                        format_func=lambda i: _row_label(table.rows[i], i))
        op = st.segmented_control(t("edits.operation"), list(_ROW_OPS), key="row_op",
                                  default="edit", format_func=lambda o: t(f"edits.op_{o}")) \
            or "edit"
        if ri is None:
            op = "add"
        v = f"{review.version}-{ti}-{ri}-{op}"
        act = _ROW_ACTIONS[op]
        act(sv, review, ti, ri, table, v, user)
    if ri is None:
        return []
    row = table.rows[ri]
    return [Box(row.bbox, "selected")] if row.bbox and row.page == st.session_state.get("page") \
        else []


def _row_label(row: Row, i: int) -> str:
    return f"{i + 1}. {' '.join(p for p in (row.code, row.name) if p) or t('edits.no_name')}"


def _spec(table: Table, v: str, prefix: str, like: Row | None, values: bool) -> Callable[[], RowSpec]:
    """Draw a row's fields; the row they describe when it is called (as the click found them)."""
    a, b = st.columns([1, 3])
    a.text_input(t("table.code"), like.code or "" if like else "", key=f"{prefix}-code-{v}")
    b.text_input(t("table.name"), like.name if like else "", key=f"{prefix}-name-{v}")
    if values:
        cols = st.columns(min(len(table.columns), 4) or 1)
        for n, c in enumerate(table.columns):
            cols[n % len(cols)].text_input(column_name(c.key, table), key=f"{prefix}-{c.key}-{v}",
                                           placeholder=t("edits.blank"))

    def spec() -> RowSpec:
        typed = {c.key: text for c in table.columns if values
                 and (text := st.session_state.get(f"{prefix}-{c.key}-{v}") or "").strip()}
        return RowSpec(st.session_state.get(f"{prefix}-code-{v}") or None,
                       st.session_state.get(f"{prefix}-name-{v}") or "", typed)

    return spec


def _edit(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
          user: str | None) -> None:
    assert ri is not None
    spec = _spec(table, v, "er", table.rows[ri], values=False)
    st.button(t("edits.save"), key="row-save", disabled=user is None, **on_action(
        t("edits.row_saved"),
        lambda: edit_row(sv.store, review, ti, ri, spec().code, spec().name, user or "")))


def _add(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
         user: str | None) -> None:
    st.caption(t("edits.add_hint"))
    spec = _spec(table, v, "ar", None, values=True)
    st.button(t("edits.insert"), key="row-add", disabled=user is None, **on_action(
        t("edits.inserted"), lambda: add_row(sv.store, review, ti, ri, spec(), user or "")))


def _split(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
           user: str | None) -> None:
    assert ri is not None
    st.caption(t("edits.split_hint"))
    first = _spec(table, v, "s1", table.rows[ri], values=False)
    st.markdown(t("edits.second_row"))
    second = _spec(table, v, "s2", None, values=True)
    st.button(t("edits.split"), key="row-split", disabled=user is None, **on_action(
        t("edits.splitted"),
        lambda: split_row(sv.store, review, ti, ri, first(), second(), user or "")))


def _merge(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
           user: str | None) -> None:
    assert ri is not None
    if ri + 1 >= len(table.rows):
        st.caption(t("edits.last_row"))
        return
    st.caption(t("edits.merge_hint", first=md(_row_label(table.rows[ri], ri)),
                 second=md(_row_label(table.rows[ri + 1], ri + 1))))
    st.button(t("edits.merge"), key="row-merge", disabled=user is None, **on_action(
        t("edits.merged"), lambda: merge_rows(sv.store, review, ti, ri, user or "")))


def _delete(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
            user: str | None) -> None:
    assert ri is not None
    st.caption(t("edits.delete_hint", row=md(_row_label(table.rows[ri], ri))))
    st.button(t("edits.delete"), key="row-delete", type="primary", disabled=user is None,
              **on_action(t("edits.deleted"),
                          lambda: delete_row(sv.store, review, ti, ri, user or "")))


_ROW_ACTIONS = {"edit": _edit, "add": _add, "split": _split, "merge": _merge, "delete": _delete}

# -- a narrative figure --------------------------------------------------------------------------

_NARRATIVE_FIELDS = ("amount", "share_pct", "growth_pct", "rate_pct")


def narrative_editor(sv: Services, review: Review, index: int) -> None:
    fact, user = review.document.narrative[index], current_user()
    current = {"amount": fact.amount.raw if fact.amount else "",
               **{k: str(getattr(fact, k) or "") for k in _NARRATIVE_FIELDS if k != "amount"}}
    a, b, c = st.columns([1, 1.5, 0.8], vertical_alignment="bottom")
    name = a.selectbox(t("edits.which_figure"), list(_NARRATIVE_FIELDS), key=f"nf-field-{index}",
                       format_func=lambda f: t(f"edits.nf_{f}"))
    unit = f"（{fact.amount.unit}）" if name == "amount" and fact.amount else ""
    field = f"nf-{review.version}-{index}-{name}"
    b.text_input(t("edits.as_printed", unit=unit), current[name], key=field)
    c.button(t("edits.save"), key="nf-save", disabled=user is None,
             help=sign_in_hint() if user is None else None, **on_action(
                 t("edits.narrative_saved"), lambda: edit_narrative(
                     sv.store, review, index, name, st.session_state.get(field) or "", user or "")))


# -- targets and self-evaluations ------------------------------------------------------------------


def performance_panel(sv: Services, review: Review) -> list[Box]:
    sections = [s for s in review.document.sections if s.data]
    if not sections:
        return []
    values = [(s, path, value) for s in sections for path, value in _leaves(s.data)]
    with st.expander(t("edits.performance", sections=len(sections), values=len(values))):
        rows = [{"section": s.title or t("edits.untitled_section"), "item": _path_label(s, p),
                 "value": _cell(val), "page": w.page if (w := s.where.get(p)) else None,
                 "status": label("value_status", w.status if (w := s.where.get(p))
                                 else ValueStatus.extracted)}
                for s, p, val in values]
        key = f"perf-{review.doc_id[:12]}-{review.version}"
        event = grid(rows, hide_index=True, key=key, selection_mode="single-row",
                     on_select="rerun", height=min(38 + 35 * len(rows), 320),
                     column_config={k: t(f"edits.perf_{k}") for k in
                                    ("section", "item", "value", "status")}
                     | {"page": number(t("edits.perf_page"))})
        picked = event.selection.rows
        if not picked:
            st.caption(t("edits.perf_hint"))
            return []
        section, path, value = values[picked[0]]
        _value_editor(sv, review, section, path, value)
    where = section.where.get(path)
    if where and where.page and where.page != st.session_state.get("page"):
        st.session_state["page"] = where.page
    return [Box(where.bbox, "selected")] if where and where.bbox else []


def _value_editor(sv: Services, review: Review, section: SectionResult, path: str,
                  value: Any) -> None:
    user = current_user()
    where = section.where.get(path)
    a, b, c = st.columns([2, 0.8, 0.8], vertical_alignment="bottom")
    field = f"pv-{review.version}-{section.section_id}-{path}"
    a.text_input(t("edits.value_as_printed", item=_path_label(section, path)), _cell(value),
                 key=field)
    b.button(t("edits.correct"), key="pv-correct", disabled=user is None,
             help=sign_in_hint() if user is None else None, **on_action(
                 t("edits.corrected"), lambda: correct_section_value(
                     sv.store, review, section.section_id, path,
                     st.session_state.get(field) or "", user or "")))
    done = where is not None and where.status != ValueStatus.extracted
    c.button(t("edits.confirm"), key="pv-confirm", disabled=user is None or done,
             help=t("edits.confirm_help") if user else sign_in_hint(), **on_action(
                 t("edits.confirmed"), lambda: confirm_section_value(
                     sv.store, review, section.section_id, path, user or "")))


def _leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every scalar in a section's data."""
    if isinstance(data, dict):
        return [x for k, v in data.items() for x in _leaves(v, f"{prefix}{k}.")]
    if isinstance(data, list):
        return [x for i, v in enumerate(data) for x in _leaves(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), data)] if data is not None else []


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


_CONTAINERS = {"projects": "项目", "indicators": "指标", "schedule": "支出计划", "tasks": "任务",
               "items": "分项", "grade_counts": "等级分布"}


@cache
def _field_labels() -> dict[str, str]:
    """Field → its Chinese name, from the models' descriptions ('指标值，照抄…' → 指标值)."""
    models: list[type[BaseModel]] = [Indicator, Task, DepartmentTargets, SchedulePoint,
                                     ProjectTarget, TargetItem, NarrativeTargets, GradeCounts,
                                     ProjectEvaluation]
    out: dict[str, str] = {}
    for model in models:
        for name, info in model.model_fields.items():
            text = (info.description or name).split(" / ")[0]
            out.setdefault(name, text.replace("（", "，").split("，")[0].strip())
    return out


def _path_label(section: SectionResult, path: str) -> str:
    """'projects.0.indicators.2.value' → '项目1 某某项目 · 指标3 · 指标值'."""
    parts, out, data = path.split("."), [], section.data
    for i, part in enumerate(parts):
        if part.isdigit():
            continue
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if part in _CONTAINERS and nxt is not None and nxt.isdigit():
            item = data.get(part, [])[int(nxt)] if isinstance(data, dict) else None
            name = item.get("name") if isinstance(item, dict) else None
            out.append(f"{_CONTAINERS[part]}{int(nxt) + 1}" + (f" {name}" if name else ""))
            data = item
        else:
            out.append(_field_labels().get(part, part))
    return " · ".join(out)
