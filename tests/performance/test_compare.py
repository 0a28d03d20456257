"""The yardstick (worker/performance/compare.py) on projects that share a name: a project
continued on the next page is one project, projects of one name printing other amounts are
scored apart (烟台审计局 2026: three 审计业务经费, 31.00 / 539.00 / 18.00, each its own form)."""

from __future__ import annotations

from typing import Any

from worker.performance.compare import compare


def _project(amount: str | None, *names: str) -> dict[str, Any]:
    head = {"kind": "project_targets", "name": "审计业务经费"}
    return head | ({"amount": amount} if amount else {}) | {
        "indicators": [{"name": n, "value": "1"} for n in names]}


def test_projects_of_one_name_with_other_amounts_are_scored_apart() -> None:
    golden = [_project("31.00", "审计项目数"), _project("539.00", "审计报告数")]
    swapped = [_project("31.00", "审计报告数"), _project("539.00", "审计项目数")]
    score = compare(golden, swapped)
    assert (score.rows, score.found) == (2, 0)
    assert compare(golden, list(reversed(golden))).found == 2  # matched by amount, not order


def test_a_project_continued_on_the_next_page_is_one_project() -> None:
    golden = [_project("600.00", "手推车", "苗木成活率")]
    parts = [_project("600.00", "手推车"), _project(None, "苗木成活率")]  # head not repeated
    assert compare(golden, parts).found == 2
    repeated = [_project("600.00", "手推车"), _project("600.00", "苗木成活率")]
    score = compare(golden, repeated)
    assert (score.found, score.right, score.fields) == (2, 5, 5)  # amount + 2 × (name, value)
