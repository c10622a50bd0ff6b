"""The files of a SQLite audit log beside it (``-wal``, ``-shm``) and what the hub does when they are not as a log
leaves them: a file with no table at all is no log (``EmptyDatabaseFile``); a ``-wal`` or ``-shm`` without its
database file is the trace of a log renamed away while rows were still in its ``-wal``, and no new log is created
beside it (``OrphanedJournal``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EmptyDatabaseFile", "OrphanedJournal", "journal_files", "refuse_orphaned_journal"]


class EmptyDatabaseFile(FileNotFoundError):
    """The file holds no table at all (empty): no log, or the rows of a log moved away while they were still in
    its ``-wal`` file."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} holds no table at all (an empty file): no audit log")
        self.path = path


class OrphanedJournal(RuntimeError):
    """A ``-wal`` or ``-shm`` file lies where a new log would be created, without its database file."""


def journal_files(path: Path) -> list[Path]:
    """The ``-wal`` and ``-shm`` files beside ``path`` that exist."""
    return [found for found in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
            if found.exists()]


def refuse_orphaned_journal(path: Path) -> None:
    """A log is never created beside the -wal of a file moved away: SQLite would take its rows (another log's,
    sealed with another key) as this new file's, or the new log would overwrite them."""
    if path.exists():
        return
    left = journal_files(path)
    if left:
        names = " and ".join(found.name for found in left)
        verb = "lies" if len(left) == 1 else "lie"
        raise OrphanedJournal(f"{names} {verb} in {path.parent} without its database file {path.name}: it may hold the"
                              " newest rows of a log renamed or moved away while they were still in its -wal file;"
                              " put it back beside that log's file, named after it (OLD.db-wal), and check that log"
                              " with `onepoint audit verify`, or remove it if it belongs to no log. No new audit"
                              " log is created here until then (`onepoint audit archive` moves a log whole)")
