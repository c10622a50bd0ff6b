"""The SQLite work-order file on disk: the one this process opened, one it can write, and not a new empty one in
place of a lost one.

* **Lost at start** (``refuse_lost_database``): ``<file>.hub-lock`` says a work-order store was opened on the file
  (``mark_opened``, written once it migrated) and the file is gone (deleted, moved away by a restore that did not
  finish) or holds no work orders (a store sharing the file made a new one first). SQLite would create a new, empty
  database there and the hub would answer on it as if nothing had been; it is refused instead, naming the file and
  the two ways out: restore it from a backup, or remove the lock file to start with an empty database. A fresh
  folder has no lock file, or one without the mark (another store's, a start that stopped before migrating,
  processes started together): the file is created.
* **Not writable at start** (``refuse_unwritable``): a file (or its folder: the ``-wal`` and ``-shm`` beside it)
  the process may not write — a restore with the wrong owner or mode, a read-only mount, ``chattr +i`` — is refused
  naming it; before, the hub started, ``/readyz`` said ``ok`` and every work-order command was answered 503.
  ``BEGIN IMMEDIATE`` alone succeeds on a read-only file, so the check writes: ``write_probe``.
* **Replaced while running** (``FileIdentity``): the file's ``(st_dev, st_ino)`` when the store was opened, compared
  by the readiness check with the path's now. A file deleted or moved away under a running hub leaves SQLite
  writing into the unlinked inode (every commit "succeeds" and is lost at the next start); a different file at the
  path (a restore's ``mv``) is not the one this process writes either.

``write_probe`` is the readiness check's write: on a connection of its own (``mode=rw``: never creates the file;
a 0.2 s busy timeout: a writer at work means the database is not idle, and is no failure), ``BEGIN IMMEDIATE``,
``PRAGMA user_version`` set to its own value (a write of the header page: refused on a read-only file), then
``ROLLBACK``.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL

from hub.workflow.store.hub_lock import HUB_LOCK, lock_file_beside
from hub.workflow.store.write_health import cannot_write

__all__ = [
    "DatabaseFileChanged",
    "DatabaseFileLost",
    "DatabaseNotWritable",
    "FileIdentity",
    "connect_for_writing",
    "database_file",
    "guard_opening",
    "mark_opened",
    "refuse_lost_database",
    "refuse_unwritable",
    "write_probe",
]

OPENED_MARK = "work-order store opened"  # written into the .hub-lock once a store migrated the file (``mark_opened``)
PROBE_BUSY_SECONDS = 0.2  # the write probe's wait for SQLite's write lock: longer, a writer is at work


class DatabaseFileLost(RuntimeError):
    """At start: the work-order file is missing though a hub ran on it (its ``.hub-lock`` lies beside it)."""

    def __init__(self, path: Path) -> None:
        lock = Path(f"{path}{HUB_LOCK}")
        super().__init__(f"the work-order database {path} is missing, though a hub ran on it ({lock.name} lies "
                         "beside it): a new, empty database would be made in its place. Restore it from a backup "
                         "(README: Backup and restore), or remove " + str(lock) + " to start with an empty "
                         "database")
        self.path = path


class DatabaseNotWritable(RuntimeError):
    """At start: the process may not write the work-order file (or its folder)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"the work-order database {path} cannot be written by this process ({reason}): every "
                         "work-order command would fail; give the hub's user write access to the file and its "
                         "folder (a restore keeps the backup's owner and mode)")
        self.path, self.reason = path, reason


class DatabaseFileChanged(RuntimeError):
    """While running: the path no longer names the file this process opened."""


def database_file(url: URL) -> Path | None:
    """The SQLite file ``url`` names (also as a URI); None for PostgreSQL and a memory database."""
    return lock_file_beside(url, "")


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """The file at ``path`` when the store was opened: its device and inode."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        try:
            found = os.stat(path)
        except OSError:
            return None
        return cls(path.absolute(), found.st_dev, found.st_ino)

    def check(self) -> None:
        """``DatabaseFileChanged`` when ``path`` is missing or another file than the one opened."""
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            raise DatabaseFileChanged(f"the work-order database {self.path} is gone (deleted or moved away while "
                                      "the hub runs): what it writes now is lost at the next start") from None
        if (now.st_dev, now.st_ino) != (self.device, self.inode):
            raise DatabaseFileChanged(f"the work-order database {self.path} is another file than the one this "
                                      "process opened (replaced while the hub runs): restart the hub to use it")


def refuse_lost_database(path: Path) -> None:
    """``DatabaseFileLost`` when ``path``'s ``.hub-lock`` says a work-order store was opened on it (``mark_opened``)
    and the file is missing, or holds no work orders' table: another store sharing the file ([security]
    ``nonce_store``, ``[workers] processed_store``, ``[bulletin]`` or ``[audit]`` on "workflow") may have made a new
    file at the path first. A lock file without the mark (another store's, or a start that failed before migrating:
    processes started together on a fresh folder) is no sign of a lost database."""
    lock = Path(f"{path}{HUB_LOCK}")
    try:
        marked = OPENED_MARK in lock.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return  # no lock file (a fresh folder), or none readable
    if marked and not _holds_work_orders(path):
        raise DatabaseFileLost(path.absolute())


def guard_opening(path: Path) -> None:
    """The checks before a work-order store opens ``path`` for writing: ``refuse_lost_database``,
    ``refuse_unwritable``."""
    refuse_lost_database(path)
    refuse_unwritable(path)


def mark_opened(path: Path) -> None:
    """Say in ``path``'s ``.hub-lock`` that a work-order store was opened (migrated) on the file; once."""
    lock = Path(f"{path}{HUB_LOCK}")
    try:
        if OPENED_MARK not in lock.read_text(encoding="utf-8", errors="replace"):
            with lock.open("a", encoding="utf-8") as written:
                written.write(OPENED_MARK + "\n")
    except OSError:
        pass  # a lock file that cannot be written: the guard is off for this file, as before it existed


def _holds_work_orders(path: Path) -> bool:
    """Whether the SQLite file ``path`` exists and has the ``work_orders`` table (read-only: never creates it)."""
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True, timeout=5)) as db:
            found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'work_orders'").fetchone()
    except sqlite3.Error:
        return True  # unreadable now (locked, corrupt): not judged lost here; the start's own opening says why
    return found is not None


def refuse_unwritable(path: Path) -> None:
    """``DatabaseNotWritable`` when the folder of ``path``, or ``path`` itself when it exists, may not be written
    (the permission bits for this user, then a real write: ``write_probe``)."""
    folder = path.absolute().parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseNotWritable(path.absolute(), f"its folder {folder} is not writable")
    if not path.exists():
        return
    if not os.access(path, os.W_OK):
        raise DatabaseNotWritable(path.absolute(), "the file is not writable")
    try:
        write_probe(path)
    except sqlite3.Error as exc:
        if cannot_write(exc):  # another fault (a file that is no database) is said by the store's own open
            raise DatabaseNotWritable(path.absolute(), f"{type(exc).__name__}: {exc}") from None


def connect_for_writing(path: Path) -> sqlite3.Connection:
    """The probe's own connection: never creates the file (``mode=rw``), waits ``PROBE_BUSY_SECONDS`` for the lock."""
    return sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=PROBE_BUSY_SECONDS,
                           isolation_level=None, check_same_thread=False)


def write_probe(path: Path) -> bool:
    """Write the file's header page and roll back: raises what SQLite refuses (``sqlite3.Error``); False when a
    writer holds the write lock (the database is busy, not failing), True when written."""
    db = connect_for_writing(path)
    try:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") == "SQLITE_BUSY":
                return False
            raise
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("ROLLBACK")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return True
    finally:
        db.close()
