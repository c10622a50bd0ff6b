"""``copy_database``: one hub's SQLite work-order file carried whole into the database several hubs will share
(``onepoint workorders copy``; README "Moving one hub to several").

What a copy is, and why:

* **Both ends at this release's schema.** The source (opened read-only by the caller) must be at the head revision:
  its rows are read with this release's tables. A target with no schema yet is migrated first, as a hub does when it
  starts; one at another revision is refused (``CopyRefused``).
* **Into an empty target only.** Work orders, their history, the statistics' counters, the outbox's positions and the
  listeners' cursors of two databases do not merge: a target holding any row of the schema's tables is refused,
  naming the table.
* **One snapshot of the source.** It is read in one read transaction (SQLite: ``BEGIN`` before the first
  ``SELECT``, which its driver does not issue by itself; WAL gives a reader a snapshot), so every table is read as it
  was at one instant: a row written meanwhile is in none of them, never a history row without its work order. The
  caller refuses a file a hub still runs on (``hub_lock``); the snapshot is what makes the copy whole regardless.
* **One transaction of the target.** Every table of the schema in dependency order, in batches; an interrupted copy
  leaves the target as empty as it was, and running it again starts over. The rows are counted on both sides and a
  difference rolls it back. A row the target refuses (a value too long for its column, a broken reference) stops
  the copy naming its table and primary key.
* **Keys move on past the copied ones.** PostgreSQL's sequences are set past the largest key copied; the outbox's
  position past the largest the source ever handed out (SQLite's ``sqlite_sequence``, which keeps the positions of
  events purged since), so an event written after the copy never takes a position a listener has passed.
* **The processed-message records go along**, so a message the old hub carried out and the broker redelivers to a
  new one is recognised, not carried out again.
* **Not the rule files' users** (``rule_file_users``): they are the processes running on a database, not its
  records; the hubs started on the target add their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from hub.database import failure_line
from hub.workflow.store.migrate import current_revision, head_revision, upgrade
from hub.workflow.store.schema import metadata, rule_file_users, work_order_events

__all__ = ["BATCH", "COPIED", "CopiedTable", "CopyRefused", "copy_database", "read_only"]

BATCH = 2_000  # rows read and written at a time
COPIED = [table for table in metadata.sorted_tables if table is not rule_file_users]  # in dependency order
Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows it holds)


class CopyRefused(RuntimeError):
    """The copy cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class CopiedTable:
    name: str
    rows: int


def read_only(path: Path) -> Engine:
    """The SQLite file opened read-only (the copy never writes the old hub's database), in the driver's autocommit
    mode: ``copy_database`` begins the one read transaction itself."""
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None))


def _require_head(engine: Engine, which: str, *, migrate_empty: bool) -> None:
    head, revision = head_revision(), current_revision(engine)
    if revision is None and migrate_empty:
        upgrade(engine)
        return
    if revision != head:
        raise CopyRefused(f"the {which} is at schema revision {revision or 'none'}, this release's is {head}: "
                          + ("bring it there first with `onepoint workorders migrate` and a settings file whose "
                             "[workflow] database names it" if which == "source" else
                             "copy into a new, empty database"))


def _refuse_unless_empty(db: Connection) -> None:
    for table in COPIED:
        if db.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise CopyRefused(f"the target already holds rows ({table.name}): a copy goes into an empty work-order "
                              "database only (the work orders, counters and event positions of two databases do "
                              "not merge)")


def _one_snapshot(reading: Connection) -> None:
    """Begin the source's read transaction before its first read (see the module)."""
    if reading.dialect.name == "postgresql":
        reading.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    elif not getattr(reading.connection.dbapi_connection, "in_transaction", False):
        reading.exec_driver_sql("BEGIN")  # deferred: the snapshot is taken at the first SELECT, right after


def _key(table: sa.Table, row: Mapping[str, Any]) -> str:
    return ", ".join(f"{column.name}={row[column.name]}" for column in table.primary_key.columns)


def _insert(db: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write a batch; a refused one stops the copy naming the table and the row (tried alone, each in a savepoint
    rolled back, until the refused one is found)."""
    batch = db.begin_nested()
    try:
        db.execute(sa.insert(table), rows)
    except sa.exc.DBAPIError as exc:
        batch.rollback()
        raise CopyRefused(f"{table.name}{_refused_row(db, table, rows)} refused by the target: "
                          f"{failure_line(exc)}") from exc
    batch.commit()


def _refused_row(db: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> str:
    for row in rows:
        alone = db.begin_nested()
        try:
            db.execute(sa.insert(table), [row])
        except sa.exc.DBAPIError:
            return f", row {_key(table, row)},"
        finally:
            alone.rollback()
    return ""


def _count(db: Connection, table: sa.Table) -> int:
    return int(db.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _last_position(source: Connection) -> int:
    """The largest outbox position the source ever handed out (purged events' included, SQLite's AUTOINCREMENT)."""
    largest = int(source.execute(sa.select(sa.func.coalesce(sa.func.max(work_order_events.c.position), 0)))
                  .scalar_one())
    if source.dialect.name == "sqlite" and sa.inspect(source).has_table("sqlite_sequence"):
        kept = source.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :name"),
                              {"name": work_order_events.name}).scalar()
        largest = max(largest, int(kept or 0))
    return largest


def _move_keys_on(db: Connection, last_position: int) -> None:
    """The target's next keys past the copied ones (see the module)."""
    if db.dialect.name == "postgresql":
        for table in COPIED:
            for column in table.primary_key.columns:
                if not (column.autoincrement is True and isinstance(column.type, sa.BigInteger | sa.Integer)):
                    continue
                floor = last_position if table is work_order_events else 0
                largest = int(db.execute(sa.select(sa.func.coalesce(sa.func.max(column), 0))).scalar_one())
                sequence = db.execute(sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                                      {"table": table.name, "column": column.name}).scalar()
                if sequence is not None and max(largest, floor) > 0:
                    db.execute(sa.text("SELECT setval(:sequence, :value)"),
                               {"sequence": sequence, "value": max(largest, floor)})
    elif last_position > 0:  # SQLite: AUTOINCREMENT's record of the largest position handed out
        db.execute(sa.text("UPDATE sqlite_sequence SET seq = max(seq, :value) WHERE name = :name"),
                   {"value": last_position, "name": work_order_events.name})
        db.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) SELECT :name, :value WHERE NOT EXISTS "
                           "(SELECT 1 FROM sqlite_sequence WHERE name = :name)"),
                   {"value": last_position, "name": work_order_events.name})


def copy_database(source: Engine, target: Engine, progress: Progress | None = None) -> list[CopiedTable]:
    """Copy every row of the work-order database ``source`` into the empty database ``target`` (see the module);
    the tables copied with their row counts, in the order copied."""
    _require_head(source, "source", migrate_empty=False)
    _require_head(target, "target", migrate_empty=True)
    copied: list[CopiedTable] = []
    with source.connect() as reading, reading.begin(), target.begin() as db:
        _one_snapshot(reading)
        _refuse_unless_empty(db)
        for table in COPIED:
            total, done = _count(reading, table), 0
            if progress is not None:
                progress(table.name, 0, total)
            rows = reading.execution_options(yield_per=BATCH).execute(sa.select(table))
            for batch in rows.mappings().partitions(BATCH):
                _insert(db, table, [dict(row) for row in batch])
                done += len(batch)
                if progress is not None:
                    progress(table.name, done, total)
            if (written := _count(db, table)) != total or done != total:
                raise CopyRefused(f"{table.name}: {total} row(s) in the source, {done} read, {written} written: "
                                  "nothing copied")
            copied.append(CopiedTable(table.name, total))
        _move_keys_on(db, _last_position(reading))
    return copied
