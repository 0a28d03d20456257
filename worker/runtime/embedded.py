"""Where the embedded redis-server lives and listens, known without the Redis client: `budgetlens
status` asks whether one can be up before it imports redis and RQ (worker/runtime/queue.py runs
the server)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from worker.settings import Settings

_SOCKET_MAX = 100  # AF_UNIX paths are limited to ~108 bytes


def server_root(settings: Settings) -> Path:
    return (settings.data_dir / "redis").resolve()


def socket_path(root: Path) -> Path:
    sock = root / "redis.sock"
    if len(str(sock)) > _SOCKET_MAX:
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
        sock = Path(tempfile.gettempdir()) / f"budgetlens-{digest}.sock"
    return sock


def may_be_up(settings: Settings) -> bool:
    """False when no Redis can answer: no external one set, and no embedded socket."""
    return bool(settings.redis_url) or socket_path(server_root(settings)).exists()
