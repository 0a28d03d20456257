"""The package graph of docs/layout (README "Layout"): imports flow one way, ui is a leaf, the
pure pipeline loads no LLM, database or OCR model, and every third-party import is declared."""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import tomllib
from graphlib import TopologicalSorter
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.support.fresh import run_python

ROOT = Path(__file__).resolve().parents[1]
OURS = ("worker", "ui", "schemas", "prompts")
CORE = {"settings", "errors", "layout", "terminal"}  # worker/settings.py, errors.py, layout.py, terminal.py

# package → what it may import (besides itself); `core` is worker/__init__ + CORE
ALLOWED: dict[str, set[str]] = {
    "schemas": set(),
    "prompts": set(),
    "core": {"schemas"},
    "formats": {"core", "schemas"},
    "ocr": {"core", "schemas", "formats"},
    "tables": {"core", "schemas"},
    # narrative drops page furniture by the table titles' vocabulary; rules read narrative's scales
    "narrative": {"core", "schemas", "tables"},
    "rules": {"core", "schemas", "narrative"},
    "performance": {"core", "schemas", "tables"},  # performance-table reader: numbers as tables read them
    "store": {"core", "schemas"},
    "llm": {"core", "schemas", "prompts", "store"},
    "pipeline": {"core", "schemas", "formats", "ocr", "tables", "narrative", "rules", "performance"},
    "runtime": {"core", "schemas", "pipeline", "performance", "llm", "store"},
    "jobs": {"runtime"},  # worker/jobs.py: the RQ dotted paths stored in Redis
    "services": {"core", "schemas", "pipeline", "rules", "tables", "runtime", "store"},
    "cli": {"core", "schemas", "services", "runtime", "store", "llm"},
    "ui": {"core", "schemas", "services", "store"},
}


def _package(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "worker":
        return parts[0]
    return "core" if len(parts) == 1 or parts[1] in CORE else parts[1]


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every absolute import in the file, lazy ones inside functions included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _sources() -> list[Path]:
    return [p for root in OURS for p in sorted((ROOT / root).rglob("*.py"))]


def _edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for path in _sources():
        src = _package(_module(path))
        for name in _imports(path):
            if name.split(".")[0] in OURS and (dst := _package(name)) != src:
                edges.setdefault((src, dst), []).append(str(path.relative_to(ROOT)))
    return edges


def test_every_import_follows_the_package_graph() -> None:
    wrong = {f"{s} → {d}": files for (s, d), files in _edges().items() if d not in ALLOWED[s]}
    assert not wrong, wrong


def test_the_allowed_graph_has_no_cycle_and_ui_is_a_leaf() -> None:
    order = list(TopologicalSorter(ALLOWED).static_order())  # raises CycleError on a cycle
    assert set(order) == set(ALLOWED)
    assert not [pkg for pkg, deps in ALLOWED.items() if "ui" in deps]
    assert {s for s, _ in _edges()} <= set(ALLOWED)  # no package the graph does not know


# What `import worker.pipeline` must not load: the LLM client, the database, the queue, the UI,
# and the OCR engine with its model (RapidOCR loads only when a page needs OCR).
HEAVY = ["openai", "instructor", "sqlalchemy", "rq", "redis", "streamlit", "rapidocr_onnxruntime",
         "cv2", "llama_cpp"]


def _loaded_by(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = run_python(code, cwd=ROOT)
    return {m.split(".")[0] for m in json.loads(out)}


def test_the_pipeline_loads_no_llm_database_queue_or_ocr_model() -> None:
    pipeline = _loaded_by("import worker.pipeline")
    assert not [m for m in HEAVY if m in pipeline]
    # PyMuPDF 2 imports its own layout analyser (pymupdf.layout → onnxruntime) on `import
    # pymupdf`; the pipeline may load onnxruntime only by that road
    if "onnxruntime" in pipeline:
        assert "onnxruntime" in _loaded_by("import pymupdf")


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [d for ds in project["optional-dependencies"].values()
                                       for d in ds]
    return {_norm(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_declared() -> None:
    distributions, declared = packages_distributions(), _declared()
    undeclared = {}
    for path in _sources():
        for name in _imports(path):
            top = name.split(".")[0]
            if top in OURS or top in sys.stdlib_module_names:
                continue
            dists = {_norm(d) for d in distributions.get(top, [top])}
            if not dists & declared:
                undeclared[top] = str(path.relative_to(ROOT))
    assert not undeclared, undeclared


def test_test_modules_have_unique_names() -> None:
    # tests/ has no __init__.py, so pytest imports each test module by its basename: two files
    # with one name (tests/ui/x.py, tests/e2e/x.py) stop the whole run at collection
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert not sorted({n for n in names if names.count(n) > 1})


# What a fresh `budgetlens status` must not load (its imports cost a fresh process more than its
# SQL): the store's ORM and the Pydantic models behind it, RQ and Redis while no server runs,
# rich's progress bar, the LLM client, the pipeline.
STATUS_HEAVY = ["sqlalchemy", "schemas.document", "schemas.performance", "worker.store.documents",
                "rq", "redis", "rich.progress", "worker.llm", "openai", "instructor",
                "worker.pipeline", "pymupdf"]


def test_status_loads_no_orm_model_queue_or_llm_client(tmp_path: Path) -> None:
    from schemas import DocStatus, Document
    from schemas.performance import Section, SectionKind
    from worker.settings import Settings
    from worker.store import Store

    store = Store.from_settings(Settings(data_dir=tmp_path, redis_url=None, database_url=None))
    failed, _ = store.add_document(b"failed", "failed.pdf", "pdf")
    store.mark_failed(failed, "truncated PDF")
    done, _ = store.add_document(b"done", "done.pdf", "pdf")
    store.save_result(Document(doc_id=done, pages=1), [], DocStatus.needs_review)
    store.save_sections(done, [Section(section_id="s1", kind=SectionKind.narrative_targets,
                                       title="绩效目标", text="目标", reason="narrative")], {})
    code = ("import json, sys\nfrom worker.cli import app\napp(['status'], standalone_mode=False)\n"
            "print(json.dumps(sorted(sys.modules)))")
    env = {**os.environ, "BUDGETLENS_DATA_DIR": str(tmp_path), "BUDGETLENS_REDIS_URL": "",
           "BUDGETLENS_DATABASE_URL": "", "COLUMNS": "200"}
    out = run_python(code, cwd=ROOT, env=env)
    assert "1 LLM sections pending in 1 documents" in out and "truncated PDF" in out  # it ran
    loaded = set(json.loads(out.splitlines()[-1]))
    assert not [m for m in STATUS_HEAVY if m in loaded]
