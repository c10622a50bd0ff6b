"""The readiness check of the work-order database (``checks.database`` of ``/readyz``), run in the background
every few seconds (``hub.system.health.database_probe``); it raises while the database fails:

1. a SQLite file: the path still names the file the store opened (``database_file.FileIdentity``); deleted, moved
   away or replaced while the hub runs, the check fails naming the path, with one ERROR line when it starts;
2. ``SELECT 1`` on a connection of the store's pool (``ping``: the caller's, e.g. ``hub.system.health.ping``);
3. the store's last write failed more recently than its last write succeeded (``write_health``): the check fails
   with the error's text (a full disk, a read-only file) until one of the store's own writes succeeds (a hub
   running the workflow writes at least every 10 s: ``hub.workflow.rule_agreement``);
4. a SQLite file: a write while the database is idle (``database_file.write_probe``), rolled back: ``BEGIN
   IMMEDIATE`` alone succeeds on a read-only file; a writer at work leaves it out (the store is then not idle, and
   its writes are followed). It never clears a failure: on a nearly full disk a write of one page may find room
   (the ``-wal`` reused after a checkpoint) where the store's transactions do not, measured.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from hub.observability.quiet import short_reason
from hub.workflow.store.database_file import DatabaseFileChanged, FileIdentity, write_probe
from hub.workflow.store.write_health import WriteHealth

__all__ = ["DatabaseCheck", "WritesFailing", "select_one"]

log = logging.getLogger("onepoint.workflow.store")


class WritesFailing(RuntimeError):
    """The store's last write failed and none succeeded since."""


def select_one(engine: Engine) -> None:
    """``SELECT 1`` on a connection of ``engine``'s pool (the one the store uses)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


class DatabaseCheck:
    """``check()`` raises while the work-order database cannot be used (see the module's docstring)."""

    def __init__(self, engine: Engine, writes: WriteHealth, identity: FileIdentity | None,
                 ping: Callable[[Engine], None] | None = None) -> None:
        self.engine = engine
        self.ping = ping or select_one
        self.writes = writes
        self.identity = identity
        self._file_lost = False  # said once, when the file first went missing or changed

    def __call__(self) -> None:
        self.check()

    def check(self) -> None:
        if self.identity is not None:
            self._check_file(self.identity)
        self.ping(self.engine)
        if self.identity is not None:
            self._probe_writes(self.identity.path)
        failing = self.writes.failing()
        if failing is not None:
            raise WritesFailing(f"the last write of the work-order database failed: {failing}")

    def _check_file(self, identity: FileIdentity) -> None:
        try:
            identity.check()
        except DatabaseFileChanged as exc:
            if not self._file_lost:
                self._file_lost = True
                log.error("the work-order database file is not the one the hub opened",
                          extra={"path": str(identity.path), "reason": str(exc)})
            raise
        self._file_lost = False

    def _probe_writes(self, path: Path) -> None:
        try:
            write_probe(path)
        except sqlite3.Error as exc:
            self.writes.failed(short_reason(exc))
