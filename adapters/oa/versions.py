"""Which version of an outage notice each manager's OA to-read shows: newest revision wins, as on the bulletin.

OA keeps one item per ItemId and lets the last push win; it has no field for a version (oa.xsd), so the adapter
keeps the order itself:

* ``offer`` (the broadcast ``nsp.OutageNotice``): a notice's version is (revision, cleared after ACTIVE at one
  revision). An older version than the one kept (a stale ACTIVE after the clearance) is ``stale``, the same version
  with the same content ``unchanged``: neither is pushed. A newer version, or a changed notice that kept its
  revision (NSP corrected it), is accepted with the next sequence number of the notice.
* ``announce`` records which sequence number each PushToRead command carries (by its message id), before it is
  sent; ``pushing`` (the ``oa.PushToRead`` handler, 8 threads by default) holds the item's lock while it pushes
  and says ``skip`` for a push overtaken by a newer one of the same item: a slow push of revision 1 can no longer
  land after the clearance's.

The kept versions live in a ``NoticeBook`` (``adapters.oa.notice_book``): the OA worker's file (``NoticeBookFile``,
opened by ``adapters.oa.wiring``), shared by every OA worker process and kept over restarts, so a stale revision
that arrives after a restart or at another worker is still judged against the newest one accepted; without one,
this process's memory. Which push an item is waiting for (``announce``, ``pushing``) stays in the process that
sent it: after a restart a PushToRead nobody announced is pushed as it is. A resend still changes nothing in OA:
the push's MessageId is derived from its content (``mapping.to_read_message_id``), so OA answers it DUPLICATE.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from adapters.oa.notice_book import KeptNotice, MemoryNoticeBook, NoticeBook

__all__ = ["NoticeVersion", "ToReadVersions"]


@dataclass(frozen=True, slots=True, order=True)
class NoticeVersion:
    """A notice's version: its revision, then its status (a clearance after ACTIVE at the same revision)."""

    revision: int
    cleared: bool


class ToReadVersions:
    """Thread-safe; one per OA worker process (``adapters.oa.wiring``), its versions in ``book`` (default: memory)."""

    def __init__(self, max_notices: int = 10_000, book: NoticeBook | None = None) -> None:
        self.max_notices = max_notices
        self.book: NoticeBook = book if book is not None else MemoryNoticeBook(max_notices)
        self._lock = threading.Lock()
        self._announced: OrderedDict[str, tuple[str, int]] = OrderedDict()  # message id -> (item id, sequence)
        self._newest: dict[str, int] = {}  # item id -> newest sequence announced
        self._pushed: dict[str, int] = {}  # item id -> sequence OA shows
        self._items: dict[str, threading.Lock] = {}

    def kept_revision(self, notice_id: str) -> int | None:
        with self._lock, self.book.page() as page:
            kept = page.get(notice_id)
            return None if kept is None else kept.revision

    def offer(self, notice_id: str, version: NoticeVersion, fingerprint: str, message_id: str = "") -> tuple[str, int]:
        """``("stale" | "unchanged", kept sequence)`` or ``("newer", sequence)`` for a version to push; the retry
        of the message that brought the kept version is ``newer`` again (its sends failed part-way)."""
        with self._lock, self.book.page() as page:
            kept = page.get(notice_id)
            if kept is not None and message_id and kept.message_id == message_id:
                return "newer", kept.sequence
            if kept is not None and version < NoticeVersion(kept.revision, kept.cleared):
                return "stale", kept.sequence
            if kept is not None and version == NoticeVersion(kept.revision, kept.cleared) \
                    and fingerprint == kept.fingerprint:
                return "unchanged", kept.sequence
            sequence = 1 if kept is None else kept.sequence + 1
            page.put(notice_id, KeptNotice(version.revision, version.cleared, fingerprint, sequence, message_id))
            return "newer", sequence

    def close(self) -> None:
        self.book.close()

    def announce(self, message_id: str, item_id: str, sequence: int) -> None:
        """The PushToRead ``message_id`` will put version ``sequence`` of item ``item_id`` in OA."""
        with self._lock:
            self._announced[message_id] = (item_id, sequence)
            self._newest[item_id] = max(sequence, self._newest.get(item_id, 0))
            while len(self._announced) > 8 * self.max_notices:
                self._announced.popitem(last=False)
            if len(self._newest) > 8 * self.max_notices:  # forget the items of long-gone notices
                self._newest = {item: self._newest[item] for item, _ in self._announced.values()}
                self._pushed = {item: n for item, n in self._pushed.items() if item in self._newest}
                self._items = {item: lock for item, lock in self._items.items() if item in self._newest}

    @contextmanager
    def pushing(self, message_id: str) -> Iterator[bool]:
        """Around one push: yields False when it must be skipped (a newer version of its item was announced or is
        in OA already); the item's lock is held meanwhile. A push nobody announced is never skipped."""
        with self._lock:
            announced = self._announced.get(message_id)
            item_lock = None if announced is None else self._items.setdefault(announced[0], threading.Lock())
        if announced is None or item_lock is None:
            yield True
            return
        item_id, sequence = announced
        with item_lock:
            with self._lock:
                overtaken = sequence < self._newest.get(item_id, 0) or sequence <= self._pushed.get(item_id, 0)
            if overtaken:
                yield False
                return
            yield True
            with self._lock:
                self._pushed[item_id] = max(sequence, self._pushed.get(item_id, 0))
