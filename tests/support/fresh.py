"""Python code run in a fresh interpreter: the test process has imported and run other tests' work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_python(code: str, *args: str, cwd: Path | None = None,
               env: dict[str, str] | None = None, timeout: float = 1200) -> str:
    """What `code` printed; it must exit 0 (its stderr is the failure message)."""
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout
