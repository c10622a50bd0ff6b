"""A private PostgreSQL cluster for tests: Debian's postgresql-15 binaries, a temporary data directory, a free port on
127.0.0.1 (no Unix socket outside the data directory), trust authentication for the ``postgres`` role.

PostgreSQL refuses to run as root: when the tests run as root, ``initdb`` and ``pg_ctl`` run as the ``postgres``
user the Debian package creates (``runuser -u postgres --``), and the data directory is given to that user.

If PostgreSQL is missing or does not start, ``PostgresStartError`` carries the reason and the server log. The session
fixture (``postgres_fixture``) turns that into a test *failure* when ``CI`` is set; elsewhere it skips with the reason
(``scripts/dev test`` installs the package, so a developer running the suite that way always has it).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from tests.support.rabbitmq_server import free_port

__all__ = ["BIN_DIR", "PostgresServer", "PostgresStartError", "postgres_fixture"]

BIN_DIR = Path("/usr/lib/postgresql/15/bin")
SERVICE_USER = "postgres"
TIMEOUT = 60.0


class PostgresStartError(RuntimeError):
    """The private cluster could not be created or started; the message says why (with the log)."""


class PostgresServer:
    """One private cluster. ``start()`` → ``url`` (SQLAlchemy, psycopg 3) → ``create_database()`` → ``close()``."""

    def __init__(self) -> None:
        if not (BIN_DIR / "initdb").exists():
            raise PostgresStartError(f"{BIN_DIR}/initdb is missing: install Debian's postgresql-15 (scripts/dev test)")
        self.base = Path(tempfile.mkdtemp(prefix="onepoint-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        self._started = False
        self._as_root = os.geteuid() == 0

    def url_for(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(BIN_DIR / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                              cwd=self.base, env={**os.environ, "LC_ALL": "C.UTF-8"})
        if done.returncode != 0:
            raise PostgresStartError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}\n{self.log_tail()}")
        return done

    def start(self) -> str:
        """Create the cluster (``initdb``) and start it; returns ``url``. Stops and cleans up on failure."""
        try:
            if self._as_root:
                owner = pwd.getpwnam(SERVICE_USER)
                os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                      "-E", "UTF8", "--locale=C.UTF-8")
            options = f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off -c full_page_writes=off"
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
            self._started = True
        except (KeyError, OSError, subprocess.SubprocessError, PostgresStartError) as exc:
            self.close()
            if isinstance(exc, PostgresStartError):
                raise
            raise PostgresStartError(f"private PostgreSQL did not start: {exc!r}\n{self.log_tail()}") from exc
        return self.url

    def create_database(self, name: str | None = None) -> str:
        """A new empty database in this cluster; returns its SQLAlchemy URL."""
        name = name or f"t_{secrets.token_hex(6)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        """Stop the cluster and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return "(no server log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def postgres_fixture() -> Iterator[PostgresServer]:
    """Body of the session fixture: a started cluster; without one a failure on CI, a skip with the reason elsewhere."""
    import pytest

    try:
        server = PostgresServer()
        server.start()
    except PostgresStartError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"private PostgreSQL did not start:\n{exc}", pytrace=False)
        pytest.skip(f"private PostgreSQL unavailable (CI unset, so skipped): {exc}")
    try:
        yield server
    finally:
        server.close()
