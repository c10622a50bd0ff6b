"""QueryWorkOrders as the work-order store takes it: a ``WorkOrderQuery`` of its filters, and the page cursor
(wo:PageCursor) a full page ends with and the next query continues after.

A bound of CreatedIn beyond the years 1-9999 in UTC is taken as the calendar's end. ``After`` naming no time of the
calendar is refused as ``bad-cursor`` (the query's handler has no engine refusal to translate: the
``BusinessRejection`` is raised here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from hub.validation.instants import InstantBeyondRange, read_instant, read_written_instant
from hub.workers import BusinessRejection
from hub.workflow.commands import WO, C, text_at
from hub.workflow.lifecycle import WorkOrderState

__all__ = ["CURSOR_TIME", "WorkOrderQuery", "page_cursor", "read_page_cursor", "work_order_query"]


def _bound(value: str | None) -> datetime | None:
    """A bound of a time range: beyond years 1-9999 in UTC it is the calendar's first or last instant (a range
    to the year 0 or 10000 holds the same work orders as one to the calendar's end)."""
    if value is None:
        return None
    try:
        return read_instant(value)
    except InstantBeyondRange:
        return datetime.min.replace(tzinfo=UTC) if read_written_instant(value).year <= 1 else \
            datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WorkOrderQuery:
    """QueryWorkOrders' filters; every one optional, pages of ``page_size`` newest first; ``created_from`` and
    ``created_to`` both inclusive (c:TimeRange)."""

    msisdn: str | None = None
    states: tuple[WorkOrderState, ...] = ()
    category: str | None = None
    area_code: str | None = None
    tiers: tuple[str, ...] = ()
    group_id: str | None = None  # one group customer's members' work orders, whatever their tier
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool = False  # only the complaints overdue, not replied at the query's moment (as statistics count)
    owner: str | None = None  # the department holding them
    incident_id: str | None = None  # an incident's children
    page: int = 1
    page_size: int = 20
    after: tuple[datetime, str] | None = None  # keyset paging: the rows after (created_at, id), newest first


CURSOR_TIME = "%Y%m%dT%H%M%S.%fZ"  # wo:PageCursor: the CreatedAt in UTC to the microsecond, "_", the id


def page_cursor(created_at: datetime, work_order_id: str) -> str:
    """The wo:PageCursor of a work order: a QueryWorkOrders' After continues with the ones after it."""
    return f"{created_at.astimezone(UTC).strftime(CURSOR_TIME)}_{work_order_id}"


def read_page_cursor(value: str | None) -> tuple[datetime, str] | None:
    """QueryWorkOrders' ``After`` (and ``onepoint workorders list --after``). wo:PageCursor's pattern lets through
    times no calendar has (month 13, hour 25, year 0000): such a cursor was never answered, and it is refused as the
    caller's mistake (``BusinessRejection`` code ``bad-cursor``, answered 422 at once and never retried), naming
    it."""
    if value is None:
        return None
    at, _, work_order = value.strip().partition("_")
    try:
        return datetime.strptime(at, CURSOR_TIME).replace(tzinfo=UTC), work_order
    except ValueError:
        raise BusinessRejection(f"After {value.strip()!r} is no page cursor the hub gave: {at!r} is no time of the "
                                "calendar (yyyymmddThhmmss.ffffffZ in UTC)", code="bad-cursor") from None


def work_order_query(document: etree._Element) -> WorkOrderQuery:
    ns = {"wo": WO, "c": C}
    created_from = _bound(text_at(document, "wo:CreatedIn/c:From"))
    created_to = _bound(text_at(document, "wo:CreatedIn/c:To"))
    if created_from is not None and created_to is not None and created_from > created_to:  # swapped bounds
        raise BusinessRejection(f"CreatedIn From {created_from.isoformat()} is after To {created_to.isoformat()}: "
                                "no work order can be in it (were the bounds swapped?)", code="bad-window")
    return WorkOrderQuery(
        msisdn=text_at(document, "wo:Msisdn"),
        states=tuple(WorkOrderState(e.text or "") for e in document.iterfind("wo:State", ns)),
        category=text_at(document, "wo:Category"),
        area_code=text_at(document, "wo:AreaCode"),
        tiers=tuple(e.text or "" for e in document.iterfind("wo:Tier", ns)),
        group_id=text_at(document, "wo:GroupId"),
        created_from=created_from,
        created_to=created_to,
        overdue=(text_at(document, "wo:Overdue") or "false").strip() in ("true", "1"),
        owner=text_at(document, "wo:Owner"),
        incident_id=text_at(document, "wo:IncidentId"),
        page=int(text_at(document, "wo:Page") or 1),
        page_size=int(text_at(document, "wo:PageSize") or 20),
        after=read_page_cursor(text_at(document, "wo:After")),
    )
