"""A throwaway PostgreSQL server for the tests, from Debian's `postgresql` package.

    server = PostgresServer.start()      # initdb + postgres on a unix socket under /tmp
    url = server.create_database()       # a fresh, empty database per test
    server.drop_database(url)
    server.stop()                        # fast shutdown, data dir removed

initdb and postgres refuse to run as root (CI runs as root), so as root they run as the
`postgres` system user the package creates (`nobody` if it is missing); as anyone else, as
themselves. The server listens on a unix socket only (no port to collide with), with durability
off: it lives for one test session. It is started with PR_SET_PDEATHSIG, so even a SIGKILLed
pytest does not leave it running.

`BUDGETLENS_TEST_POSTGRES_URL` (an admin URL, e.g. postgresql://postgres@db:5432/postgres)
uses an existing server instead; the per-test databases are created and dropped on it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

EXTERNAL_URL_ENV = "BUDGETLENS_TEST_POSTGRES_URL"
_DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
_INITDB = ("-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
_FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200")
_PR_SET_PDEATHSIG = 1


class PostgresUnavailable(Exception):
    """No way to get a PostgreSQL server here (the message says what to install)."""


def find_bindir() -> Path:
    """The newest Debian server install, else `postgres`/`initdb` on PATH."""
    found = [p for p in Path("/").glob(_DEBIAN_BINDIRS.lstrip("/")) if (p / "postgres").exists()]
    if found:
        return max(found, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))
    on_path = shutil.which("postgres")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries: `apt-get install postgresql` "
        f"(or set {EXTERNAL_URL_ENV} to an existing server)"
    )


def _server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: None = ourselves; as root, an unprivileged system user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root and neither a `postgres` nor a `nobody` user exists")


def _die_with_parent() -> None:
    # runs in the child after setuid (a uid change would clear the setting), before exec
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)


class PostgresServer:
    def __init__(
        self, admin_url: str, root: Path | None = None, proc: subprocess.Popen[bytes] | None = None
    ) -> None:
        self.admin_url = admin_url  # SQLAlchemy URL of the `postgres` maintenance database
        self.root = root  # our data dir + socket dir (None for an external server)
        self.proc = proc

    @classmethod
    def start(cls, timeout: float = 60) -> PostgresServer:
        if external := os.environ.get(EXTERNAL_URL_ENV):
            server = cls(str(make_url(external).set(drivername="postgresql+psycopg")))
            server._wait(timeout)
            return server
        bindir, user = find_bindir(), _server_user()
        root = Path(tempfile.mkdtemp(prefix="blpg-"))  # short: a socket path has ~100 bytes
        (root / "sock").mkdir()
        if user is not None:
            for path in (root, root / "sock"):
                os.chown(path, user.pw_uid, user.pw_gid)
        try:
            return cls._boot(bindir, user, root, timeout)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise

    @classmethod
    def _boot(
        cls, bindir: Path, user: pwd.struct_passwd | None, root: Path, timeout: float
    ) -> PostgresServer:
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
        initdb = subprocess.run(
            [bindir / "initdb", "-D", root / "data", *_INITDB],
            cwd=root,
            capture_output=True,
            text=True,
            **as_user,
        )  # type: ignore[call-overload]
        if initdb.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {initdb.stderr.strip()}")
        options = [arg for opt in _FAST for arg in ("-c", opt)]
        with (root / "postgres.log").open("wb") as log:  # the server keeps its own handle
            proc = subprocess.Popen(
                [bindir / "postgres", "-D", root / "data", "-k", root / "sock", "-h", "", *options],
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                **as_user,
            )  # type: ignore[call-overload]
        url = f"postgresql+psycopg://postgres@/postgres?host={root / 'sock'}"
        server = cls(url, root, proc)
        server._wait(timeout)
        return server

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._admin("SELECT 1")
                return
            except Exception as exc:  # psycopg.OperationalError until it accepts connections
                failed = self.proc is not None and self.proc.poll() is not None
                if failed or time.monotonic() > deadline:
                    log = self.log()  # before stop() removes it
                    self.stop()
                    raise PostgresUnavailable(f"PostgreSQL did not start: {exc}\n{log}") from exc
                time.sleep(0.05)

    def log(self) -> str:
        path = self.root and self.root / "postgres.log"
        return path.read_text(errors="replace")[-2000:] if path and path.exists() else ""

    def _admin(self, sql: str) -> None:
        import psycopg  # the `postgres` extra; imported late so a missing one skips, not errors

        # the SQLAlchemy URL minus the driver is a libpq URI (`?host=` names the socket dir)
        conninfo = make_url(self.admin_url).set(drivername="postgresql")
        with psycopg.connect(
            conninfo.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self) -> str:
        """A new empty UTF-8 database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        # FORCE: the test's engines may still hold pooled connections
        self._admin(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: disconnects clients, no wait
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
