"""``PostgresNoticeBook``: the OA adapter's notice records (``adapters.oa.notice_book``) in the PostgreSQL database
the deployment's workers share their processed-message records in (``[workers] processed_store``,
``adapters.oa.wiring``), so every OA worker of every hub and machine judges a stale revision, a push overtaken by a
newer one and the managers told against one record. (In one SQLite file per machine, a revision 1 handled by the
other hub's worker after revision 2 was pushed again and replaced it in the managers' to-reads.)

Tables ``onepoint_oa_notice_versions`` and ``onepoint_oa_to_read_items`` (``adapters.oa.postgres_records``), the
same columns as the file's, per topology prefix. A page is one transaction, as the file's ``BEGIN IMMEDIATE`` one,
but two processes are judged one after the other per notice and per item rather than for the whole file:

* ``get(notice)`` first takes the notice's lock (a transaction-scoped advisory lock of (prefix, notice), held until
  the page commits), then reads: a second page of the notice, the first revision of a notice included (no row to
  lock yet), waits and reads what the first committed; ``item(item)`` likewise with the item's lock, so a push's
  check and lease (``versions.ToReadVersions.pushing``) and the offer announcing a newer version never interleave;
* ``put_item`` writes an item only while its notice is kept (the row read ``FOR KEY SHARE``): a push's lease
  written as its notice is pruned leaves no item behind, as ``MemoryNoticeBook`` keeps none of an evicted notice;
* ``prune`` takes the expired notices' rows ``FOR UPDATE SKIP LOCKED``: one another page is writing, or a push is
  recording, is left for a later prune, and its items go with each one taken.

Its times are the workers' clocks (``ToReadVersions``' clock), as in the file: a lease lasts over a minute, far
beyond the drift of clocks kept by NTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from adapters.oa.notice_book import KeptItem, KeptNotice, NoticePage
from adapters.oa.postgres_records import ITEMS, NOTICES, lock, open_engine

__all__ = ["PostgresNoticeBook"]


class _Page:
    """The records of one transaction (``PostgresNoticeBook.page``)."""

    def __init__(self, connection: Connection, prefix: str) -> None:
        self._db, self._prefix = connection, prefix

    def get(self, notice_id: str) -> KeptNotice | None:
        lock(self._db, self._prefix, "notice", notice_id)
        row = self._db.execute(sa.select(NOTICES).where(NOTICES.c.prefix == self._prefix,
                                                        NOTICES.c.notice_id == notice_id)).one_or_none()
        if row is None:
            return None
        sent_at = None if row.sent_at is None else datetime.fromisoformat(row.sent_at)
        return KeptNotice(row.revision, row.cleared, row.fingerprint, row.sequence, row.message_id, sent_at,
                          tuple(str(row.told).split()), row.changed_at)

    def put(self, notice_id: str, kept: KeptNotice) -> None:
        self._upsert(NOTICES, {"notice_id": notice_id}, {
            "revision": kept.revision, "cleared": kept.cleared, "fingerprint": kept.fingerprint,
            "sequence": kept.sequence, "message_id": kept.message_id,
            "sent_at": None if kept.sent_at is None else kept.sent_at.isoformat(), "told": " ".join(kept.told),
            "changed_at": kept.changed_at})

    def item(self, item_id: str) -> KeptItem | None:
        lock(self._db, self._prefix, "item", item_id)
        row = self._db.execute(sa.select(ITEMS).where(ITEMS.c.prefix == self._prefix,
                                                      ITEMS.c.item_id == item_id)).one_or_none()
        return None if row is None else KeptItem(row.notice_id, row.wanted, row.wanted_id, row.pushed,
                                                 row.lease_owner, row.lease_until)

    def put_item(self, item_id: str, kept: KeptItem) -> None:
        notice = (sa.select(NOTICES.c.notice_id)
                  .where(NOTICES.c.prefix == self._prefix, NOTICES.c.notice_id == kept.notice_id)
                  .with_for_update(read=True, key_share=True))
        if self._db.execute(notice).first() is None:
            return  # its notice was pruned meanwhile: the item goes with it
        self._upsert(ITEMS, {"item_id": item_id}, {
            "notice_id": kept.notice_id, "wanted": kept.wanted, "wanted_id": kept.wanted_id, "pushed": kept.pushed,
            "lease_owner": kept.lease_owner, "lease_until": kept.lease_until})

    def prune(self, changed_before: float, limit: int) -> int:
        expired = list(self._db.execute(
            sa.select(NOTICES.c.notice_id)
            .where(NOTICES.c.prefix == self._prefix, NOTICES.c.cleared.is_(True),
                   NOTICES.c.changed_at < changed_before)
            .order_by(NOTICES.c.changed_at).limit(limit).with_for_update(skip_locked=True)).scalars())
        if expired:
            self._db.execute(sa.delete(ITEMS).where(ITEMS.c.prefix == self._prefix, ITEMS.c.notice_id.in_(expired)))
            self._db.execute(sa.delete(NOTICES).where(NOTICES.c.prefix == self._prefix,
                                                      NOTICES.c.notice_id.in_(expired)))
        return len(expired)

    def _upsert(self, table: sa.Table, key: dict[str, str], values: dict[str, Any]) -> None:
        statement = pg_insert(table).values(prefix=self._prefix, **key, **values)
        self._db.execute(statement.on_conflict_do_update(index_elements=["prefix", *key], set_=values))


class PostgresNoticeBook:
    """The records in the shared PostgreSQL database at ``url``, under ``prefix``; thread-safe (a connection pool:
    each page its own connection and transaction)."""

    def __init__(self, url: str, *, prefix: str = "onepoint") -> None:
        self.prefix = prefix
        self.engine = open_engine(url)

    @contextmanager
    def page(self) -> Iterator[NoticePage]:
        """One transaction; the locks of the notices and items it reads are held until it commits."""
        with self.engine.begin() as connection:
            yield _Page(connection, self.prefix)

    def close(self) -> None:
        self.engine.dispose()
