"""Benchmark the LLM stage over the seeds' irregular sections.

    python -m bench.llm --local                         # Gemma 3 270M via `llm serve`
    python -m bench.llm --base-url URL --model NAME     # any OpenAI-compatible endpoint

Two passes over every section `find_sections` returns: the first calls the model, the second
must be served from the cache. Reports per document: sections, calls, tokens in/out, seconds;
overall: cache hit rate on the second pass, the share of returned values that were grounded
(kept / (kept + dropped)), the share of the text that went to the LLM, and field accuracy
against the hand-written golden files in tests/data/llm/ (recall and precision of facts:
project name, code, amounts; indicator (三级指标, 指标值) pairs; department budget figures).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from schemas.performance import SectionResult, SectionStatus
from worker.formats.text import read_text
from worker.llm import SPECS, LLMClient, LLMConfig, extract_section
from worker.llm.grounding import count_checked, normalize
from worker.pipeline.sections import find_sections, project_names, render_block
from worker.store.llm_cache import LLMCache

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "samples"  # bundled copies of the seed texts
GOLDEN = ROOT / "tests" / "data" / "llm"


def _num(value: Any) -> str | None:
    try:
        return str(Decimal(str(value)).normalize()) if value is not None else None
    except InvalidOperation:
        return normalize(str(value))


def facts(data: dict | None) -> Counter:
    """The comparable facts of an extraction (a multiset: indicators can repeat)."""
    found: Counter = Counter()
    if not data:
        return found
    for key in ("budget_total", "budget_basic", "budget_project"):
        if data.get(key) is not None:
            found[(key, _num(data[key]))] += 1
    for task in data.get("tasks") or []:
        found[("task", normalize(task["name"]))] += 1
    for item in [data, *(data.get("projects") or [])]:
        for ind in item.get("indicators") or []:
            found[("indicator", normalize(ind["name"]), normalize(ind.get("value") or ""))] += 1
    for project in data.get("projects") or []:
        # each field on its own: a dropped name must not hide a right code or amount
        if project.get("name"):
            found[("project", normalize(project["name"]))] += 1
        for key in ("code", "amount", "fiscal_amount"):
            if project.get(key) is not None:
                value = normalize(project[key]) if key == "code" else _num(project[key])
                found[(key, value)] += 1
    return found


def checked_values(result: SectionResult) -> int:
    """Values of a result that passed grounding (numbers and verbatim fields, not free text)."""
    if result.data is None:
        return 0
    return count_checked(SPECS[result.kind][0].model_validate(result.data))


def load_golden() -> dict[tuple[str, str], dict]:
    golden = {}
    for path in sorted(GOLDEN.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        golden[(case["seed"], case["section_id"])] = case["expected"]
    return golden


def run_pass(
    client: LLMClient, cache: LLMCache, seeds: list[Path]
) -> dict[str, list[SectionResult]]:
    results: dict[str, list[SectionResult]] = {}
    for seed in seeds:
        raw = seed.read_text(encoding="utf-8")
        layout = read_text(raw)
        names = project_names(layout)
        results[seed.name] = []
        for section in find_sections(layout):
            start = time.monotonic()
            result = extract_section(
                section, client, cache, doc_id=seed.name, document_text=raw, project_names=names
            )
            results[seed.name].append(result)
            print(
                f"  {seed.name[:3]} {section.section_id:26s} {result.status.value:12s} "
                f"calls={result.usage.calls} in={result.usage.tokens_in} "
                f"out={result.usage.tokens_out} {time.monotonic() - start:6.1f}s",
                file=sys.stderr,
                flush=True,
            )
    return results


def llm_share(seed: Path) -> float:
    layout = read_text(seed.read_text(encoding="utf-8"))
    total = sum(len(render_block(b)) for b in layout.blocks)
    return sum(len(s.text) for s in find_sections(layout)) / total if total else 0.0


def accuracy(results: dict[str, list[SectionResult]]) -> dict[str, Any]:
    golden = load_golden()
    hit = expected = returned = 0
    per_case = {}
    for (seed, section_id), want in golden.items():
        got = next((r for r in results.get(seed, []) if r.section_id == section_id), None)
        want_facts, got_facts = facts(want), facts(got.data if got else None)
        common = sum((want_facts & got_facts).values())
        hit, expected = hit + common, expected + sum(want_facts.values())
        returned += sum(got_facts.values())
        per_case[f"{seed[:3]}/{section_id}"] = f"{common}/{sum(want_facts.values())}"
    return {
        "recall": round(hit / expected, 4) if expected else None,
        "precision": round(hit / returned, 4) if returned else None,
        "facts_expected": expected,
        "facts_returned": returned,
        "facts_correct": hit,
        "per_case": per_case,
    }


def summarize(first: dict, second: dict, seeds: list[Path], seconds: float) -> dict[str, Any]:
    docs = {}
    for seed in seeds:
        rs = first[seed.name]
        docs[seed.name[:3]] = {
            "sections": len(rs),
            "calls": sum(r.usage.calls for r in rs),
            "tokens_in": sum(r.usage.tokens_in for r in rs),
            "tokens_out": sum(r.usage.tokens_out for r in rs),
            "llm_seconds": round(sum(r.usage.latency_s for r in rs), 1),
            "status": dict(Counter(r.status.value for r in rs)),
            "llm_share_of_text": round(llm_share(seed), 3),
        }
    all_first = [r for rs in first.values() for r in rs]
    all_second = [r for rs in second.values() for r in rs]
    kept = sum(checked_values(r) for r in all_first)
    dropped = sum(len(r.dropped) for r in all_first)
    return {
        "documents": docs,
        "sections": len(all_first),
        "first_pass_seconds": round(seconds, 1),
        "second_pass_calls": sum(r.usage.calls for r in all_second),
        "cache_hit_rate_second_pass": round(
            sum(r.usage.cached for r in all_second) / max(len(all_second), 1), 4
        ),
        "values_kept": kept,
        "values_dropped": dropped,
        "share_grounded": round(kept / (kept + dropped), 4) if kept + dropped else None,
        "sections_without_data": sum(
            r.data is None for r in all_first if r.status != SectionStatus.pending
        ),
        "accuracy": accuracy(first),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--local", action="store_true", help="start the local Gemma server")
    parser.add_argument("--base-url")
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--api-key")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--max-retries", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the JSON summary here too")
    parser.add_argument("--results", type=Path, help="write every first-pass SectionResult (JSONL)")
    args = parser.parse_args(argv)
    seeds = sorted(args.seeds.glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        if args.local:
            from worker.llm.local import serve

            server = serve(Path(tmp))
            config = server.config(max_tokens=args.max_tokens, max_retries=args.max_retries)
        else:
            config = LLMConfig(
                base_url=args.base_url,
                model=args.model,
                api_key=args.api_key,
                max_tokens=args.max_tokens,
                max_retries=args.max_retries,
            )
        try:
            client, cache = LLMClient(config), LLMCache(Path(tmp) / "llm_cache.sqlite3")
            start = time.monotonic()
            first = run_pass(client, cache, seeds)
            seconds = time.monotonic() - start
            second = run_pass(client, cache, seeds)
        finally:
            if server is not None:
                server.stop()
    if args.results:
        rows = [r.model_dump_json() for rs in first.values() for r in rs]
        args.results.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = {
        "model": config.model,
        "max_tokens": config.max_tokens,
        "max_retries": config.max_retries,
    }
    summary |= summarize(first, second, seeds, seconds)
    text = json.dumps(summary, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
