"""PostgreSQL audit storage: one chain for every hub and DSMP worker that shares the database (``[audit] database``).

With a SQLite file per machine each machine's DSMP worker writes a chain of its own; here every writer appends to
the one chain in ``onepoint_audit_log`` (``postgres_schema``), and one ``onepoint audit verify`` checks it.

Appends from several processes are serialized by a transaction-scoped advisory lock, taken before the head is
read: the transaction (READ COMMITTED, so every statement after the lock sees what the previous holder committed)
reads the head, the anchor and the key id, inserts the rows, moves the anchor and commits, and only then is the
lock released, so every row links to the one committed before it and the anchor moves with it. The commit is
durable when ``append`` returns (``synchronous_commit`` set on for the transaction, whatever the server's
default). The threads of one process share a transaction (``GroupCommit``), as on SQLite.

Verification reads one REPEATABLE READ, read-only transaction (rows and anchor of one moment while others append),
in pages of ``PAGE`` rows. A value PostgreSQL text cannot hold (a NUL character) fails the append: the query is
refused, never answered unaudited.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from hub.audit.chain import Anchor
from hub.audit.entry import FIELDS, AuditRecord, Value
from hub.audit.group import GroupCommit
from hub.audit.postgres_schema import (
    ANCHOR,
    KEY,
    LOG,
    create_tables,
    has_log,
    has_rows_table,
    read_anchor,
    read_key_id,
    read_records,
)
from hub.audit.storage import AuditSnapshot, AuditStorage, Head, LinkFunction
from hub.database import postgres_connect_args

__all__ = ["AuditDatabaseUnavailable", "PostgresAuditStorage"]

_APPEND_LOCK = 0x6F6E6570_61756461  # "onepauda": held by the one transaction that appends at a time
LOCK_TIMEOUT_MS = 30_000  # an append kept waiting longer fails (nothing is sent), as on SQLite
_LAST_SEQ = 2**63 - 1


class AuditDatabaseUnavailable(RuntimeError):
    """The audit log's database could not be reached or opened (nothing was written)."""


def _lock_appends(connection: Connection) -> None:
    """Wait (``LOCK_TIMEOUT_MS`` at most, as SQLite's busy timeout) for, then hold until the transaction ends, the
    one lock of appends; the commit is durable on return whatever the server's ``synchronous_commit``."""
    connection.execute(sa.text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}"))
    connection.execute(sa.text("SET LOCAL synchronous_commit TO on"))
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_APPEND_LOCK)))


class _Snapshot(AuditSnapshot):
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._anchor = read_anchor(connection)  # the first read fixes the snapshot
        self._key_id = read_key_id(connection)
        self._rows_table = has_rows_table(connection)

    def rows_table_gone(self) -> bool:
        return not self._rows_table

    def anchor(self) -> Anchor | None:
        return self._anchor

    def key_id(self) -> str | None:
        return self._key_id

    def records(self, start: int = 1, limit: int | None = None) -> Iterator[AuditRecord]:
        remaining = limit
        while remaining is None or remaining > 0:
            page = read_records(self._connection, start, remaining)
            yield from page
            if not page or page[-1].seq == _LAST_SEQ:
                return
            start = page[-1].seq + 1
            if remaining is not None:
                remaining -= len(page)


class PostgresAuditStorage(AuditStorage):
    """The audit log in a PostgreSQL database; ``create=False`` opens an existing log only (for verify and show)."""

    def __init__(self, engine: Engine, *, create: bool = True) -> None:
        self.engine = engine
        self._group: GroupCommit[tuple[tuple[Value, ...], LinkFunction], AuditRecord] = GroupCommit(self._append_many)
        with engine.begin() as connection:
            if create:
                create_tables(connection)
            elif not has_log(connection):
                raise FileNotFoundError(f"no audit log in {engine.url.render_as_string(hide_password=True)}"
                                        " (no onepoint_audit_log table: no hub has written to it yet)")

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> PostgresAuditStorage:
        """The log at ``url``; a connection not made within ``CONNECT_TIMEOUT_SECONDS`` fails (unless the URL sets
        ``connect_timeout``): ``AuditDatabaseUnavailable``, one line naming the URL without its password."""
        parsed = sa.engine.make_url(url)
        engine = sa.create_engine(parsed, pool_pre_ping=True, isolation_level="READ COMMITTED",
                                  connect_args=postgres_connect_args(parsed))  # bounded sessions (hub.database)
        try:
            return cls(engine, create=create)
        except sa.exc.OperationalError as exc:
            engine.dispose()
            reason = (str(exc.orig).strip().splitlines() or [""])[0]
            raise AuditDatabaseUnavailable(f"cannot open the audit log in {parsed.render_as_string(hide_password=True)}"
                                           f": {reason}") from None
        except BaseException:
            engine.dispose()
            raise

    def append(self, values: tuple[Value, ...], link: LinkFunction) -> AuditRecord:
        return self._group.submit((values, link))

    def _append_many(self, batch: Sequence[tuple[tuple[Value, ...], LinkFunction]]) -> list[AuditRecord]:
        """One transaction under the append lock: each row linked after the one before it (the first after the
        log's head), the anchor moved to the last, committed durably; a refusal of any link commits none."""
        with self.engine.begin() as connection:
            _lock_appends(connection)
            newest = connection.execute(sa.select(LOG.c.seq, LOG.c.mac).order_by(LOG.c.seq.desc()).limit(1)).first()
            head = Head.of_empty_log() if newest is None else Head(int(newest[0]), bytes(newest[1]))
            anchor, key_id = read_anchor(connection), read_key_id(connection)
            records = []
            for values, link in batch:
                made = link(head, anchor, key_id)
                records.append(AuditRecord(made.seq, made.at, values, made.prev_mac, made.mac))
                head, anchor = Head(made.seq, made.mac), made.anchor
                if key_id is None:  # a new log: the key id is recorded with its first row
                    key_id = made.key_id
                    connection.execute(KEY.insert().values(id=1, key_id=key_id))
            connection.execute(LOG.insert(), [{"seq": r.seq, "at": r.at, **dict(zip(FIELDS, r.values, strict=True)),
                                               "prev_mac": r.prev_mac, "mac": r.mac} for r in records])
            assert anchor is not None  # the batch is never empty
            moved = insert(ANCHOR).values(id=1, seq=anchor.seq, mac=anchor.mac, anchor_mac=anchor.anchor_mac)
            connection.execute(moved.on_conflict_do_update(index_elements=[ANCHOR.c.id], set_={
                "seq": moved.excluded.seq, "mac": moved.excluded.mac, "anchor_mac": moved.excluded.anchor_mac}))
        return records

    @contextmanager
    def snapshot(self) -> Iterator[AuditSnapshot]:
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with self.engine.connect().execution_options(**options) as connection, connection.begin():
            yield _Snapshot(connection)

    def last(self, count: int) -> list[AuditRecord]:
        records: list[AuditRecord] = []
        with self.engine.connect() as connection:
            start = _LAST_SEQ
            while len(records) < count:
                page = read_records(connection, start, count - len(records), newest_first=True)
                records.extend(page)
                if not page or page[-1].seq == -_LAST_SEQ - 1:
                    break
                start = page[-1].seq - 1
        return records[::-1]

    def count(self) -> int:
        with self.engine.connect() as connection:
            if not has_rows_table(connection):
                return 0
            return int(connection.execute(sa.select(sa.func.count()).select_from(LOG)).scalar_one())

    def adopt_key_id(self, key_id: str) -> str | None:
        with self.engine.begin() as connection:
            _lock_appends(connection)
            recorded = read_key_id(connection)
            if recorded is None and read_anchor(connection) is None \
                    and connection.execute(sa.select(LOG.c.seq).limit(1)).first() is None:
                connection.execute(KEY.insert().values(id=1, key_id=key_id))
                recorded = key_id
        return recorded

    def close(self) -> None:
        self.engine.dispose()
