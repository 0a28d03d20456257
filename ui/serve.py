"""What `budgetlens ui` serves (`streamlit run ui/serve.py`): the review app, ui/app.py, and the
route it adds — the one that sets the sign-in cookie from the server (ui/session.py) — and what
a page that failed shows instead of Streamlit's traceback (ui/common.py page_failed)."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/serve.py` puts ui/ on sys.path, not the repository root: add it
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from ui.common import page_failed  # noqa: E402
from ui.session import ROUTES  # noqa: E402
from worker.settings import Settings  # noqa: E402

Settings().configure_logging()  # the app's own log lines (a failed page's traceback) on stderr
app = st.App(Path(__file__).with_name("app.py"), routes=ROUTES, on_script_error=page_failed)
