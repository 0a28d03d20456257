"""Export: the data in the export contract's columns (the same files `budgetlens export` writes)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from schemas import DocStatus
from ui.common import current_user, services, show_flashes
from ui.i18n import t
from worker.services.accounts import may_export
from worker.services.export import (
    DOCUMENT_COLUMNS,
    FACT_COLUMNS,
    FINDING_COLUMNS,
    WORKBOOK,
    export,
)
from worker.services.review import REVIEWABLE
from worker.store import Store

FORMATS = {"CSV": "csv", "XLSX": "xlsx", "Parquet": "parquet"}
MIME = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CONTENTS = {"facts": FACT_COLUMNS, "documents": DOCUMENT_COLUMNS, "findings": FINDING_COLUMNS}


def main() -> None:
    sv = services()
    st.title(t("export.title"))
    show_flashes()
    counts = sv.store.counts()
    scope = st.radio(
        t("export.documents"),
        ["confirmed", "all"],
        horizontal=True,
        key="export_scope",
        format_func=lambda s: (
            t("export.scope_confirmed", n=counts[DocStatus.confirmed])
            if s == "confirmed"
            else t("export.scope_all", n=sum(counts[s] for s in REVIEWABLE))
        ),
    )
    fmt = FORMATS[
        st.segmented_control(t("export.format"), list(FORMATS), default="CSV", key="export_fmt") or "CSV"
    ]
    if not may_export(sv.settings, current_user()):  # checked here, on the server, every run
        st.session_state.pop("export", None)
        st.warning(t("export.sign_in"))
        _contract()
        return
    if st.button(t("export.prepare"), key="export_go", type="primary", icon=":material/build:"):
        with st.spinner(t("export.exporting")):
            st.session_state["export"] = (scope, fmt, _build(sv.store, fmt, scope == "confirmed"))
    ready = st.session_state.get("export")
    if ready and ready[:2] == (scope, fmt):
        _downloads(*ready)
    _contract()


def _build(store: Store, fmt: str, confirmed_only: bool) -> tuple[dict[str, int], dict[str, bytes]]:
    with tempfile.TemporaryDirectory(prefix="budgetlens-export-") as tmp:
        counts = export(store, fmt, Path(tmp), confirmed_only)
        files = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()}
    return counts, files


def _downloads(scope: str, fmt: str, built: tuple[dict[str, int], dict[str, bytes]]) -> None:
    counts, files = built
    if not counts.get("documents"):
        st.info(t("export.none_all") if scope == "all" else t("export.none_confirmed"))
        return
    if WORKBOOK in files:  # XLSX: one workbook, a sheet per table (facts: per table kind)
        st.download_button(
            t("export.workbook", name=WORKBOOK, facts=counts["facts"], findings=counts["findings"]),
            files[WORKBOOK],
            file_name=f"budgetlens-{scope}.xlsx",
            mime=MIME[fmt],
            key="dl-workbook",
            icon=":material/download:",
        )
        return
    cols = st.columns(len(CONTENTS) + 1)
    for col, name in zip(cols, CONTENTS, strict=False):
        fname = f"{name}.{fmt}"
        col.download_button(
            t(f"export.file_{name}", n=counts.get(name, 0)),
            files[fname],
            file_name=fname,
            mime=MIME[fmt],
            key=f"dl-{name}",
            icon=":material/download:",
        )
    cols[-1].download_button(
        t("export.zip"),
        _zip(files),
        file_name=f"budgetlens-{scope}-{fmt}.zip",
        mime="application/zip",
        key="dl-zip",
        icon=":material/folder_zip:",
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _contract() -> None:
    with st.expander(t("export.contract")):
        for name, columns in CONTENTS.items():
            st.markdown(t(f"export.contract_{name}", name=f"{name}.*"))
            st.code(", ".join(columns), language=None, wrap_lines=True)


main()
