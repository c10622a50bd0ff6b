"""``copy_records``: the OA adapter's records in a hub's file (``onepoint-oa-notices.db``, beside the bulletin's)
carried into the shared PostgreSQL records (``[workers] processed_store``: ``adapters.oa.postgres_records``) at the
switch from one hub to several (``onepoint oa copy``), so the switch does not start them empty.

Started empty, each notice's next version would go to the managers of its areas as if new, and a late older
revision of a notice OA shows could be pushed over the newer one; a to-do the old hub closed could be opened again
by a late push. What is copied, in transactions of ``BATCH`` notices each (with their items) and one of the closed
to-dos, each row under the lock its record takes (``postgres_records.lock``), per topology prefix as the file
holds it:

* **a notice's kept version** (``oa_notice_versions``), unless the shared records hold one of that notice: a hub
  running on them since the switch (or a file copied before) has seen it later;
* **a to-read item** (``oa_to_read_items``) likewise, its push lease taken *expired*: the old hub's worker is gone,
  the next worker takes the item over at once;
* **a closed item** (``oa_closed_todos``: a to-do closed, a to-read withdrawn), the later closing time kept.

Copying a file twice changes nothing, so a copy broken off midway is finished by running it again. A file of the
first schema (no ``sent_at``, ``told``, ``changed_at``, no items) is read as it is: what it lacks is taken as the
file's own upgrade would (none, nobody told, changed now).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from adapters.oa.postgres_records import CLOSED_TODOS, ITEMS, NOTICES, lock

__all__ = ["BATCH", "OaRecordsCopied", "copy_records"]

# notices a transaction copies: each takes its notice's lock and its items' (PostgreSQL's lock table holds
# max_locks_per_transaction × connections, 64 × 100 by default: thousands of notices in one transaction exhaust it)
BATCH = 200

Row = dict[str, Any]


@dataclass
class OaRecordsCopied:
    notices: int = 0  # notice versions taken from the file
    notices_kept: int = 0  # notices the shared records held already
    items: int = 0  # to-read items taken (their leases expired)
    closed_items: int = 0  # closed items recorded or moved to a later closing time


def _columns(file: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in file.execute(f"PRAGMA table_info({table})")}


def _rows(file: sqlite3.Connection, table: str) -> list[Row]:
    if not _columns(file, table):
        return []
    cursor = file.execute(f"SELECT * FROM {table}")  # noqa: S608 - our table names
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _notice(row: Row, now: float) -> Row:
    return {"prefix": row["prefix"], "notice_id": row["notice_id"], "revision": int(row["revision"]),
            "cleared": bool(row["cleared"]), "fingerprint": row["fingerprint"], "sequence": int(row["sequence"]),
            "message_id": row["message_id"], "sent_at": row.get("sent_at"), "told": row.get("told") or "",
            "changed_at": float(row.get("changed_at") or now)}


def _held(db: Connection, table: sa.Table, prefix: str, column: sa.Column[Any], key: str) -> bool:
    found = db.execute(sa.select(sa.literal(1)).select_from(table)
                       .where(table.c.prefix == prefix, column == key)).first()
    return found is not None


def _copy_notices(db: Connection, notices: list[Row], items: dict[tuple[str, str], list[Row]],
                  copied: OaRecordsCopied, now: float) -> None:
    for row in notices:
        prefix, notice_id = str(row["prefix"]), str(row["notice_id"])
        lock(db, prefix, "notice", notice_id)
        if _held(db, NOTICES, prefix, NOTICES.c.notice_id, notice_id):
            copied.notices_kept += 1
            continue
        db.execute(sa.insert(NOTICES), [_notice(row, now)])
        copied.notices += 1
        for item in items.get((prefix, notice_id), []):
            lock(db, prefix, "item", str(item["item_id"]))
            taken = {**item, "lease_owner": "", "lease_until": 0.0}  # the old worker's lease: expired
            added = db.execute(postgresql.insert(ITEMS).values(taken).on_conflict_do_nothing()
                               .returning(ITEMS.c.item_id)).first()
            copied.items += added is not None


def _copy_closed_items(db: Connection, file: sqlite3.Connection, copied: OaRecordsCopied) -> None:
    for row in _rows(file, "oa_closed_todos"):
        statement = postgresql.insert(CLOSED_TODOS).values(prefix=row["prefix"], item_id=row["item_id"],
                                                           closed_at=float(row["closed_at"]))
        changed = db.execute(statement.on_conflict_do_update(
            index_elements=[CLOSED_TODOS.c.prefix, CLOSED_TODOS.c.item_id],
            set_={"closed_at": statement.excluded.closed_at},
            where=CLOSED_TODOS.c.closed_at < statement.excluded.closed_at).returning(CLOSED_TODOS.c.item_id)).first()
        copied.closed_items += changed is not None


def copy_records(file: sqlite3.Connection, shared: Engine) -> OaRecordsCopied:
    """Copy the OA records of ``file`` (read only) into ``shared`` (its tables created); see the module."""
    copied, now = OaRecordsCopied(), time.time()
    notices = _rows(file, "oa_notice_versions")
    items: dict[tuple[str, str], list[Row]] = {}
    for item in _rows(file, "oa_to_read_items"):
        items.setdefault((item["prefix"], item["notice_id"]), []).append(item)
    for start in range(0, len(notices), BATCH):
        with shared.begin() as db:
            _copy_notices(db, notices[start:start + BATCH], items, copied, now)
    with shared.begin() as db:
        _copy_closed_items(db, file, copied)
    return copied
