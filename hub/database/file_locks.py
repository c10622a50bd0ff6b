"""The lock file beside a SQLite file that tells who has it open for writing: each writer holds a shared ``flock``
on it for as long as it has the file open (``SharedFileLock``), and an operator's command that must be alone with
the file (a copy, an archive) takes it exclusive, without waiting (``exclusive_file_lock``). The operating system
lets a lock go when its process dies. Used for the work-order files (``hub.workflow.store.hub_lock``) and the
SQLite audit log (``hub.audit.writers_lock``).

Why a file lock and not SQLite's own: a writer holds no transaction open while idle, so nothing in the database says
that it will write the next moment.
"""

from __future__ import annotations

import fcntl
import logging
import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["SharedFileLock", "exclusive_file_lock"]

log = logging.getLogger("onepoint.database")


class SharedFileLock:
    """One process's shared lock on a lock file; ``release`` lets it go, as does the lock's collection (an owner
    dropped unclosed: nothing of it writes any more)."""

    def __init__(self, descriptor: int) -> None:
        self._release = weakref.finalize(self, os.close, descriptor)  # closing the descriptor lets the lock go

    @classmethod
    def hold(cls, path: Path, *, unseen_by: str, busy: Callable[[], Exception]) -> SharedFileLock | None:
        """Take ``path``'s lock shared; None when the file cannot be opened (a WARNING says that ``unseen_by``, the
        command the lock is for, will not see this process, and the process goes on); ``busy()`` is raised while
        that command holds it exclusive."""
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # held open: it is the lock
        except OSError as exc:
            log.warning(f"cannot open the lock file {path.name}: {unseen_by} would not see this process",
                        extra={"path": str(path), "error": f"{type(exc).__name__}: {exc}"})
            return None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise busy() from None
        return cls(descriptor)

    def release(self) -> None:
        self._release()


def _opened(path: Path) -> IO[bytes] | None:
    """The lock file opened (created when missing); read-only where it may not be created; None: no lock file and
    none can be made (a folder the command may not write: no writer could lock there either)."""
    try:
        return path.open("ab")
    except OSError:
        try:
            return path.open("rb")
        except OSError:
            return None


@contextmanager
def exclusive_file_lock(path: Path, busy: Callable[[], Exception]) -> Iterator[None]:
    """Hold ``path``'s lock exclusive for the block; ``busy()`` is raised at once while a writer holds it."""
    opened = _opened(path)
    if opened is None:
        yield
        return
    with opened:
        try:
            fcntl.flock(opened.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy() from None
        yield
