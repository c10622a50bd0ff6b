"""QueryStatistics as the statistics take it, and QueryStatisticsResponse built from the figures (pure; the answer
validates against workorder.xsd).

The window is whole local days of the statistics' time zone: ``Days`` as given (an ``xs:date`` with a time zone,
``2026-11-01+08:00``, is the day written), ``CreatedIn`` widened to the days its instants fall on, none: the 30 days
up to today. A window the statistics cannot read (``figures.check_window``: backwards, outside
``EARLIEST_DAY``…``LATEST_DAY``, longer than ``MAX_WINDOW_DAYS``) raises ``BadWindow``.

The answer lists at most ``MAX_OUTAGES`` outages (the schema's ``maxOccurs``): the newest of the window, in the order
they started like the figures, and ``OutagesTotal`` says how many the window holds in all, so a window with more is
never silently cut (the figures keep them all: ``onepoint stats`` shows every one).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from lxml import etree

from hub.envelope import Envelope
from hub.gateways.documents import timestamp
from hub.validation.instants import read_instant
from hub.workflow.statistics.figures import (
    EARLIEST_DAY,
    LATEST_DAY,
    BadWindow,
    DepartmentFigures,
    Figures,
    StatisticsQuery,
)

__all__ = ["DEFAULT_DAYS", "MAX_DEPARTMENTS", "MAX_OUTAGES", "statistics_answer", "statistics_query"]

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
DEFAULT_DAYS = 30
MAX_OUTAGES = 500  # wo:Outage's maxOccurs in QueryStatisticsResponse
MAX_DEPARTMENTS = 200  # wo:Department's (the most replies first: a province has a few dozen departments)


_XS_DATE = re.compile(r"(-?\d{4,})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")


def _day(value: str) -> date:
    """An ``xs:date`` as the day written (its time zone, if any, left aside)."""
    found = _XS_DATE.fullmatch(value.strip())
    try:
        if found is None:
            raise ValueError(value)
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise BadWindow(f"the day {value!r} is not one of the days the statistics read: "
                        f"{EARLIEST_DAY} … {LATEST_DAY}") from None


def _local_day(value: str, zone: tzinfo) -> date:
    """The local day an ``xs:dateTime`` of ``CreatedIn`` falls on."""
    try:
        return read_instant(value).astimezone(zone).date()
    except (ValueError, OverflowError):  # InstantUnreadable is a ValueError
        raise BadWindow(f"the instant {value!r} is not within the days the statistics read: "
                        f"{EARLIEST_DAY} … {LATEST_DAY}") from None


def statistics_query(document: etree._Element, zone: tzinfo, today: date) -> StatisticsQuery:
    """The query of a QueryStatistics; ``BadWindow`` (a ValueError) for a window the statistics cannot read."""
    first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
    days = document.find("wo:Days", NS)
    created_in = document.find("wo:CreatedIn", NS)
    if days is not None:
        first, last = _day(days.findtext("wo:From", "", NS)), _day(days.findtext("wo:To", "", NS))
    elif created_in is not None:
        first = _local_day(created_in.findtext("c:From", "", NS), zone)
        last = _local_day(created_in.findtext("c:To", "", NS), zone)
    level = document.findtext("wo:CategoryLevel", None, NS)
    top = document.findtext("wo:Top", None, NS)
    return StatisticsQuery(first, last, document.findtext("wo:AreaCode", None, NS),
                           3 if level is None else int(level), 10 if top is None else int(top),
                           document.findtext("wo:Department", None, NS))


def _add(parent: etree._Element, name: str, value: object, namespace: str = WO) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if isinstance(value, datetime):
        element.text = timestamp(value)
    elif isinstance(value, float):
        element.text = f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"
    elif value is not None:
        element.text = str(value)
    return element


def _optional(parent: etree._Element, name: str, value: object) -> None:
    if value is not None and value != "":
        _add(parent, name, value)


def statistics_answer(envelope: Envelope, figures: Figures, now: datetime) -> etree._Element:
    root = etree.Element(f"{{{WO}}}QueryStatisticsResponse", nsmap=NS)
    ack = _add(root, "Ack", None)
    _add(ack, "MessageId", envelope.message_id, C)
    if envelope.correlation_id:
        _add(ack, "CorrelationId", envelope.correlation_id, C)
    _add(ack, "Status", "COMPLETED", C)
    _add(ack, "ReceivedAt", now, C)
    query, totals = figures.query, figures.totals
    days = _add(root, "Days", None)
    _add(days, "From", query.first_day.isoformat())
    _add(days, "To", query.last_day.isoformat())
    _optional(root, "AreaCode", query.area_code)
    _add(root, "CategoryLevel", query.level)
    element = _add(root, "Totals", None)
    for name, value in (("Complaints", totals.complaints), ("RepeatComplaints", totals.repeat_complaints),
                        ("Dispatched", totals.dispatched), ("InvalidDispatches", totals.invalid_dispatches),
                        ("DispatchesRefused", totals.dispatches_refused), ("AutoAnswered", totals.auto_answered),
                        ("FirstContactResolved", totals.first_contact_resolved), ("Replied", totals.replied),
                        ("RepliedInSla", totals.replied_in_sla), ("RepliedLate", totals.replied_late),
                        ("Overdue", totals.overdue), ("CancelledOverdue", totals.cancelled_overdue),
                        ("ReturnVisited", totals.return_visited),
                        ("ReturnVisitedInTime", totals.return_visited_in_time),
                        ("ReturnVisitedLate", totals.return_visited_late), ("Closed", totals.closed),
                        ("Cancelled", totals.cancelled), ("Escalated", totals.escalated),
                        ("Incidents", totals.incidents), ("Reminded", totals.reminded),
                        ("Satisfied", totals.satisfied), ("BasicallySatisfied", totals.basically_satisfied),
                        ("Dissatisfied", totals.dissatisfied), ("NotReached", totals.not_reached),
                        ("VisitAttemptsNotReached", totals.visit_attempts_not_reached)):
        _add(element, name, value)
    element = _add(root, "Shares", None)
    for name, share in (("FirstContactResolution", figures.first_contact_resolution),
                        ("InvalidDispatch", figures.invalid_dispatch), ("RepeatComplaint", figures.repeat_complaint),
                        ("SlaCompliance", figures.sla_compliance), ("Satisfaction", figures.satisfaction),
                        ("ReturnVisitInTime", figures.return_visit_in_time)):
        _optional(element, name, share)
    for spot in figures.hot_spots:
        element = _add(root, "HotSpot", None)
        _add(element, "Category", spot.category)
        _optional(element, "AreaCode", spot.area_code)
        _add(element, "Complaints", spot.complaints)
        _add(element, "Share", spot.share)
    for provider in figures.service_providers:
        element = _add(root, "ServiceProvider", None)
        _add(element, "SpCode", provider.sp_code)
        _add(element, "Complaints", provider.complaints)
        _add(element, "Share", provider.share)
    for tier in figures.tiers[:11]:
        element = _add(root, "TierSla", None)
        _optional(element, "Tier", tier.tier)
        for name, value in (("Replied", tier.replied), ("InSla", tier.in_sla), ("Late", tier.late),
                            ("Overdue", tier.overdue), ("CancelledOverdue", tier.cancelled_overdue),
                            ("VisitedInTime", tier.visited_in_time), ("VisitedLate", tier.visited_late)):
            _add(element, name, value)
        _optional(element, "Compliance", tier.compliance)
    _add(root, "OutagesTotal", len(figures.outages))
    for outage in figures.outages[-MAX_OUTAGES:]:  # oldest first: the last are the newest
        element = _add(root, "Outage", None)
        _add(element, "NoticeId", outage.notice_id)
        _optional(element, "Title", outage.title)
        _add(element, "StartAt", outage.start_at)
        _add(element, "Status", outage.status)
        for name, value in (("Linked", outage.linked), ("AutoAnswered", outage.auto_answered),
                            ("Dispatched", outage.dispatched)):
            _add(element, name, value)
    for department in figures.departments[:MAX_DEPARTMENTS]:
        _department(_add(root, "Department", None), department)
    for group in figures.groups:
        element = _add(root, "Group", None)
        _add(element, "GroupId", group.group_id)
        _optional(element, "GroupName", group.group_name[:200] if group.group_name else None)  # c:ShortText
        _add(element, "Complaints", group.complaints)
        _add(element, "Share", group.share)
    return root


def _department(element: etree._Element, figures: DepartmentFigures) -> None:
    _optional(element, "Department", figures.department)
    for name, value in (("Dispatched", figures.dispatched), ("InvalidDispatches", figures.invalid_dispatches),
                        ("DispatchesRefused", figures.dispatches_refused),
                        ("FirstContactResolved", figures.first_contact_resolved), ("Replied", figures.replied),
                        ("RepliedInSla", figures.replied_in_sla), ("RepliedLate", figures.replied_late),
                        ("Overdue", figures.overdue), ("Escalated", figures.escalated),
                        ("Reminded", figures.reminded), ("ReturnVisited", figures.return_visited),
                        ("Satisfied", figures.satisfied), ("BasicallySatisfied", figures.basically_satisfied),
                        ("Dissatisfied", figures.dissatisfied), ("NotReached", figures.not_reached)):
        _add(element, name, value)
    _optional(element, "SlaCompliance", figures.sla_compliance)
    _optional(element, "Satisfaction", figures.satisfaction)
