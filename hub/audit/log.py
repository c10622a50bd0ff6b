"""``AuditLog``: append a query's audit row (committed before it returns), verify the chain, read the newest rows.

The caller sends SMS records only after :meth:`AuditLog.append` returned: the row is then on disk, so no record
leaves without its row. ``append`` raises (and nothing must be sent) when the row cannot be committed or when
the log's tail no longer matches its anchor (:class:`~hub.audit.storage.AuditIntegrityError`) or the log was
sealed with another key (:class:`~hub.audit.storage.AuditKeyMismatch`).

Where the log lives is ``[audit]``'s choice (:func:`open_storage`): the SQLite file at ``path`` (one machine), or
a database every hub and DSMP worker shares (``database``: ``"workflow"`` or a URL), one chain for all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import make_url

from hub.audit.chain import ChainKey
from hub.audit.entry import AuditEntry, AuditRecord, utc_text
from hub.audit.keys import AuditKeyError, load_chain_key
from hub.audit.postgres import AuditDatabaseUnavailable, PostgresAuditStorage
from hub.audit.sqlite import SQLiteAuditStorage
from hub.audit.sqlite_files import OrphanedJournal
from hub.audit.storage import CHAIN_BYTES, AuditStorage, Head, another_key, link_after
from hub.audit.verify import VerifyReport, verify_chain
from hub.audit.writers_lock import LogBeingArchived
from hub.config.settings import AuditSettings

__all__ = ["AuditLog", "open_storage", "sqlite_file"]

log = logging.getLogger("onepoint.audit")


def _now() -> datetime:
    return datetime.now(UTC)


def open_storage(settings: AuditSettings, *, create: bool = True) -> AuditStorage:
    """The storage ``[audit]`` names: PostgreSQL for a ``postgresql`` URL (``database``, or ``"workflow"`` on a
    PostgreSQL work-order database), else SQLite (the file at ``path``, or that of a ``sqlite:///`` URL).
    ``AuditDatabaseUnavailable``: the PostgreSQL database cannot be reached."""
    path = sqlite_file(settings)
    if path is None:
        assert settings.url is not None
        return PostgresAuditStorage.open(settings.url, create=create)
    try:
        return SQLiteAuditStorage(path, create=create)
    except (OrphanedJournal, LogBeingArchived) as exc:  # a writer stops, naming it, as for a database out of reach
        raise AuditDatabaseUnavailable(f"{settings.where}: {exc}") from None


def sqlite_file(settings: AuditSettings) -> Path | None:
    """The SQLite file ``[audit]`` names (``path``, or that of a ``sqlite:///`` URL); None for PostgreSQL."""
    url = settings.url
    if url is None:
        return settings.path
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise AuditDatabaseUnavailable(f"{settings.where}: the audit log is kept in a SQLite file (sqlite:///PATH)"
                                       " or in PostgreSQL")
    return Path(parsed.database)


class AuditLog:
    """The append-only, HMAC-chained audit trail of SMS-log queries over an :class:`AuditStorage`."""

    def __init__(self, storage: AuditStorage, key: ChainKey, clock: Callable[[], datetime] = _now) -> None:
        self.storage, self.key, self._clock = storage, key, clock

    @classmethod
    def open(cls, settings: AuditSettings, *, create: bool = True) -> AuditLog:
        """The log named by ``[audit]``; the key is checked first, so a misplaced key never creates a log.

        To write (``create``): a new log records the key's id now, and a log sealed with another key is refused
        (``AuditKeyError``: no row is ever sealed with a second key). Only to read (``create=False``: verify,
        show), nothing is written and ``verify`` reports another key itself."""
        key = load_chain_key(settings)
        storage = open_storage(settings, create=create)
        if create:
            try:
                recorded = storage.adopt_key_id(key.key_id)
            except BaseException:
                storage.close()
                raise
            if recorded is not None and recorded != key.key_id:
                storage.close()
                raise AuditKeyError(f"{settings.where}: {another_key(recorded, key.key_id)}")
        return cls(storage, key)

    def append(self, entry: AuditEntry) -> AuditRecord:
        """Seal and commit one row; return it once it is durable."""
        values = entry.values()
        record = self.storage.append(values, link_after(self.key, lambda: utc_text(self._clock()), values))
        log.debug("audit row committed", extra={"seq": record.seq, "operator": entry.operator,
                                                "outcome": str(entry.outcome), "rows": entry.rows_returned})
        return record

    def verify(self, *, expected_head: Head | None = None,
               progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Walk the whole chain; the report names the first bad row, if any."""
        return verify_chain(self.storage, self.key, expected_head=expected_head, progress=progress)

    def last(self, count: int) -> list[AuditRecord]:
        return self.storage.last(count)

    def head(self) -> Head:
        """The last row's sequence number and MAC: record it elsewhere to detect a rollback of the whole file."""
        newest = self.storage.last(1)
        if not newest:
            return Head.of_empty_log()
        with self.storage.snapshot() as snapshot:  # row 1 never changes once written
            first = next(iter(snapshot.records(start=1, limit=1)), None)
        chain = first.mac[:CHAIN_BYTES] if first is not None and first.seq == 1 else None
        return Head(newest[0].seq, newest[0].mac, chain)

    def count(self) -> int:
        return self.storage.count()

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
