"""What the OA adapter keeps of the outage notices it pushed to-reads for (``versions``), and the in-memory kind of
that record (``MemoryNoticeBook``: one worker process, the least recently changed notice forgotten past a bound);
the OA workers share it in the PostgreSQL database of ``[workers] processed_store`` (``adapters.oa.notice_postgres``:
every hub and machine of the deployment), else in a SQLite file per machine (``adapters.oa.notice_file``).

Two records, read and written together in one ``NoticeBook.page()`` (one ``BEGIN IMMEDIATE`` transaction in the
file; in PostgreSQL one transaction holding the locks of the notice and items it reads: either way two processes
are judged one after the other):

* per notice (``KeptNotice``): the newest version accepted (revision, cleared), its content's fingerprint, its
  sequence number, the message that brought it, NSP's SentAt of that message (a same-revision variant sent
  earlier is the original its correction overtook) and **the managers told of it**: a later version and the
  clearance go to them as well as to the managers of the notice's current areas, so a manager whose area was
  dropped from the notice is still told it changed or ended;
* per to-read item (``KeptItem``, one per notice and manager): the sequence of the newest version announced for it
  and the MessageId of that version's push (``mapping.to_read_message_id``), the sequence OA shows,
  and the lease of the push in flight (``versions.ToReadVersions.pushing``), so whichever process sends a push,
  an older version never replaces a newer one in OA.

A cleared notice's records are pruned a retention after its last change (``NoticePage.prune``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["KeptItem", "KeptNotice", "MemoryNoticeBook", "NoticeBook", "NoticePage"]


@dataclass(frozen=True, slots=True)
class KeptNotice:
    """The version of a notice the to-reads show (or are on their way to showing), and who was told of it."""

    revision: int
    cleared: bool
    fingerprint: str
    sequence: int
    message_id: str  # of the notice message that brought this version (its retry sends again)
    sent_at: datetime | None = None  # NSP's SentAt of that message, in UTC (None: kept before it was recorded)
    told: tuple[str, ...] = ()  # the OA users whose to-read items carry this notice
    changed_at: float = 0.0  # when this version was accepted (seconds since the epoch): the retention counts from it


@dataclass(frozen=True, slots=True)
class KeptItem:
    """One manager's to-read of a notice: which version it must show, which it shows, and the push in flight."""

    notice_id: str
    wanted: int  # the sequence of the newest version announced for the item
    wanted_id: str  # the MessageId of that version's push (``mapping.to_read_message_id``)
    pushed: int = 0  # the sequence OA shows (0: none pushed yet)
    lease_owner: str = ""  # the push in flight (any process), until ``lease_until``
    lease_until: float = 0.0


class NoticePage(Protocol):
    """The records, read and written in one go (``NoticeBook.page``)."""

    def get(self, notice_id: str) -> KeptNotice | None: ...

    def put(self, notice_id: str, kept: KeptNotice) -> None: ...

    def item(self, item_id: str) -> KeptItem | None: ...

    def put_item(self, item_id: str, kept: KeptItem) -> None: ...

    def prune(self, changed_before: float, limit: int) -> int:
        """Forget at most ``limit`` cleared notices last changed before ``changed_before``, with their items."""


class NoticeBook(Protocol):
    """Where the records are kept: ``page()`` gives them for one read-and-write."""

    def page(self) -> AbstractContextManager[NoticePage]: ...

    def close(self) -> None: ...


class MemoryNoticeBook:
    """The records in this process's memory: at most ``max_notices``, the least recently changed forgotten first
    (with their items)."""

    def __init__(self, max_notices: int = 10_000) -> None:
        self.max_notices = max_notices
        self._lock = threading.RLock()
        self._notices: OrderedDict[str, KeptNotice] = OrderedDict()
        self._items: dict[str, KeptItem] = {}

    def get(self, notice_id: str) -> KeptNotice | None:
        return self._notices.get(notice_id)

    def put(self, notice_id: str, kept: KeptNotice) -> None:
        self._notices[notice_id] = kept
        self._notices.move_to_end(notice_id)
        while len(self._notices) > self.max_notices:
            self._forget(self._notices.popitem(last=False)[0])

    def item(self, item_id: str) -> KeptItem | None:
        return self._items.get(item_id)

    def put_item(self, item_id: str, kept: KeptItem) -> None:
        if kept.notice_id in self._notices:  # an evicted notice's item is not kept either
            self._items[item_id] = kept

    def prune(self, changed_before: float, limit: int) -> int:
        expired = [notice_id for notice_id, kept in self._notices.items()
                   if kept.cleared and kept.changed_at < changed_before][:limit]
        for notice_id in expired:
            del self._notices[notice_id]
            self._forget(notice_id)
        return len(expired)

    def _forget(self, notice_id: str) -> None:
        for item_id in [item_id for item_id, kept in self._items.items() if kept.notice_id == notice_id]:
            del self._items[item_id]

    @contextmanager
    def page(self) -> Iterator[NoticePage]:
        with self._lock:
            yield self

    def close(self) -> None:
        with self._lock:
            self._notices.clear()
            self._items.clear()
