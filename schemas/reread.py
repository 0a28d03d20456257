"""A standard table re-read by the LLM (issue 14, item 3): the request the pipeline builds for a
table its deterministic reader got wrong, the rows the model answers, and what was decided.

The model reads the table's pages as words with positions and answers rows in the table's own
schema (`row_model(columns)`: one field per column key, described by its printed header). It
never gives positions: each value it answers is mapped back to the word that prints it
(worker/pipeline/reread.py), and the answer replaces the deterministic rows only if every value
is printed there and the table's identities then hold.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, create_model

from schemas.document import Column
from schemas.geometry import BBox
from schemas.performance import Usage


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageWord(_Model):
    """One printed word (a table cell or a text token) of a page, where it is printed."""

    text: str
    page: int | None = Field(default=None, description="1-based page")
    bbox: BBox | None = None
    confidence: float | None = Field(default=None, description="OCR confidence; None: text layer")


LINE_PT = 4.0  # words whose vertical centres are this close print on one line


def line_of(word: PageWord) -> tuple[int, int]:
    """(page, line) of a word: how its page is read in order and shown to the model."""
    box = word.bbox or (0.0, 0.0, 0.0, 0.0)
    return (word.page or 0, round((box[1] + box[3]) / 2 / LINE_PT))


class RereadRequest(_Model):
    """One table the checks put in doubt for extraction reasons, with what the model reads."""

    table_index: int = Field(description="Index of the table in Document.tables")
    table_key: str
    title: str
    unit: str
    pages: list[int]
    columns: list[Column]
    reasons: list[str] = Field(description="The extraction findings that put the table in doubt")
    words: list[PageWord] = Field(description="Every word printed on the table's pages")


class RereadRow(_Model):
    """One row as the model answered it; values by column key, as printed."""

    name: str
    code: str | None = None
    values: dict[str, str] = Field(default_factory=dict)


class RereadAnswer(_Model):
    rows: list[RereadRow] = Field(default_factory=list)
    failed: list[str] = Field(
        default_factory=list,
        description="Why the model gave no usable answer (invalid output, request refused): "
        "cached like an answer, so a second run asks again only under another model or prompt",
    )


class RereadStatus(StrEnum):
    accepted = "accepted"  # the model's rows replaced the deterministic ones
    rejected = "rejected"  # the deterministic rows stay, flagged with the reasons
    failed = "failed"  # no usable answer (invalid output, refused, budget spent)


class RereadOutcome(_Model):
    """What one re-read attempt came to (recorded on the document as a Problem too)."""

    table_key: str
    status: RereadStatus
    reasons: list[str] = Field(default_factory=list)
    model: str | None = None
    prompt_version: str | None = None
    usage: Usage = Field(default_factory=Usage)


def row_model(columns: list[Column]) -> type[BaseModel]:
    """The table's Pydantic schema for the model: a row with `name`, `code` and one optional
    field per column (its key as the JSON name, its printed header as the description)."""
    fields: dict = {
        f"c{i}": (str | None, Field(None, alias=c.key, description=f"{c.title}（照印原文）"))
        for i, c in enumerate(columns)
    }
    values = create_model(
        "RowValues", __config__=ConfigDict(extra="forbid", populate_by_name=True), **fields
    )
    row = create_model(
        "TableRow",
        __config__=ConfigDict(extra="forbid"),
        name=(str, Field(description="行名称，照印原文 / row label as printed")),
        code=(
            str | None,
            Field(None, description="科目编码，类款项连写如 2010101；无则 null / code or null"),
        ),
        values=(values, Field(description="各列数值，照印原文；空白单元格为 null")),
    )
    return create_model(  # type: ignore[call-overload, no-any-return]
        "TableRows",
        __config__=ConfigDict(extra="forbid"),
        __doc__="The table's rows, top to bottom, as printed on its pages.",
        rows=(list[row], Field(description="表格的每一数据行，自上而下 / every data row")),
    )


def answer_of(data: BaseModel) -> RereadAnswer:
    """The model's rows in the table-independent form (values by column key, blanks left out)."""
    rows = []
    for row in data.rows:  # type: ignore[attr-defined]
        values = {k: v for k, v in row.values.model_dump(by_alias=True).items() if v not in (None, "")}
        rows.append(RereadRow(name=row.name, code=row.code, values=values))
    return RereadAnswer(rows=rows)
