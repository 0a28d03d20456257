"""File names reach the terminal as text: rich markup, escape codes, carriage returns, bells,
bidi overrides, emoji codes and undecodable bytes in a name neither style, repaint nor crash
any command's output (issue 15). Real files with those names on disk, the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from worker.settings import Settings

TEXT = "一、部门预算情况说明\n本部门2026年收入预算合计1,234.56万元。\n".encode()
# name → what the terminal must show for it
ODD = {
    "a[/x]b.txt": "a[/x]b.txt",  # a folder 'a[' holding 'x]b.txt': closes a tag never opened
    "[bold]粗体[/bold].txt": "[bold]粗体[/bold].txt",
    "[link=mailto:a@b.c]点我[/link].txt": "[link=mailto:a@b.c]点我[/link].txt",
    "esc\x1b[31mred\x1b[0m.txt": "esc\\x1b[31mred\\x1b[0m.txt",
    "cr\roverwritten\x07bell\x08.txt": "cr\\x0doverwritten\\x07bell\\x08.txt",
    "bidi\u202etxt.exe\u2066.txt": "bidi\\u202etxt.exe\\u2066.txt",
    ":thumbs_up: 预算.txt": ":thumbs_up: 预算.txt",
    "bad\udcff名.txt": "bad\\xff名.txt",  # the byte 0xff, not UTF-8: stored and shown as \xff
}
RAW = ("\x1b", "\r", "\x07", "\x08", "\u202e", "\u2066", "👍")


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUDGETLENS_", "FORCE_COLOR"))}
    env |= {"BUDGETLENS_DATA_DIR": str(settings.data_dir),
            "BUDGETLENS_REDIS_URL": str(settings.redis_url), "BUDGETLENS_JOB_RETRIES": "0",
            "BUDGETLENS_LOG_LEVEL": "WARNING", "COLUMNS": "400", "TERM": "dumb"}
    out = subprocess.run([sys.executable, "-m", "worker.cli", *args], env=env,
                         capture_output=True, timeout=600)
    text = subprocess.CompletedProcess(out.args, out.returncode,
                                       out.stdout.decode("utf-8", "surrogateescape"),
                                       out.stderr.decode("utf-8", "surrogateescape"))
    assert out.returncode == 0, text.stdout + text.stderr
    for raw in RAW:  # nothing of a name's reaches the terminal raw (no colour: TERM=dumb)
        assert raw not in text.stdout + text.stderr, (raw, text.stdout + text.stderr)
    return text


def _inbox(root: Path) -> Path:
    """Every odd name: a text the worker reads, and the same name with NUL bytes (it fails,
    so `status` lists it with its reason)."""
    inbox = root / "in"
    for i, name in enumerate(ODD):
        for folder, data in (("good", TEXT + f"\n{i}\n".encode()), ("bad", b"\x00" * 8 + bytes([i]))):
            path = inbox / folder / name  # written with surrogateescape: the byte 0xff
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return inbox


@pytest.mark.slow
def test_odd_names_through_run_status_requeue_export(settings: Settings, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    bad = [str(inbox / "bad" / name) for name in ODD]  # as given on the command line
    submitted = _cli(settings, "submit", *bad)
    assert f"{len(ODD)} queued, 0 duplicate, 0 rejected" in submitted.stdout
    for shown in ODD.values():
        assert f"bad/{shown}" in submitted.stdout

    run = _cli(settings, "run", str(inbox), "--workers", "1")  # progress, then the summary
    assert f"{len(ODD)} queued, {len(ODD)} duplicate, 0 rejected" in run.stdout
    for shown in ODD.values():
        assert f"good/{shown}" in run.stdout
        assert f"failed {inbox}/bad/{shown}: not a text file" in run.stdout
    status = _cli(settings, "status")
    for shown in ODD.values():
        assert f"bad/{shown}: not a text file: it contains NUL bytes" in status.stdout
    assert status.stdout.count("failed ") >= len(ODD)

    requeue = _cli(settings, "requeue", "--failed")
    assert f"{len(ODD)} failed documents requeued" in requeue.stdout
    out = tmp_path / "out[/x]\x1b[2J"
    export = _cli(settings, "export", "--format", "csv", "--out", str(out))
    assert (out / "documents.csv").is_file()
    assert "out[/x]\\x1b[2J/" in export.stdout
