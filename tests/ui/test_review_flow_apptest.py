"""A reviewer's run through documents with AppTest, by widget interactions only (buttons,
select boxes): confirm a table, confirm the document, go to the next one, keep working."""

from __future__ import annotations

from schemas import DocStatus
from tests.support.apptest import open_app, pick, selectbox
from tests.support.documents import misread_one_value, store_sample
from tests.support.samples import SAMPLES
from worker.settings import Settings
from worker.store import Store


def test_confirm_table_then_document_then_next_keeps_working(env: Settings, store: Store) -> None:
    first = store_sample(store)
    misread_one_value(store, first)  # a finding: this one needs review
    second = store_sample(store, SAMPLES / "000_954316b1df943981.pdf")
    at = open_app("bob")
    at.query_params["doc"] = first[:16]
    at.switch_page("views/review.py").run()
    assert at.session_state["doc_id"] == first
    tables = len(at.session_state["review"].document.tables)
    assert tables > 1

    ti = at.session_state["table_sel"]
    labels_before = selectbox(at, "table_sel").options
    at.button(key="confirm_table").click().run()
    assert not at.exception, at.exception
    assert store.audit(first)[-1].action == "confirm_table"
    assert selectbox(at, "table_sel").options != labels_before  # its label says it is confirmed
    at.button(key="next_page").click().run()  # any click after it
    assert not at.exception, at.exception
    other = (ti + 1) % tables
    at = pick(at, "table_sel", other)  # a click after the confirm: the table it names
    assert not at.exception, at.exception
    assert at.session_state["table_sel"] == other

    at.button(key="confirm_doc").click().run()
    assert not at.exception, at.exception
    assert store.get(first).status == DocStatus.confirmed
    at = pick(at, "table_sel", ti)
    assert not at.exception, at.exception

    at.button(key="next_doc").click().run()  # N
    assert not at.exception, at.exception
    assert at.session_state["doc_id"] == second
    assert at.query_params["doc"] == second[:16]  # an id in the URL, never a label
    assert at.session_state["review"].doc_id == second

    # and the page still works: another table, the next page, back to the first document
    at = pick(at, "table_sel", len(at.session_state["review"].document.tables) - 1)
    assert not at.exception, at.exception
    page = at.session_state["page"]
    if not at.button(key="next_page").disabled:
        at.button(key="next_page").click().run()
        assert at.session_state["page"] == page + 1
    at = pick(at, "doc_id", first)
    assert not at.exception, at.exception
    assert at.session_state["review"].doc_id == first
    assert at.query_params["doc"] == first[:16]
    assert at.dataframe  # the table is drawn
