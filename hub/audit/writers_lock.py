"""Which processes have a SQLite audit log open for writing, as the work-order files are guarded
(``hub.workflow.store.hub_lock``): each writer (a DSMP worker, the ingress writing its ``denied`` rows) holds a
shared ``flock`` on ``<log>.hub-lock`` beside the file for as long as its storage is open, and ``onepoint audit
archive`` takes it exclusive, without waiting, while it checkpoints, verifies and moves the file. The archive is
thus refused while any writer runs, and a writer started during an archive stops at once, naming it, instead of
creating a new log beside the one being moved. The operating system lets a lock go when its process dies.

Why a file lock and not SQLite's own: a writer holds no transaction open while idle, so nothing in the database
says that it will write the next moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.database.file_locks import SharedFileLock, exclusive_file_lock

__all__ = ["WRITERS_LOCK", "LogBeingArchived", "LogInUse", "WritersLock", "no_writer_on"]

WRITERS_LOCK = ".hub-lock"  # beside the file, as for the work-order files


class LogBeingArchived(RuntimeError):
    """A process opening the log for writing found ``onepoint audit archive`` moving it."""


class LogInUse(RuntimeError):
    """The archive found a process with the log open (``lock``: the lock file a writer holds, if that showed it)."""

    def __init__(self, log_path: Path, detail: str) -> None:
        super().__init__(f"the audit log {log_path} is still open: {detail}; stop every process that writes it (the"
                         " hub or `onepoint serve`, `onepoint worker dsmp`, and an ingress started with"
                         " --no-workers, which writes its denied rows), then archive")
        self.log_path = log_path


class WritersLock:
    """The shared lock of one process with the log open for writing (``hub.database.file_locks``)."""

    @staticmethod
    def hold(log_path: Path) -> SharedFileLock | None:
        """Take the lock shared; None when its file cannot be opened (said, and the process goes on: an archive
        then cannot see it). ``LogBeingArchived`` while an archive holds it."""
        path = Path(f"{log_path}{WRITERS_LOCK}")

        def archiving() -> LogBeingArchived:
            return LogBeingArchived(f"`onepoint audit archive` is moving the audit log {log_path} away (it holds"
                                    f" {path.name}; or `onepoint workorders copy` reads it, when the log lives in"
                                    " the work-order file): start once it has ended")

        return SharedFileLock.hold(path, unseen_by="`onepoint audit archive`", busy=archiving)


@contextmanager
def no_writer_on(log_path: Path) -> Iterator[None]:
    """Hold ``<log>.hub-lock`` exclusive for the block; ``LogInUse`` at once when a writer holds it."""
    path = Path(f"{log_path}{WRITERS_LOCK}")
    with exclusive_file_lock(path, lambda: LogInUse(log_path, f"a process writing it holds {path.name}")):
        yield
