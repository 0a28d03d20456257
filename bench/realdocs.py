"""Benchmark: the pipeline on the real documents that have a hand-verified golden.

    python -m bench.realdocs                       # every golden in tests/data/realdocs/
    python -m bench.realdocs --only hangzhou_jtysj_2026_budget --mismatches 20
    python -m bench.realdocs --json out/realdocs.json

Each document (../shared/realdocs/<file>) goes through `worker.pipeline.process` in-process, and
is scored against its golden (tests/data/realdocs/README.md) by one function per measure:

* tables       standard tables found / printed (by key); `spur`: standard tables reported that
               the document does not print;
* cells        golden cells right — row (code, or row_code + name where no code is printed),
               column key and value — / golden cells; `extra`: numbers read where none is printed;
* facts        amounts printed on the golden tables' pages that became facts (same page and
               value, wherever they landed) / those amounts;
* narrative    golden narrative figures read with their subject / golden narrative figures, all
               kinds (amounts, shares, changes, growth rates, counts) and amounts alone;
* findings     findings per document, by kind (document / extraction), and `false`: document
               findings about none of the golden's recorded contradictions;
* recalled     recorded real contradictions a document finding points at / recorded;
* pages/s      pages / CPU seconds of `process` (CPU time: the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from schemas import Document, Finding
from tests.support.realdocs import Golden, load_goldens
from tests.support.realdocs_compare import (
    CellScore,
    compare_tables,
    facts_of,
    false_alarms,
    narrative_hits,
    printed_amounts,
    recalled,
    spurious_tables,
)
from worker.pipeline import process


@dataclass
class Result:
    doc: str
    pages: int = 0
    cpu_s: float = 0.0
    tables: tuple[int, int] = (0, 0)
    spurious: int = 0
    cells: tuple[int, int] = (0, 0)
    extra: int = 0
    facts: tuple[int, int] = (0, 0)
    narrative: tuple[int, int] = (0, 0)
    amounts: tuple[int, int] = (0, 0)
    findings: dict[str, int] = field(default_factory=dict)
    false: int = 0
    recalled: tuple[int, int] = (0, 0)
    mismatches: list[str] = field(default_factory=list)


# --- one function per measure ----------------------------------------------------------------

AMOUNTS = frozenset({"amount"})


def measure_cells(golden: Golden, document: Document) -> CellScore:
    return compare_tables(golden, document)


def measure_facts(golden: Golden, document: Document) -> tuple[int, int]:
    printed = printed_amounts(golden)
    became = printed & facts_of(document)  # multiset: each printed amount counts once
    return sum(became.values()), sum(printed.values())


def measure_narrative(
    golden: Golden, document: Document, kinds: frozenset[str] | None = None
) -> tuple[int, int]:
    stated = [n for n in golden.narrative if kinds is None or n.kind in kinds]
    return len(narrative_hits(golden, document.narrative, kinds)), len(stated)


def measure_findings(findings: list[Finding]) -> dict[str, int]:
    return dict(Counter(f.kind.value for f in findings))


def measure_recalled(golden: Golden, findings: list[Finding]) -> tuple[int, int]:
    hits = sum(recalled(golden, c, findings) for c in golden.contradictions)
    return hits, len(golden.contradictions)


# --- running ---------------------------------------------------------------------------------


def run(golden: Golden) -> Result:
    data = golden.source.read_bytes()
    start = time.process_time()
    outcome = process(data, "pdf", golden.sha256, golden.file)
    cpu = time.process_time() - start
    doc, findings = outcome.document, outcome.findings
    cells = measure_cells(golden, doc)
    return Result(
        doc=golden.stem,
        pages=golden.pages,
        cpu_s=cpu,
        tables=(cells.tables_found, cells.tables),
        spurious=len(spurious_tables(golden, doc)),
        cells=(cells.right, cells.cells),
        extra=cells.extra,
        facts=measure_facts(golden, doc),
        narrative=measure_narrative(golden, doc),
        amounts=measure_narrative(golden, doc, AMOUNTS),
        findings=measure_findings(findings),
        false=len(false_alarms(golden, findings)),
        recalled=measure_recalled(golden, findings),
        mismatches=cells.mismatches,
    )


def total(results: list[Result]) -> Result:
    out = Result(doc="TOTAL")
    for r in results:
        out.pages += r.pages
        out.cpu_s += r.cpu_s
        out.extra += r.extra
        out.false += r.false
        out.spurious += r.spurious
        for name in ("tables", "cells", "facts", "narrative", "amounts", "recalled"):
            a, b = getattr(out, name), getattr(r, name)
            setattr(out, name, (a[0] + b[0], a[1] + b[1]))
        out.findings = dict(Counter(out.findings) + Counter(r.findings))
    return out


def _ratio(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]} {100 * pair[0] / pair[1]:5.1f}%" if pair[1] else f"{pair[0]}/0"


COLUMNS = (  # header, width, cell
    ("document", -34, lambda r: r.doc[:34]),
    ("tables", 13, lambda r: _ratio(r.tables)),
    ("spur", 4, lambda r: r.spurious),
    ("cells", 17, lambda r: _ratio(r.cells)),
    ("extra", 5, lambda r: r.extra),
    ("facts", 17, lambda r: _ratio(r.facts)),
    ("narrative", 13, lambda r: _ratio(r.narrative)),
    ("amounts", 13, lambda r: _ratio(r.amounts)),
    ("doc", 4, lambda r: r.findings.get("document", 0)),
    ("false", 5, lambda r: r.false),
    ("ext", 4, lambda r: r.findings.get("extraction", 0)),
    ("recalled", 9, lambda r: f"{r.recalled[0]}/{r.recalled[1]}"),
    ("pages/s", 7, lambda r: f"{r.pages / r.cpu_s if r.cpu_s else 0.0:.1f}"),
)


def _line(cells: list[object]) -> str:
    return " ".join(
        f"{c!s:{'<' if w < 0 else '>'}{abs(w)}}"
        for c, (_, w, _) in zip(cells, COLUMNS, strict=True)
    )


def print_table(results: list[Result]) -> None:
    head = _line([name for name, _, _ in COLUMNS])
    print(head)
    print("-" * len(head))
    for r in [*results, total(results)]:
        print(_line([cell(r) for _, _, cell in COLUMNS]))
    n = len(results) or 1
    t = total(results)
    print(
        f"\nper document: {t.findings.get('document', 0) / n:.2f} document findings "
        f"({t.false / n:.2f} about no recorded contradiction), "
        f"{t.findings.get('extraction', 0) / n:.2f} extraction findings; "
        f"real contradictions recalled {_ratio(t.recalled)}; "
        f"load average {os.getloadavg()[0]:.1f} (pages/s is CPU time)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="golden stems to run (default: all)")
    ap.add_argument(
        "--mismatches", type=int, default=0, help="print the first N mismatches per document"
    )
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    goldens = [g for g in load_goldens() if not args.only or g.stem in args.only]
    results = []
    for golden in goldens:
        result = run(golden)
        results.append(result)
        for line in result.mismatches[: args.mismatches]:
            print(f"  {golden.stem}: {line}")
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"documents": [asdict(r) for r in results], "total": asdict(total(results))}
        for entry in [*figures["documents"], figures["total"]]:
            entry.pop("mismatches")
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
