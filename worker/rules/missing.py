"""Telling a dropped row (the extraction is wrong) from a wrong sum (the document is wrong).

When a parent row does not equal the sum of its children, look at the text of the pages the table
spans: a child code of that parent printed there but absent from the extracted rows means a row
was skipped — the section goes back for re-extraction instead of to the reviewer as a finding.
Likewise pages right after a table that print amounts but belong to no table read are probably
its continuation, not read.
"""

from __future__ import annotations

import re

from worker.rules.index import Index, TableIndex

_WS = re.compile(r"[\s,，]+")


def page_text(ix: Index, pages: list[int]) -> str:
    texts = ix.doc.page_texts
    if not texts:
        return ""
    chosen = [texts[p - 1] for p in pages if 0 < p <= len(texts)]
    return "\n".join(chosen) if chosen else "\n".join(texts)


def missing_rows(ix: Index, ti: TableIndex, parent: str | None) -> list[str]:
    """Child codes of `parent` printed on the table's pages but not extracted."""
    if not parent or not ix.doc.page_texts:
        return []
    text = page_text(ix, ti.table.pages)
    width = {3: 2, 5: 2}.get(len(parent), 0)
    if not width:
        return []
    found = set(re.findall(rf"(?<!\d){parent}\d{{{width}}}(?:\d{{2}})?(?!\d)", text))
    # 类 | 款 | 项 printed in separate columns: '201  37  01'
    head = parent if len(parent) == 3 else rf"{parent[:3]}[\t ]{{1,4}}{parent[3:]}"
    found |= {parent + k for k in re.findall(rf"(?<!\d){head}[\t ]{{1,4}}(\d{{2}})(?!\d)", text)}
    return sorted(c for c in found if c not in ti.codes and len(c) in (5, 7))


_ASCII = str.maketrans("０１２３４５６７８９．", "0123456789.")


def normalize(text: str) -> str:
    """Page text as numbers are compared: no spaces / separators, ASCII digits."""
    return _WS.sub("", text.translate(_ASCII))


_AMOUNT = re.compile(r"\d\.\d{2}(?!\d)")
CONTINUATION_AMOUNTS = 10  # a page printing this many amounts holds a table


def unread_pages(ix: Index, ti: TableIndex) -> list[int]:
    """Pages right after the table that print amounts but belong to no table read: the table
    probably continues there (a 项目支出表 over 8 pages read on its first only)."""
    texts, read = ix.doc.page_texts, {p for t in ix.doc.tables for p in t.pages}
    out: list[int] = []
    if not ti.table.pages:
        return out
    page = max(ti.table.pages) + 1
    while 0 < page <= len(texts) and page not in read:
        if len(_AMOUNT.findall(normalize(texts[page - 1]))) < CONTINUATION_AMOUNTS:
            break
        out.append(page)
        page += 1
    return out
