"""One event publisher per database (``hub.workflow.publisher``): on PostgreSQL a session advisory lock
(``try_lock_publisher``), held on a connection of its own and checked before every POST; on a SQLite file an
exclusive lock on ``<file>.publisher-lock`` beside it (``flock``), held while the publisher lives: two processes
on one file (two ``onepoint worker workflow`` started from one folder) had both POSTed every event, a listener
getting some twice. The operating system lets a lock go when its process dies. A SQLite memory database has one
process.

The lock lives as long as its session: a connection that broke (a network fault, ``idle_session_timeout``, an
administrator's ``pg_terminate_backend``, a failover) has lost it, and another hub process may have taken it. A
publisher that takes the lock over from another one (it found the lock held, or lost its own) is ``taking_over``
for one delivery deadline: the other's last POST, begun before it noticed, has ended by then.
"""

from __future__ import annotations

import fcntl
import logging
import time
from contextlib import suppress
from pathlib import Path
from typing import IO

from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.workflow.store.dialect import try_lock_publisher
from hub.workflow.store.hub_lock import lock_file_beside

__all__ = ["PublisherLock"]

log = logging.getLogger("onepoint.workflow.publisher")


class PublisherLock:
    def __init__(self, engine: Engine, *, deadline: float) -> None:
        self.engine, self.deadline = engine, deadline
        self._lock: Connection | None = None
        self._file: IO[bytes] | None = None  # SQLite: the open lock file, locked
        self._unlockable = False  # SQLite: the lock file could not be opened (said once)
        self._another = False  # another publisher held the lock (or ours was lost) since we last held it
        self._quiet_until = 0.0  # monotonic: no POST before it

    @property
    def taking_over(self) -> bool:
        return time.monotonic() < self._quiet_until

    def leader(self) -> bool:
        """Hold the lock (take it if it is free): True while this process is the database's publisher."""
        if self.engine.dialect.name != "postgresql":
            return self._file_lock()
        if self._lock is not None and self.held():
            return True
        connection = self.engine.connect()
        if try_lock_publisher(connection):
            self._lock = connection
            self._took_it()
            return True
        connection.close()
        self._another = True
        return False

    def _took_it(self) -> None:
        if self._another:  # the previous publisher's last POST may still be under way
            self._quiet_until = time.monotonic() + self.deadline
            self._another = False

    def _file_lock(self) -> bool:
        path = _lock_path(self.engine.url)
        if path is None or self._file is not None:
            return True
        try:
            opened = path.open("ab")  # held open: it is the lock
        except OSError as exc:  # a folder it may not write: publish as before the lock (never stop the events)
            if not self._unlockable:
                log.warning("cannot open the event publisher's lock file: this process publishes without it (a "
                            "second process on this database would publish too)", extra={
                                "path": str(path), "error": f"{type(exc).__name__}: {exc}"})
                self._unlockable = True
            return True
        try:
            fcntl.flock(opened.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another process on this file publishes
            opened.close()
            self._another = True
            return False
        self._file = opened
        self._took_it()
        return True

    def held(self) -> bool:
        """Still the publisher: the lock's session answers (SQLite: the file lock is held, or a memory database)."""
        if self.engine.dialect.name != "postgresql":
            return self._file is not None or self._unlockable or _lock_path(self.engine.url) is None
        if self._lock is None:
            return False
        try:
            self._lock.exec_driver_sql("SELECT 1")
            self._lock.commit()
            return True
        except SQLAlchemyError:
            log.warning("the event publisher's lock connection broke; it sends nothing until it holds the lock")
            self.release()
            self._another = True  # another process may have taken the lock meanwhile
            return False

    def release(self) -> None:
        if self._file is not None:  # closing the file lets the lock go
            self._file.close()
            self._file = None
        if self._lock is not None:  # the session ends (not back to the pool, lock held): the lock is let go
            with suppress(SQLAlchemyError):  # now, not when the server has ended the session (a broken one has)
                self._lock.exec_driver_sql("SELECT pg_advisory_unlock_all()")
                self._lock.commit()
            self._lock.invalidate()
            self._lock.close()
            self._lock = None


def _lock_path(url: URL) -> Path | None:
    """``<file>.publisher-lock`` beside a SQLite file, also one named as a URI (``sqlite:///file:/x/wo.db?uri=true``);
    None for a memory database (one process)."""
    return lock_file_beside(url, ".publisher-lock")
