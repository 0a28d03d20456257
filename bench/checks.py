"""Benchmark of the checks stage: recall on injected errors, false alarms on clean documents,
time per document — on synthetic documents (tools/synth.py) and on the five seeds.

    python -m bench.checks [--docs 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter

from schemas import FindingKind
from tools.synth import generate
from tools.synth_errors import EXTRACTION_KINDS, KINDS, inject_error
from worker.pipeline.checks import run_checks


def caught(findings: list, rule: str, where, extraction: bool) -> bool:
    for f in findings:
        if f.rule_id != rule or (extraction and f.kind != FindingKind.extraction):
            continue
        if any(
            loc.table_key == where.table_key
            and loc.row_code == where.row_code
            and where.column_key in (None, loc.column_key)
            for loc in f.locations
        ):
            return True
    return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    n = ap.parse_args().docs
    docs = [generate(seed) for seed in range(10_000, 10_000 + n)]
    run_checks(docs[0])  # load the catalogue once, as a worker does
    times, alarms = [], Counter()
    for d in docs:
        t = time.perf_counter()
        found = run_checks(d)
        times.append(time.perf_counter() - t)
        alarms.update(f.rule_id for f in found)
    print(f"clean documents: {n}  ({sum(d.doc_type == 'budget' for d in docs)} budget)")
    print(f"false alarms per clean document: {sum(alarms.values()) / n:.3f}  {dict(alarms)}")
    ms = sorted(x * 1000 for x in times)
    print(
        f"time per document: mean {statistics.mean(ms):.1f} ms, p95 {ms[int(0.95 * n)]:.1f} ms, "
        f"max {ms[-1]:.1f} ms"
    )
    print(f"\n{'kind':22} {'rule':32} {'caught':>8}")
    total = hit = 0
    for kind, rule in KINDS.items():
        k_n = k_hit = 0
        for seed, d in enumerate(docs):
            injected = inject_error(d, kind, random.Random(seed))
            if injected is None:
                continue
            bad, where = injected
            k_n += 1
            k_hit += caught(run_checks(bad), rule, where, kind in EXTRACTION_KINDS)
        total, hit = total + k_n, hit + k_hit
        print(f"{kind:22} {rule:32} {k_hit:>4}/{k_n:<4}")
    print(f"recall on injected errors: {hit}/{total} = {hit / total:.1%}")
    seeds()


def seeds() -> None:
    from tests.support.seed_checks import NAMES, findings

    print("\nseed documents (text form): findings by kind")
    for seed in NAMES:
        t = time.perf_counter()
        found = findings(seed)
        kinds = Counter(f.kind.value for f in found)
        print(
            f"  {seed}: {dict(kinds) or 'none'}  ({(time.perf_counter() - t) * 1000:.0f} ms "
            "incl. reading and extraction)"
        )


if __name__ == "__main__":
    main()
