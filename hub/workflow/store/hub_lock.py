"""Which processes have a SQLite work-order file open for writing: each holds a shared ``flock`` on
``<file>.hub-lock`` beside it for as long as its store is open (``WorkOrderStore.open``, not the reading commands'
``reading=True``), and ``onepoint workorders copy`` takes it exclusive, without waiting, for as long as it reads
the file. The copy is thus refused while any hub process runs on the file — whatever it runs (a workflow worker
that leaves publishing to another holds no ``<file>.publisher-lock``), and a hub process started during a copy
stops at once, naming it, instead of writing what the copy would leave behind. The operating system lets a lock go
when its process dies. PostgreSQL and a SQLite memory database have no lock file (None). The lock file outlives its
processes: a missing work-order file beside it is a lost database, refused at start (``database_file``).

Why a file lock and not SQLite's own: a hub holds no transaction open while idle, so nothing in the database says
that one will write the next moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from hub.database.file_locks import SharedFileLock, exclusive_file_lock

__all__ = ["HUB_LOCK", "HubLock", "HubRunning", "StoreBeingCopied", "lock_file_beside", "no_hub_running_on"]

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
    """The shared lock of one process with the file open for writing (``hub.database.file_locks``)."""

    @staticmethod
    def hold(url: URL) -> SharedFileLock | None:
        """Take the lock shared; None where there is no lock file, or it cannot be opened (said, and the process
        goes on: a copy then cannot see it). ``StoreBeingCopied`` while a copy holds it."""
        path = lock_file_beside(url, HUB_LOCK)
        if path is None:
            return None

        def copying() -> StoreBeingCopied:
            return StoreBeingCopied(f"`onepoint workorders copy` is reading {str(path)[:-len(HUB_LOCK)]} (it holds "
                                    f"{path.name}): start the hubs once it has ended, on the database it copies into")

        return SharedFileLock.hold(path, unseen_by="`onepoint workorders copy`", busy=copying)


@contextmanager
def no_hub_running_on(database: Path) -> Iterator[None]:
    """Hold ``<database>.hub-lock`` exclusive for the block; ``HubRunning`` at once when a hub process holds it."""
    path = Path(f"{database}{HUB_LOCK}")
    with exclusive_file_lock(path, lambda: HubRunning(database, path)):
        yield
