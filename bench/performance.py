"""Performance tables (绩效目标表 / 绩效自评表) read without a model: figures for issue 14.

    .venv/bin/python bench/performance.py [--realdocs]

Seeds (samples/, TXT, PDF and DOCX): indicator rows found and fields right against the hand
goldens tests/data/llm/*.json (worker/performance/compare.py), and the sections left for the LLM
by kind (tabular ones should be none). --realdocs: the same against the realdocs' hand goldens
(tests/data/performance/*.json, the pages each covers), with the rows the reader read on those
pages beyond the golden's (extra: split or invented rows); then, for every PDF in
../shared/realdocs, the performance sections the parser read (rows, sections needing review)
and those left for the LLM, tabular or prose. No LLM is called: the LLM calls for tabular
targets are the tabular sections left. CPU seconds are process time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.performance import SectionKind, SectionResult, SectionStatus
from tests.support.performance_goldens import PerformanceGolden, golden_paths, load_golden
from worker.performance import EMPTY_FORM
from worker.performance.compare import Score, compare, projects
from worker.pipeline import Options, Outcome, process

REPO = Path(__file__).resolve().parents[1]
TABULAR = {SectionKind.department_targets, SectionKind.project_targets}
_ROW_NAME = re.compile(r"(?:^|\.)indicators\.\d+\.name$")


def _goldens() -> dict[str, list[SectionResult]]:
    by_seed: dict[str, list[SectionResult]] = {}
    for path in sorted((REPO / "tests/data/llm").glob("*.json")):
        g = json.loads(path.read_text("utf-8"))
        by_seed.setdefault(g["seed"][:3], []).append(SectionResult(
            section_id=g["section_id"], kind=g["kind"], status=SectionStatus.ok, data=g["expected"]))
    return by_seed


def _run(path: Path) -> Outcome:
    return process(path.read_bytes(), path.suffix[1:], path.stem, path.name, Options.defaults())


def seeds() -> None:
    total, left = Score(), Counter()
    for seed, golden in _goldens().items():
        for path in sorted((REPO / "samples").glob(f"{seed}_*")):
            out = _run(path)
            score = compare(projects(golden), projects(out.document.sections))
            total.add(score)
            left.update(s.kind.value for s in out.sections)
            print(f"{path.name:32} rows {score.found}/{score.rows}  fields {score.right}/{score.fields}")
    tab = sum(n for k, n in left.items() if k in TABULAR)
    print(f"seeds: rows found {total.found}/{total.rows} ({100 * total.recall:.1f}%), fields right "
          f"{total.right}/{total.fields} ({100 * total.accuracy:.1f}%); left for the LLM "
          f"{dict(left)} (tabular: {tab} → LLM calls for tabular targets: {tab})")


def _read_on(sections: list[SectionResult], pages: set[int]) -> int:
    """Indicator rows the reader read on these pages (by where its 三级指标 is printed)."""
    return sum(1 for s in sections for path, w in s.where.items()
               if _ROW_NAME.search(path) and w.page in pages)


def golden_scores(runs: dict[str, Outcome]) -> None:
    total, extra, left = Score(), 0, 0
    for path in golden_paths():
        golden: PerformanceGolden = load_golden(path)
        out = runs.get(golden.stem) or _run(golden.source)
        score = compare(golden.projects_for_compare(), projects(out.document.sections))
        more = _read_on(out.document.sections, set(golden.covers)) - score.found
        tab = sum(s.kind in TABULAR for s in out.sections)
        total.add(score)
        extra, left = extra + more, left + tab
        print(f"{golden.stem[:40]:40} pages {len(golden.covers):2}  rows {score.found}/{score.rows}"
              f"  fields {score.right}/{score.fields}  extra {more}  tabular left {tab}")
        for miss in score.misses[:5]:
            print(f"    {miss}")
    print(f"realdocs goldens: rows found {total.found}/{total.rows} ({100 * total.recall:.1f}%), "
          f"fields right {total.right}/{total.fields} ({100 * total.accuracy:.1f}%), extra rows "
          f"{extra}; LLM calls for tabular targets: {left}")


def realdocs() -> None:
    root = REPO.parent / "shared" / "realdocs"
    runs: dict[str, Outcome] = {}
    read_rows = read_n = review = empty = 0
    left: Counter[str] = Counter()
    for path in sorted(root.glob("*.pdf")):
        out = runs[path.stem] = _run(path)
        parsed = [s for s in out.document.sections if s.data]
        blank = sum(s.reasons == [EMPTY_FORM] for s in out.document.sections)
        if not parsed and not out.sections and not blank:
            continue
        rows = sum(len(p["indicators"]) for p in projects(parsed))
        tab = [s.section_id for s in out.sections if s.kind in TABULAR]
        unsure = sum(s.status != SectionStatus.ok for s in parsed)
        print(f"{path.stem[:40]:40} parser {len(parsed)} sections {rows} rows ({unsure} review), "
              f"{blank} empty forms; LLM "
              f"{len(out.sections)} ({len(tab)} tabular)")
        read_rows, read_n, empty = read_rows + rows, read_n + len(parsed), empty + blank
        review += sum(s.status != SectionStatus.ok for s in parsed)
        left.update(("tabular" if s.kind in TABULAR else s.kind.value) for s in out.sections)
    print(f"realdocs: parser read {read_n} sections, {read_rows} indicator rows ({review} to "
          f"review), {empty} forms printed empty (no call); left for the LLM {dict(left)}")
    golden_scores(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--realdocs", action="store_true")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in a log
    start = time.process_time()
    seeds()
    if args.realdocs:
        realdocs()
    print(f"{time.process_time() - start:.1f} s CPU, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
