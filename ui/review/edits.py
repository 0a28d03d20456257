"""The Review page's edit panels (worker/services/edits.py): the document's metadata, the rows of
the table shown (add, delete, split, merge, code and name), a narrative figure, and the targets
and self-evaluations, corrected and confirmed value by value like table cells. Each saves with
the version the reviewer saw, is audited and re-checked; panels return the boxes to draw."""

from __future__ import annotations

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
from ui.common import DOC_TYPE_LABEL, Services, choose, current_user, md
from ui.pageimage import Box
from ui.review.state import SIGN_IN, run_action
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

VALUE_STATUS = {ValueStatus.extracted: "提取", ValueStatus.corrected: "已改正",
                ValueStatus.confirmed: "已确认"}

# -- metadata ---------------------------------------------------------------------------------


def metadata_panel(sv: Services, review: Review) -> None:
    doc, user = review.document, current_user()
    with st.expander("文档信息：部门、年度、类型"):
        v = review.version
        dept = st.text_input("部门（单位）名称", doc.department or "", key=f"md-dept-{v}")
        year = st.number_input("年度", 1949, 2200, doc.fiscal_year or None, key=f"md-year-{v}",
                               placeholder="未识别")
        kinds = [k.value for k in DocType]
        kind = st.segmented_control("类型", kinds, key=f"md-kind-{v}",
                                    default=doc.doc_type.value if doc.doc_type else None,
                                    format_func=DOC_TYPE_LABEL.__getitem__)
        if st.button("保存文档信息", key="md-save", disabled=user is None,
                     help=SIGN_IN if user is None else None):
            run_action("文档信息已保存。", lambda: edit_metadata(
                sv.store, review, user or "", department=dept or None,
                fiscal_year=int(year) if year else None,
                doc_type=DocType(kind) if kind else None))


# -- rows of the table shown -------------------------------------------------------------------

_ROW_OPS = {"edit": "改编码/名称", "add": "在其后插入行", "split": "拆分为两行",
            "merge": "与下一行合并", "delete": "删除"}


def rows_panel(sv: Services, review: Review) -> list[Box]:
    doc, user = review.document, current_user()
    ti = st.session_state.get("table_sel")
    if not isinstance(ti, int) or not 0 <= ti < len(doc.tables):
        return []
    table = doc.tables[ti]
    with st.expander(f"行结构：{md(table.title or table.key)}（{len(table.rows)} 行）"):
        if not table.rows:
            ri = None
            st.caption("本表没有行：插入第一行。")
        else:
            ri = choose(st.selectbox, "行", range(len(table.rows)), key=f"row_sel-{ti}",
                        format_func=lambda i: _row_label(table.rows[i], i))
        op = st.segmented_control("操作", list(_ROW_OPS), key="row_op", default="edit",
                                  format_func=_ROW_OPS.__getitem__) or "edit"
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
    return f"{i + 1}. {' '.join(p for p in (row.code, row.name) if p) or '（无名称）'}"


def _spec(table: Table, v: str, prefix: str, like: Row | None, values: bool) -> RowSpec:
    a, b = st.columns([1, 3])
    code = a.text_input("编码", like.code or "" if like else "", key=f"{prefix}-code-{v}")
    name = b.text_input("名称", like.name if like else "", key=f"{prefix}-name-{v}")
    typed: dict[str, str] = {}
    if values:
        cols = st.columns(min(len(table.columns), 4) or 1)
        for n, c in enumerate(table.columns):
            text = cols[n % len(cols)].text_input(c.title or c.key, key=f"{prefix}-{c.key}-{v}",
                                                  placeholder="空")
            if text.strip():
                typed[c.key] = text
    return RowSpec(code or None, name, typed)


def _edit(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
          user: str | None) -> None:
    assert ri is not None
    spec = _spec(table, v, "er", table.rows[ri], values=False)
    if st.button("保存", key="row-save", disabled=user is None):
        run_action("行已修改。", lambda: edit_row(sv.store, review, ti, ri, spec.code,
                                                 spec.name, user or ""))


def _add(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
         user: str | None) -> None:
    st.caption("新行插在所选行之后，数值照页面所印填写。")
    spec = _spec(table, v, "ar", None, values=True)
    if st.button("插入", key="row-add", disabled=user is None):
        run_action("已插入一行。", lambda: add_row(sv.store, review, ti, ri, spec, user or ""))


def _split(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
           user: str | None) -> None:
    assert ri is not None
    st.caption("第一行保留原有数值（可改）；第二行只取下面填写的数值。")
    first = _spec(table, v, "s1", table.rows[ri], values=False)
    st.markdown("**第二行**")
    second = _spec(table, v, "s2", None, values=True)
    if st.button("拆分", key="row-split", disabled=user is None):
        run_action("已拆分为两行。", lambda: split_row(sv.store, review, ti, ri, first, second,
                                                     user or ""))


def _merge(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
           user: str | None) -> None:
    assert ri is not None
    if ri + 1 >= len(table.rows):
        st.caption("这是最后一行，没有下一行可合并。")
        return
    st.caption(f"合并为一行：{md(_row_label(table.rows[ri], ri))} + "
               f"{md(_row_label(table.rows[ri + 1], ri + 1))}（名称相接，数值取印有的一行）")
    if st.button("合并", key="row-merge", disabled=user is None):
        run_action("已合并。", lambda: merge_rows(sv.store, review, ti, ri, user or ""))


def _delete(sv: Services, review: Review, ti: int, ri: int | None, table: Table, v: str,
            user: str | None) -> None:
    assert ri is not None
    st.caption(f"删除 {md(_row_label(table.rows[ri], ri))}：页面上并没有这一行时使用。")
    if st.button("删除此行", key="row-delete", type="primary", disabled=user is None):
        run_action("已删除一行。", lambda: delete_row(sv.store, review, ti, ri, user or ""))


_ROW_ACTIONS = {"edit": _edit, "add": _add, "split": _split, "merge": _merge, "delete": _delete}

# -- a narrative figure --------------------------------------------------------------------------

_NARRATIVE_FIELDS = {"amount": "金额", "share_pct": "占比 %", "growth_pct": "增长 %",
                     "rate_pct": "执行率 %"}


def narrative_editor(sv: Services, review: Review, index: int) -> None:
    fact, user = review.document.narrative[index], current_user()
    current = {"amount": fact.amount.raw if fact.amount else "",
               **{k: str(getattr(fact, k) or "") for k in _NARRATIVE_FIELDS if k != "amount"}}
    a, b, c = st.columns([1, 1.5, 0.8], vertical_alignment="bottom")
    name = a.selectbox("改正哪个数", list(_NARRATIVE_FIELDS), key=f"nf-field-{index}",
                       format_func=_NARRATIVE_FIELDS.__getitem__)
    unit = f"（{fact.amount.unit}）" if name == "amount" and fact.amount else ""
    typed = b.text_input(f"原文所印{unit}", current[name],
                         key=f"nf-{review.version}-{index}-{name}")
    if c.button("保存", key="nf-save", disabled=user is None,
                help=SIGN_IN if user is None else None):
        run_action("叙述数字已改正。", lambda: edit_narrative(sv.store, review, index, name,
                                                          typed, user or ""))


# -- targets and self-evaluations ------------------------------------------------------------------


def performance_panel(sv: Services, review: Review) -> list[Box]:
    sections = [s for s in review.document.sections if s.data]
    if not sections:
        return []
    values = [(s, path, value) for s in sections for path, value in _leaves(s.data)]
    with st.expander(f"绩效目标与自评（{len(sections)} 节，{len(values)} 个值）"):
        rows = [{"节": s.title or s.section_id, "项": _path_label(s, p), "值": _cell(val),
                 "页": w.page if (w := s.where.get(p)) else None,
                 "状态": VALUE_STATUS[w.status] if (w := s.where.get(p)) else "提取"}
                for s, p, val in values]
        key = f"perf-{review.doc_id[:12]}-{review.version}"
        event = st.dataframe(rows, hide_index=True, key=key, selection_mode="single-row",
                             on_select="rerun", height=min(38 + 35 * len(rows), 320))
        picked = event.selection.rows
        if not picked:
            st.caption("选中一个值：核对页面后改正或确认。")
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
    typed = a.text_input(f"{_path_label(section, path)}（原文所印）", _cell(value),
                         key=f"pv-{review.version}-{section.section_id}-{path}")
    if b.button("改正", key="pv-correct", disabled=user is None,
                help=SIGN_IN if user is None else None):
        run_action("已改正。", lambda: correct_section_value(
            sv.store, review, section.section_id, path, typed, user or ""))
    done = where is not None and where.status != ValueStatus.extracted
    if c.button("确认", key="pv-confirm", disabled=user is None or done,
                help="与页面一致" if user else SIGN_IN):
        run_action("已确认。", lambda: confirm_section_value(
            sv.store, review, section.section_id, path, user or ""))


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
