"""budgetlens review app: `budgetlens ui` (`streamlit run ui/serve.py`: this script and the route
that sets the sign-in cookie; `streamlit run ui/app.py` alone keeps no sign-in across reloads)."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the repository root: add it
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from ui import i18n, session  # noqa: E402
from ui.common import services, sidebar_login  # noqa: E402
from ui.i18n import t  # noqa: E402

st.set_page_config(page_title="budgetlens", page_icon="📑", layout="wide")

i18n.use(services().settings.ui_language)  # every run: the words follow the setting
_VIEWS = Path(__file__).resolve().parent / "views"  # st.Page wants it absolute
PAGES = [
    st.Page(_VIEWS / "queue.py", title=t("app.queue"), icon=":material/inbox:", default=True),
    st.Page(_VIEWS / "review.py", title=t("app.review"), icon=":material/fact_check:"),
    st.Page(_VIEWS / "export.py", title=t("app.export"), icon=":material/download:"),
    st.Page(_VIEWS / "overview.py", title=t("app.overview"), icon=":material/bar_chart:"),
]

page = st.navigation(PAGES)
session.restore(services().settings)  # a reload keeps the sign-in (ui/session.py)
sidebar_login(services().settings)
with st.sidebar:
    session.write_cookie()
page.run()
