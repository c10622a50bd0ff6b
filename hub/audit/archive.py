"""``onepoint audit archive``: move a SQLite audit log away whole, as a key change needs, leaving its path free.

A log in WAL mode is more than its file: after an unclean stop (SIGKILL, power loss) its newest rows are still in
``<log>-wal``. Renaming the file alone keeps a file without them (or no log at all) and leaves the ``-wal`` where a
new log would take it for its own. So the archive, with the writers' lock held exclusive (``writers_lock``: refused
while a hub, a DSMP worker or an ingress has the log open):

1. folds the ``-wal`` into the file (``PRAGMA wal_checkpoint(TRUNCATE)``) and switches the file out of WAL mode, which
   SQLite allows only when no other connection has it open, so no ``-wal`` or ``-shm`` is left or made again;
2. verifies the chain with the log's key, against its head (refused when it does not hold, unless ``unverified``);
3. moves the file to ``destination`` (never over a file there) and checks that nothing is left at its path.

A file that also holds other tables (the work-order database, with ``[audit] database = "workflow"``) is refused: the
archive moves a file of the audit log's own. PostgreSQL is not handled here (README: the tables are copied).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hub.audit.chain import ChainKey
from hub.audit.log import AuditLog
from hub.audit.sqlite import SQLiteAuditStorage
from hub.audit.sqlite_files import journal_files
from hub.audit.storage import Head
from hub.audit.verify import VerifyReport
from hub.audit.writers_lock import LogInUse, no_writer_on

__all__ = ["ArchiveRefused", "Archived", "archive_sqlite_log"]

AUDIT_TABLES = frozenset({"audit_log", "audit_anchor", "audit_key"})
EXCLUSIVE_WAIT_MS = 2000  # how long the switch out of WAL mode waits for a reader to finish


class ArchiveRefused(RuntimeError):
    """Nothing was moved; ``report``: the verification that failed, when that was the reason."""

    def __init__(self, message: str, report: VerifyReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class Archived:
    destination: Path
    rows: int
    head: Head
    report: VerifyReport


def archive_sqlite_log(path: Path, destination: Path, key: ChainKey, *, unverified: bool = False) -> Archived:
    """Checkpoint, verify and move the log at ``path`` to ``destination`` (see the module)."""
    if not path.is_file():
        raise ArchiveRefused(f"no audit log at {path}")
    if destination.is_dir():
        destination = destination / path.name
    if destination.exists() or journal_files(destination):
        raise ArchiveRefused(f"{destination} (or its -wal/-shm) already exists: the archive never writes over a file")
    if not destination.parent.is_dir():
        raise ArchiveRefused(f"{destination.parent} is no folder")
    with no_writer_on(path):
        _fold_journal(path)
        with AuditLog(SQLiteAuditStorage(path, create=False), key) as log:
            head = log.head()
            report = log.verify(expected_head=head)
        if not report.intact and not unverified:
            raise ArchiveRefused(f"{path} was not moved: {report.summary()}", report)
        shutil.move(str(path), str(destination))
        _sync_folder(destination.parent)
        _sync_folder(path.parent)
    left = journal_files(path)
    if left:  # a process that ignores the lock (a hub of an earlier release) opened the path meanwhile
        raise ArchiveRefused(f"{path} was moved to {destination}, but {', '.join(p.name for p in left)} appeared at"
                             " the old path: a process opened it meanwhile; stop it before starting with the new key")
    return Archived(destination, head.seq, head, report)


def _fold_journal(path: Path) -> None:
    """The ``-wal`` folded into the file and the file out of WAL mode (see the module); ``LogInUse`` when another
    connection has it open, ``ArchiveRefused`` for a file that is not the audit log's own."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout={EXCLUSIVE_WAIT_MS}")
        tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables & AUDIT_TABLES:
            raise ArchiveRefused(f"{path} holds no audit_log table (not an audit log): nothing moved")
        others = sorted(tables - AUDIT_TABLES - {"sqlite_sequence"})
        if others:
            raise ArchiveRefused(f"{path} holds other tables than the audit log's ({', '.join(others[:3])}...: the"
                                 " work-order database?): the archive moves a file of the audit log's own only")
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        mode = db.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.OperationalError as exc:
        raise LogInUse(path, f"another connection has it open ({exc}): an `onepoint audit` command, or a hub"
                       " of an earlier release that holds no lock") from None
    finally:
        db.close()
    if (busy is not None and busy[0]) or mode is None or str(mode[0]).lower() != "delete":
        raise LogInUse(path, "another connection has it open (its -wal could not be folded into the file)")


def _sync_folder(folder: Path) -> None:
    """The move made durable: the folder's entries flushed."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
