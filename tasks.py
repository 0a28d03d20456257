#!/usr/bin/env python3
"""Set-up and the two everyday commands, with nothing but Python ≥ 3.11 and pip:

    python3 tasks.py demo    # venv + install, then `budgetlens run samples/` on the bundled documents
    python3 tasks.py test    # venv + install (+ test-only system packages), then pytest

Both are idempotent: the venv is (re)installed only when pyproject.toml changed.
Extra arguments after `test` go to pytest (`python3 tasks.py test -k queue -x`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("BUDGETLENS_VENV", ROOT / ".venv"))
BIN = VENV / "bin"
EXTRAS = {"demo": "dev", "test": "dev,test"}  # test pulls in local-llm (a ~5 min compile)
# llama-cpp-python compiles llama.cpp; built for the build machine's CPU (GGML_NATIVE, the default)
# it uses AMX/AVX-512 kernels that segfault in llama_decode on the Xeons CI runs on. A portable
# AVX2 build is what every x86-64 machine of ours can run. (The env var reaches only a fresh
# build: a wheel already in pip's cache is reused as it is.)
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
# Debian packages the test-suite drives for real: the browser for UI tests, and a CJK font so
# its screenshots show Chinese. name → a file that exists once it is installed.
APT_TEST_PACKAGES = {
    "chromium": "/usr/bin/chromium",
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    # the second OCR engine (the default, RapidOCR, comes from PyPI)
    "tesseract-ocr": "/usr/bin/tesseract",
    "tesseract-ocr-chi-sim": "/usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata",
    # a throwaway server for the store tests (any major version: tests/support/pg.py finds it)
    "postgresql": "/usr/lib/postgresql",
}


def sh(*cmd: str | Path, **kw: object) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)  # type: ignore[arg-type]


def ensure_venv(extras: str) -> None:
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{digest[:16]}"
    if stamp.exists():
        return
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    env = os.environ | {"CMAKE_ARGS": os.environ.get("CMAKE_ARGS", LLAMA_CMAKE_ARGS)}
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{extras}]", env=env)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def ensure_apt(packages: dict[str, str]) -> None:
    """Install missing Debian packages when we can (root + apt); otherwise the tests that need
    them skip with a message (and fail under CI=true)."""
    missing = [name for name, path in packages.items() if not Path(path).exists()]
    if not missing:
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        print(f"note: not installing {', '.join(missing)} (needs root and apt-get); "
              "the tests that use them will skip", flush=True)
        return
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    sh("apt-get", "update", "-qq", env=env)
    sh("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def demo(args: list[str]) -> int:
    ensure_venv(EXTRAS["demo"])
    cli = BIN / "budgetlens"
    sh(cli, "run", ROOT / "samples", *args, cwd=ROOT)
    sh(cli, "status", cwd=ROOT)
    sh(cli, "export", "--format", "csv", "--out", ROOT / "out", cwd=ROOT)
    return 0


def test(args: list[str]) -> int:
    ensure_venv(EXTRAS["test"])
    ensure_apt(APT_TEST_PACKAGES)
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *args], cwd=ROOT)


def main() -> int:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
