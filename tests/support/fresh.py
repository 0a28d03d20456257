"""Python code run in a fresh interpreter: the test process has imported and run other tests' work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def env_without_settings() -> dict[str, str]:
    """This process's environment without any BUDGETLENS_* setting: a process started with it
    reads only the settings its test gives it (and the defaults)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BUDGETLENS_")}


def run_python(code: str, *args: str, cwd: Path | None = None,
               env: dict[str, str] | None = None, timeout: float = 1200) -> str:
    """What `code` printed; it must exit 0 (its stderr is the failure message)."""
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout
