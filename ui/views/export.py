"""Export: the data in the export contract's columns (the same files `budgetlens export` writes)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from schemas import DocStatus
from ui.common import current_user, services, show_flashes
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
CONTENTS = {
    "facts": ("one row per printed value", FACT_COLUMNS),
    "documents": ("one row per document", DOCUMENT_COLUMNS),
    "findings": ("one row per finding location", FINDING_COLUMNS),
}


def main() -> None:
    sv = services()
    st.title("Export")
    show_flashes()
    counts = sv.store.counts()
    scope = st.radio(
        "Documents",
        ["confirmed", "all"],
        horizontal=True,
        key="export_scope",
        format_func=lambda s: (
            f"Confirmed by a reviewer ({counts[DocStatus.confirmed]})"
            if s == "confirmed"
            else f"All with extracted data ({sum(counts[s] for s in REVIEWABLE)})"
        ),
    )
    fmt = FORMATS[
        st.segmented_control("Format", list(FORMATS), default="CSV", key="export_fmt") or "CSV"
    ]
    if not may_export(sv.settings, current_user()):  # checked here, on the server, every run
        st.session_state.pop("export", None)
        st.warning("Sign in (sidebar) to export: this installation has reviewer accounts.")
        _contract()
        return
    if st.button("Prepare files", key="export_go", type="primary", icon=":material/build:"):
        with st.spinner("Exporting…"):
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
        st.info(
            "No documents in this selection yet."
            if scope == "all"
            else "No confirmed documents yet: confirm some on the Review page, or export all."
        )
        return
    if WORKBOOK in files:  # XLSX: one workbook, a sheet per table (facts: per table kind)
        st.download_button(
            f"{WORKBOOK} ({counts['facts']} values, {counts['findings']} findings)",
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
            f"{name} ({counts.get(name, 0)} rows)",
            files[fname],
            file_name=fname,
            mime=MIME[fmt],
            key=f"dl-{name}",
            icon=":material/download:",
        )
    cols[-1].download_button(
        "all (zip)",
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
    with st.expander("Columns (the export contract)"):
        for name, (what, columns) in CONTENTS.items():
            st.markdown(f"**{name}** — {what}")
            st.code(", ".join(columns), language=None, wrap_lines=True)


main()
