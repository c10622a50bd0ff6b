"""Which processes have a SQLite work-order file open for writing: each holds a shared ``flock`` on
``<file>.hub-lock`` beside it for as long as its store is open (``WorkOrderStore.open``, not the reading commands'
``reading=True``), and ``onepoint workorders copy`` takes it exclusive, without waiting, for as long as it reads
the file. The copy is thus refused while any hub process runs on the file — whatever it runs (a workflow worker
that leaves publishing to another holds no ``<file>.publisher-lock``), and a hub process started during a copy
stops at once, naming it, instead of writing what the copy would leave behind. The operating system lets a lock go
when its process dies. PostgreSQL and a SQLite memory database have no lock file (None).

Why a file lock and not SQLite's own: a hub holds no transaction open while idle, so nothing in the database says
that one will write the next moment.
"""

from __future__ import annotations

import fcntl
import logging
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.engine import URL

__all__ = ["HUB_LOCK", "HubLock", "HubRunning", "StoreBeingCopied", "lock_file_beside", "no_hub_running_on"]

log = logging.getLogger("onepoint.workflow.store")

HUB_LOCK = ".hub-lock"  # beside the file, as the event publisher's ``.publisher-lock``


class StoreBeingCopied(RuntimeError):
    """A hub process opening the file found ``onepoint workorders copy`` reading it."""


class HubRunning(RuntimeError):
    """The copy found a hub process holding the file open for writing (``lock``: the lock file it holds)."""

    def __init__(self, database: Path, lock: Path) -> None:
        super().__init__(f"a hub still runs on {database} (it holds {lock.name}): stop the hub and its workers, let "
                         "the queues empty, then copy")
        self.database, self.lock = database, lock


def lock_file_beside(url: URL, suffix: str) -> Path | None:
    """``<file><suffix>`` beside a SQLite file, also one named as a URI (``sqlite:///file:/x/wo.db?uri=true``); None
    for PostgreSQL and a memory database (one process)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database.startswith("file:"):
        database = database[len("file:"):]
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(f"{database}{suffix}")


class HubLock:
    """The shared lock of one process with the file open for writing; ``release`` lets it go (the store's close),
    as does the lock's collection (a store dropped unclosed: nothing of it writes any more)."""

    def __init__(self, descriptor: int) -> None:
        self._release = weakref.finalize(self, os.close, descriptor)  # closing the descriptor lets the lock go

    @classmethod
    def hold(cls, url: URL) -> HubLock | None:
        """Take the lock shared; None where there is no lock file, or it cannot be opened (said, and the process
        goes on: a copy then cannot see it). ``StoreBeingCopied`` while a copy holds it."""
        path = lock_file_beside(url, HUB_LOCK)
        if path is None:
            return None
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # held open: it is the lock
        except OSError as exc:
            log.warning("cannot open the work-order file's hub lock: `onepoint workorders copy` would not see this "
                        "process", extra={"path": str(path), "error": f"{type(exc).__name__}: {exc}"})
            return None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise StoreBeingCopied(f"`onepoint workorders copy` is reading {str(path)[:-len(HUB_LOCK)]} (it "
                                   f"holds {path.name}): start the hubs once it has ended, on the database it "
                                   "copies into") from None
        return cls(descriptor)

    def release(self) -> None:
        self._release()


def _opened(path: Path) -> IO[bytes] | None:
    """The lock file opened (created when missing); read-only where it may not be created; None: no lock file and
    none can be made (a folder the copy may not write: no hub of this release could lock there either)."""
    try:
        return path.open("ab")
    except OSError:
        try:
            return path.open("rb")
        except OSError:
            return None


@contextmanager
def no_hub_running_on(database: Path) -> Iterator[None]:
    """Hold ``<database>.hub-lock`` exclusive for the block; ``HubRunning`` at once when a hub process holds it."""
    path = Path(f"{database}{HUB_LOCK}")
    opened = _opened(path)
    if opened is None:
        yield
        return
    with opened:
        try:
            fcntl.flock(opened.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HubRunning(database, path) from None
        yield
