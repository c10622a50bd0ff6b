"""Which version of an outage notice each manager's OA to-read shows: newest version wins, as on the bulletin, and
every manager ever told of a notice is told of its newer versions and its clearance.

OA keeps one item per ItemId and lets the last push win; it has no field for a version (oa.xsd), so the adapter
keeps the order itself, in a ``NoticeBook`` (``adapters.oa.notice_book``):

* ``offer`` (the broadcast ``nsp.OutageNotice``): a notice's version is (revision, cleared after ACTIVE at one
  revision). An older version than the one kept (a stale ACTIVE after the clearance) is ``stale``, and so is an
  ACTIVE version NSP sent before the kept clearance, whatever its revision (``sent_before_clearance``: a newer
  revision a clearance without a Revision overtook would otherwise reopen the notice); so is a variant
  of the kept version with other content that NSP sent earlier (its SentAt before the kept one's: the original,
  redelivered after its correction; the kept SentAt is the latest at which NSP said the kept version, as on the
  bulletin); the same version with the same content is ``unchanged``: none is pushed. A newer version, or a
  changed notice that kept its revision and was sent later (NSP corrected it), is accepted with the next sequence
  number of the notice. Its recipients are the managers of its areas **and every manager
  told before** (a revision that moves the notice to another area, and the clearance, reach the managers of the
  area it left); each recipient's item is announced in the same transaction: the version it must show, named by
  the MessageId of its push (``mapping.to_read_message_id``: its content and the push's own id).
* ``pushing`` (the ``oa.PushToRead`` handler, in any OA worker process) around one push of a notice's to-read:
  skipped unless the push carries the version announced last for its item and OA does not show it yet; the
  item's pushes are serialised across threads (a lock per item) and across processes (a lease in the book,
  taken in one transaction with the check, released with the record of what OA shows). So a
  push of revision 1 redelivered, or still on its way at another worker, never lands after the clearance's.
  A push of an item nobody announced (sent before the book kept items, or pruned) is pushed as it is.

The book is the OA worker's (opened by ``adapters.oa.wiring``): in the PostgreSQL database of ``[workers]
processed_store`` (``PostgresNoticeBook``), shared by the OA workers of every hub and machine, else a file
(``NoticeBookFile``) shared by those of one machine, kept over restarts either way; without one, this process's
memory. A cleared notice's records are dropped
``keep_seconds`` after its last change (7 days, as the processed stores keep their records), at most
``prune_batch`` with each accepted version. A lease is held at most ``lease_seconds`` (longer than a push may
take): a worker that died holding one delays the item's next push that long. A resend changes nothing in OA:
the push's MessageId is derived from its content and its own id, so OA answers it DUPLICATE.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from adapters.oa.notice_book import KeptItem, KeptNotice, MemoryNoticeBook, NoticeBook
from hub.bulletin.notice import sent_before_clearance
from hub.store.retention import DEFAULT_KEEP_SECONDS

__all__ = ["PRUNE_BATCH", "NoticeVersion", "Offer", "ToReadVersions"]

PRUNE_BATCH = 64


@dataclass(frozen=True, slots=True, order=True)
class NoticeVersion:
    """A notice's version: its revision, then its status (a clearance after ACTIVE at the same revision)."""

    revision: int
    cleared: bool


class Offer(NamedTuple):
    """What ``offer`` decided: ``newer`` (push this version to ``recipients``), ``stale`` or ``unchanged``."""

    verdict: str
    sequence: int
    recipients: tuple[str, ...] = ()


class _Claim(NamedTuple):
    sequence: int
    token: str


def _judged(kept: KeptNotice, version: NoticeVersion, fingerprint: str, sent_at: datetime | None) -> str | None:
    """``stale`` / ``unchanged`` for a version not to push, None for a newer one."""
    kept_version = NoticeVersion(kept.revision, kept.cleared)
    if version < kept_version or sent_before_clearance(not version.cleared, sent_at, kept.cleared, kept.sent_at):
        return "stale"
    if version == kept_version:
        if fingerprint == kept.fingerprint:
            return "unchanged"
        if sent_at is not None and kept.sent_at is not None and sent_at < kept.sent_at:
            return "stale"  # the variant NSP's correction (sent later) replaced
    return None


class ToReadVersions:
    """Thread-safe; one per OA worker process (``adapters.oa.wiring``), its records in ``book`` (default: memory)."""

    def __init__(self, max_notices: int = 10_000, book: NoticeBook | None = None, *,
                 keep_seconds: float = DEFAULT_KEEP_SECONDS, prune_batch: int = PRUNE_BATCH,
                 lease_seconds: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        if keep_seconds <= 0 or prune_batch < 1 or lease_seconds <= 0:
            raise ValueError("notice records must be kept for a while, pruned one at a time at least, and a "
                             "push's lease must last a while")
        self.max_notices = max_notices
        self.book: NoticeBook = book if book is not None else MemoryNoticeBook(max_notices)
        self.keep_seconds, self.prune_batch, self.lease_seconds = keep_seconds, prune_batch, lease_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._item_locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()

    def kept_revision(self, notice_id: str) -> int | None:
        with self.book.page() as page:
            kept = page.get(notice_id)
            return None if kept is None else kept.revision

    def offer(self, notice_id: str, version: NoticeVersion, fingerprint: str, message_id: str = "", *,
              sent_at: datetime | None = None, managers: Sequence[str] = (),
              announce: Callable[[str], tuple[str, str]] | None = None,
              resolve: Callable[[int | None], tuple[NoticeVersion, str]] | None = None) -> Offer:
        """Judge a version of the notice; a newer one is recorded with its recipients (``managers``, the current
        areas', and those told before) and, through ``announce(user) -> (item id, push's content MessageId)``,
        each recipient's item. The retry of the message that brought the kept version is ``newer`` again with the
        same recipients (its sends failed part-way), each item announced again (an update of the hub between the
        two may derive its push's MessageId otherwise: the push would be taken for an overtaken one).

        ``resolve(kept revision or None) -> (version, fingerprint)``, for a notice sent without a Revision (a
        clearance clears the kept revision): called first in the judgement's transaction, its answer replaces
        ``version`` and ``fingerprint``, resolved from a reading before it. So a clearance clears the revision kept
        when it is judged, even one another worker accepted since that reading (else it would clear the revision
        that one replaced: stale), as the bulletin resolves it in its write transaction; ``announce`` is called
        after ``resolve``."""
        now = self._clock()
        with self.book.page() as page:
            kept = page.get(notice_id)
            if resolve is not None:
                version, fingerprint = resolve(None if kept is None else kept.revision)
            if kept is not None and message_id and kept.message_id == message_id:
                for item_id, content_id in map(announce, kept.told) if announce is not None else ():
                    before = page.item(item_id)  # announced again: its push's id may be derived otherwise now
                    if before is None:
                        page.put_item(item_id, KeptItem(notice_id, kept.sequence, content_id))
                    elif before.notice_id == notice_id and before.wanted == kept.sequence:
                        page.put_item(item_id, replace(before, wanted_id=content_id))
                return Offer("newer", kept.sequence, kept.told)
            verdict = None if kept is None else _judged(kept, version, fingerprint, sent_at)
            if kept is not None and verdict is not None:
                if verdict == "unchanged" and sent_at is not None and (kept.sent_at is None or sent_at > kept.sent_at):
                    page.put(notice_id, replace(kept, sent_at=sent_at))  # NSP said the kept version again, later
                return Offer(verdict, kept.sequence)
            sequence = 1 if kept is None else kept.sequence + 1
            told = tuple(dict.fromkeys((*managers, *(() if kept is None else kept.told))))
            page.put(notice_id, KeptNotice(version.revision, version.cleared, fingerprint, sequence, message_id,
                                           sent_at, told, now))
            for item_id, content_id in map(announce, told) if announce is not None else ():
                before = page.item(item_id)
                page.put_item(item_id, KeptItem(notice_id, sequence, content_id) if before is None
                              else replace(before, notice_id=notice_id, wanted=sequence, wanted_id=content_id))
            page.prune(now - self.keep_seconds, self.prune_batch)
            return Offer("newer", sequence, told)

    def close(self) -> None:
        self.book.close()

    @contextmanager
    def pushing(self, item_id: str, content_id: str, former_id: str = "") -> Iterator[bool]:
        """Around one push of item ``item_id`` whose MessageId is ``content_id``: yields False when it must be
        skipped (it is not the version announced last for the item, or OA shows that one already); the item's
        lock and lease are held meanwhile, and what OA shows is recorded once the push returned. ``former_id``:
        the id an earlier version of the hub announced the same push under (``mapping.content_message_id``), so a
        push announced before an upgrade and delivered after it is not taken for an overtaken one."""
        with self._lock:
            item_lock = self._item_locks.get(item_id)
            if item_lock is None:
                item_lock = self._item_locks[item_id] = threading.Lock()
        with item_lock:
            claim = self._claim(item_id, (content_id, former_id) if former_id else (content_id,))
            if claim is None or claim.sequence == 0:
                yield claim is None  # not announced: pushed as it is; announced but overtaken: skipped
                return
            try:
                yield True
            except BaseException:
                self._release(item_id, claim, landed=False)
                raise
            self._release(item_id, claim, landed=True)

    def _claim(self, item_id: str, content_ids: tuple[str, ...]) -> _Claim | None:
        """None for an item nobody announced; sequence 0 for a push to skip; else the lease, once no other process
        holds it (waited for, at most until it expires)."""
        token = uuid.uuid4().hex
        while True:
            now = self._clock()
            with self.book.page() as page:
                kept = page.item(item_id)
                if kept is None:
                    return None
                if kept.wanted_id not in content_ids or kept.pushed >= kept.wanted:
                    return _Claim(0, token)
                if not kept.lease_owner or kept.lease_until <= now:
                    page.put_item(item_id, replace(kept, lease_owner=token, lease_until=now + self.lease_seconds))
                    return _Claim(kept.wanted, token)
            time.sleep(0.05)  # another process pushes this item now

    def _release(self, item_id: str, claim: _Claim, *, landed: bool) -> None:
        with self.book.page() as page:
            kept = page.item(item_id)
            if kept is None:
                return  # pruned meanwhile
            pushed = max(kept.pushed, claim.sequence) if landed else kept.pushed
            if kept.lease_owner == claim.token:
                kept = replace(kept, lease_owner="", lease_until=0.0)
            page.put_item(item_id, replace(kept, pushed=pushed))
