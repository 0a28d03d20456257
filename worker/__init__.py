"""budgetlens worker: documents in, reviewed structured data out. The map, one package per
concern; imports flow down this list and never up (tests/test_import_graph.py checks it).

    settings.py errors.py layout.py   core: the one Settings, every exception (tree in its
    terminal.py                       docstring), the layout IR every reader produces, text
                                      from outside made inert for a terminal
    formats/      a loaded document → Layout: pdf/ (PyMuPDF: words, rulings, grids, stream
                  tables), docx.py, sheet.py (XLSX, XLS: a sheet is a page; numfmt.py prints a
                  cell as its format says), text.py; `reading()` maps a library's failure to
                  rejection; caps.py: zip, XML, text and cell caps checked before they cost
    ocr/          pages without a usable text layer → words and rulings → a clean page for pdf/
    tables/       Layout → the standard tables (titles, headers, rows, numbers; one wan_of)
    narrative/    figures stated in sentences
    rules/        the check catalogue: rules as data (catalogue.yaml), small templates
    pipeline/     pure, bytes → Outcome: load → chunk → extract → check, and the irregular
                  sections for the LLM; Options built once from Settings
    store/        SQLite / PostgreSQL: documents, results, audit log, the LLM cache and ledger
    llm/          the irregular sections through an OpenAI-compatible endpoint
    runtime/      Redis and RQ: the queue, the jobs, worker processes and their supervisor
    jobs.py       the RQ dotted paths stored with queued jobs (`worker.jobs.*`) → runtime/jobs
    services/     use cases the CLI and the UI share: Services, submit, review, export, accounts
    cli.py        the `budgetlens` command

    formats → core          ocr → formats           tables, narrative, rules, store → core
    llm → store             pipeline → formats, ocr, tables, narrative, rules
    runtime → pipeline, llm, store                  services → pipeline, runtime, store, …
    cli → services, runtime, llm                    ui/ (outside worker/) → services, store
"""

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType


class _Extras(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import pymupdf` imports two packages that pip installs with it: its layout analyser
    (pymupdf_layout), which loads an ONNX model into the process, and pymupdf4llm (Markdown).
    ~1.4 s of import, onnxruntime and ~70 MB in every worker — a bigger process to fork per
    job — for what nothing here uses (Page.get_layout, find_tables on that layout, to_markdown).
    Their import fails here (PyMuPDF carries on without them), but the global MuPDF settings
    their import makes are kept, since every reading so far was made with them: no quad
    corrections on char boxes, MuPDF's messages not printed (pymupdf4llm's, at its import)."""

    NAMES = frozenset({"pymupdf.layout", "pymupdf4llm"})

    def find_spec(self, name: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name in self.NAMES else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        tools = getattr(sys.modules.get("pymupdf"), "TOOLS", None)
        if tools is not None:  # pymupdf4llm is imported once TOOLS exists
            tools.unset_quad_corrections(True)
            tools.mupdf_display_errors(False)
            tools.mupdf_display_warnings(False)
        raise ImportError(f"{module.__name__} is not loaded by budgetlens (worker/__init__.py)")


if "pymupdf" not in sys.modules:  # else they are loaded (with their settings) already
    sys.meta_path.insert(0, _Extras())
