"""NSP's outage notices as the workflow keeps them (table ``outage_notices``): the newest revision of each notice,
with the counters of the complaints it explains (written by ``hub.workflow.outages.notice_counts``) and the fault
report's / information notice's own fields (``NoticeReport``: initiator, reply time, the handler's result feedback,
customer service's feedback, the sender's answer; migration 0021).

A revision is stored only if it is newer than the one kept (an older or repeated revision is ignored: NSP's
call-backs may overtake each other), and a changed notice that kept its revision only if NSP sent it no earlier
than the kept one (the original redelivered after its correction is stale); an ACTIVE one NSP sent before the kept
clearance is stale whatever its revision (``hub.bulletin.notice.sent_before_clearance``). CLEARED and WITHDRAWN
set ``cleared_at`` (the notice's ClearedAt, else the arrival time). A kept withdrawal (WITHDRAWN: issued in error,
no outage) is NSP's last word: every version after it is ignored (``after_withdrawal``). ``sent_at`` is when NSP
last said the kept version: the latest SentAt of the applied notice (a resend unchanged moves it on); none for a
notice without a readable SentAt, or kept before migration 0013 (its next change at the same revision is then judged
by content alone).
``active_notices`` reads the few ACTIVE ones through ``ix_outage_notices_status``; ``ActiveNotices`` is what the
intake rule reads them by: in each complaint's own transaction only their ids, revisions and last changes (on SQLite
about 40 µs against 100-200 µs for reading and parsing the rows), the parsed notices kept per process by those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from hub.bulletin.notice import (
    ACTIVE,
    CLEARED,
    WITHDRAWN,
    AffectedArea,
    OutageNotice,
    after_withdrawal,
    notice_instant,
    resolve_revision,
    sent_before_clearance,
)
from hub.validation.instants import read_instant
from hub.workflow.clock import as_utc
from hub.workflow.outages.notice_report import NoticeReport
from hub.workflow.store.dialect import insert_ignore
from hub.workflow.store.prepared import Prepared
from hub.workflow.store.schema import outage_notices

__all__ = ["ACTIVE", "CLEARED", "WITHDRAWN", "ActiveNotices", "NoticeArrival", "StoredNotice", "active_notices",
           "get_notice", "record_notice"]

_on = outage_notices.c
_ACTIVE = select(outage_notices).where(_on.status == ACTIVE).order_by(_on.notice_id)
_ACTIVE_KEYS = Prepared(select(_on.notice_id, _on.revision, _on.updated_at).where(_on.status == ACTIVE)
                        .order_by(_on.notice_id))
_ONE = select(outage_notices).where(_on.notice_id == bindparam("nid"))
_SAID_AT = update(outage_notices).where(  # NSP said the kept version again, later
    _on.notice_id == bindparam("nid"), (_on.sent_at.is_(None)) | (_on.sent_at < bindparam("said_at"))
).values(sent_at=bindparam("said_at"))


@dataclass(frozen=True, slots=True)
class StoredNotice:
    """One notice's newest revision, times in UTC."""

    notice_id: str
    revision: int
    kind: str
    title: str
    status: str
    services: frozenset[str]
    areas: tuple[AffectedArea, ...]
    start_at: datetime
    expected_end: datetime | None
    cleared_at: datetime | None
    customer_wording: str
    linked_count: int = 0
    auto_answered_count: int = 0
    dispatch_count: int = 0
    updated_at: datetime | None = None  # when the hub last applied a change of it (a correction included)
    report: NoticeReport | None = None  # the fault report's / information notice's own fields (0021), if any

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def withdrawn(self) -> bool:
        return self.status == WITHDRAWN

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StoredNotice:
        areas = tuple(AffectedArea(area["code"], area.get("district")) for area in json.loads(row["areas"]))
        return cls(row["notice_id"], int(row["revision"]), row["kind"], row["title"], row["status"],
                   frozenset(row["services"].split()), areas, row["start_at"], row["expected_end"],
                   row["cleared_at"], row["customer_wording"], int(row["linked_count"] or 0),
                   int(row["auto_answered_count"] or 0), int(row["dispatch_count"] or 0), row.get("updated_at"),
                   NoticeReport.from_row(row))


@dataclass(frozen=True, slots=True)
class NoticeArrival:
    """What storing a revision did: ``applied`` False for an older or repeated revision (``stored`` is then the
    kept one); ``previous_status`` is the kept revision's status before (None for a notice seen first)."""

    stored: StoredNotice
    applied: bool
    previous_status: str | None


def _time(value: str | None) -> datetime | None:
    """A notice's time as ``xs:dateTime`` reads it (T24:00:00 included); beyond a ``datetime``: refused for good
    (``InconsistentNotice``, as the bulletin refuses it)."""
    return None if value is None else as_utc(notice_instant(value))


def _sent_at(notice: OutageNotice) -> datetime | None:
    """NSP's SentAt of the notice message in UTC; None when it has none or none a ``datetime`` holds (then the
    notice's content alone tells a correction, as before SentAt was compared)."""
    try:
        return None if notice.sent_at is None else as_utc(read_instant(notice.sent_at))
    except (ValueError, OverflowError):  # InstantUnreadable, InstantBeyondRange
        return None


def _columns(notice: OutageNotice, now: datetime) -> dict[str, Any]:
    cleared = _time(notice.cleared_at)
    if not notice.active and cleared is None:  # cleared or withdrawn: when it ended
        cleared = now
    return {
        "revision": notice.revision, "kind": notice.kind, "title": notice.title, "status": notice.status,
        "services": " ".join(notice.services),
        "areas": json.dumps([{"code": a.code, "district": a.district} for a in notice.areas], ensure_ascii=False),
        "start_at": _time(notice.start), "expected_end": _time(notice.expected_end), "cleared_at": cleared,
        "customer_wording": notice.customer_wording, "content": notice.content,
        "sending_department": notice.sending_department, "updated_at": now, "sent_at": _sent_at(notice),
        "initiator": notice.initiator, "reply_time": _time(notice.reply_time),
        "feedback_result": notice.feedback_result, "feedback_handler": notice.feedback_handler,
        "feedback_phone": notice.feedback_phone, "feedback_at": _time(notice.feedback_at),
        "customer_service_feedback": notice.customer_service_feedback, "sender_answer": notice.sender_answer,
    }


def get_notice(db: Connection, notice_id: str, *, for_update: bool = False) -> StoredNotice | None:
    query = _ONE.with_for_update() if for_update else _ONE
    row = db.execute(query, {"nid": notice_id}).mappings().first()
    return None if row is None else StoredNotice.from_row(dict(row))


def _same_or_overtaken(db: Connection, notice: OutageNotice, columns: Mapping[str, Any]) -> bool:
    """Whether the kept row (the same revision and status as ``notice``) says what ``columns`` say (the bulletin's
    "unchanged"; times compared as moments; NSP's later SentAt of it is kept), or says something else NSP sent
    later (``notice`` is the original its correction overtook)."""
    row = db.execute(_ONE, {"nid": notice.notice_id}).mappings().first()
    if row is None:
        return False

    def said(value: Any) -> Any:
        return as_utc(value) if isinstance(value, datetime) else value

    sent_at = _sent_at(notice)
    if all(said(row[key]) == said(value) for key, value in columns.items()
           if key not in ("revision", "updated_at", "sent_at")):
        if sent_at is not None:
            db.execute(_SAID_AT, {"nid": notice.notice_id, "said_at": sent_at})
        return True
    kept_sent_at = said(row["sent_at"])
    return sent_at is not None and kept_sent_at is not None and sent_at < kept_sent_at


def _reopened_before_clearance(db: Connection, notice: OutageNotice, kept: StoredNotice) -> bool:
    """Whether ``notice`` is an ACTIVE version NSP sent before the kept clearance (``sent_before_clearance``)."""
    if not (notice.active and kept.status == CLEARED):
        return False
    kept_sent_at = db.execute(select(_on.sent_at).where(_on.notice_id == notice.notice_id)).scalar()
    return sent_before_clearance(True, _sent_at(notice), True, kept_sent_at)


def record_notice(db: Connection, notice: OutageNotice, now: datetime) -> NoticeArrival:
    """Keep ``notice`` by the bulletin's rule (``hub.bulletin.board``): the notice's first revision, a newer one, a
    changed notice that kept its revision (NSP corrected it), or its clearance at the same revision; an older
    revision, the same one unchanged, a changed one NSP sent before the kept one (the original after its
    correction), an ACTIVE one after its clearance at the same revision, or an ACTIVE one of any revision NSP sent
    before the kept clearance (a revision the clearance overtook) is ignored, and so is any version after a kept
    withdrawal. A notice without a Revision is
    revision 1, except a clearance, which clears the kept revision. The row stays locked until commit."""
    kept = get_notice(db, notice.notice_id, for_update=True)
    notice = resolve_revision(notice, None if kept is None else kept.revision)
    columns = _columns(notice, now)
    if kept is None:
        inserted = db.execute(insert_ignore(db, outage_notices).values(
            notice_id=notice.notice_id, received_at=now, **columns).returning(_on.notice_id)).first()
        kept = get_notice(db, notice.notice_id, for_update=True)
        assert kept is not None  # inserted above, or by a concurrent transaction just before
        if inserted is not None:
            return NoticeArrival(kept, True, None)
    if after_withdrawal(kept.status):  # NSP withdrew it: nothing it sends of the notice after that is applied
        return NoticeArrival(kept, False, kept.status)
    if notice.cleared_at is None and notice.status == CLEARED and kept.status == CLEARED:
        columns["cleared_at"] = kept.cleared_at  # the same clearance again: not cleared a second time "now"
    if notice.revision < kept.revision or (notice.revision == kept.revision and (
            (kept.status == CLEARED and notice.status == ACTIVE)
            or (kept.status == notice.status and _same_or_overtaken(db, notice, columns)))) \
            or _reopened_before_clearance(db, notice, kept):
        return NoticeArrival(kept, False, kept.status)
    db.execute(update(outage_notices).where(_on.notice_id == notice.notice_id).values(**columns))
    fresh = get_notice(db, notice.notice_id)
    assert fresh is not None
    return NoticeArrival(fresh, True, kept.status)


def active_notices(db: Connection) -> list[StoredNotice]:
    """The ACTIVE notices (a handful: the status index reads only them), in notice id order."""
    return [StoredNotice.from_row(dict(row)) for row in db.execute(_ACTIVE).mappings()]


class ActiveNotices:
    """The ACTIVE notices as of the caller's transaction, without re-reading and re-parsing unchanged ones.

    Every read asks the store which notices are active at which revision and when each was last changed (exact on
    any number of hub processes: a notice counts the moment it commits, which a time-to-live cache could not
    promise; a correction NSP made at the same revision changes ``updated_at``); only a notice, revision or
    correction not seen before is read in full. The counters of the notices returned are those of their first
    read."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, int, datetime | None], StoredNotice] = {}

    def read(self, db: Connection) -> list[StoredNotice]:
        keys: list[tuple[str, int, datetime | None]] = [
            (str(notice_id), int(revision), updated_at) for notice_id, revision, updated_at in _ACTIVE_KEYS.all(db, {})]
        if any(key not in self._parsed for key in keys):
            fresh = {(notice.notice_id, notice.revision, notice.updated_at): notice for notice in active_notices(db)}
            self._parsed = {key: fresh.get(key) or self._parsed[key] for key in keys
                            if key in fresh or key in self._parsed}
        elif len(self._parsed) != len(keys):
            self._parsed = {key: self._parsed[key] for key in keys}
        return [self._parsed[key] for key in keys if key in self._parsed]
