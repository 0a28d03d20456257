"""budgetlens worker: documents in, reviewed structured data out. The map, one package per
concern; imports flow down this list and never up (tests/test_import_graph.py checks it).

    settings.py errors.py layout.py   core: the one Settings, every exception (tree in its
    terminal.py                       docstring), the layout IR every reader produces, text
                                      from outside made inert for a terminal
    formats/      a loaded document → Layout: pdf/ (PyMuPDF: words, rulings, grids, stream
                  tables), docx.py, text.py; `reading()` maps a library's failure to rejection;
                  caps.py: zip, XML and text caps checked before they cost
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
