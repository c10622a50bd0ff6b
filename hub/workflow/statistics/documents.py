"""QueryStatistics as the statistics take it, and QueryStatisticsResponse built from the figures (pure; the answer
validates against workorder.xsd).

The window is whole local days of the statistics' time zone: ``Days`` as given, ``CreatedIn`` widened to the days
its instants fall on, none: the 30 days up to today.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from lxml import etree

from hub.envelope import Envelope
from hub.gateways.documents import timestamp
from hub.workflow.statistics.figures import Figures, StatisticsQuery

__all__ = ["DEFAULT_DAYS", "statistics_answer", "statistics_query"]

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
DEFAULT_DAYS = 30


def statistics_query(document: etree._Element, zone: tzinfo, today: date) -> StatisticsQuery:
    first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
    days = document.find("wo:Days", NS)
    created_in = document.find("wo:CreatedIn", NS)
    if days is not None:
        first = date.fromisoformat(days.findtext("wo:From", "", NS))
        last = date.fromisoformat(days.findtext("wo:To", "", NS))
    elif created_in is not None:
        first = datetime.fromisoformat(created_in.findtext("c:From", "", NS)).astimezone(zone).date()
        last = datetime.fromisoformat(created_in.findtext("c:To", "", NS)).astimezone(zone).date()
    if last < first:
        raise ValueError(f"the window ends ({last}) before it begins ({first})")
    level = document.findtext("wo:CategoryLevel", None, NS)
    top = document.findtext("wo:Top", None, NS)
    return StatisticsQuery(first, last, document.findtext("wo:AreaCode", None, NS),
                           3 if level is None else int(level), 10 if top is None else int(top))


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
                        ("ReturnVisited", totals.return_visited), ("Closed", totals.closed),
                        ("Incidents", totals.incidents)):
        _add(element, name, value)
    element = _add(root, "Shares", None)
    for name, share in (("FirstContactResolution", figures.first_contact_resolution),
                        ("InvalidDispatch", figures.invalid_dispatch), ("RepeatComplaint", figures.repeat_complaint),
                        ("SlaCompliance", figures.sla_compliance)):
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
        for name, value in (("Replied", tier.replied), ("InSla", tier.in_sla), ("Late", tier.late)):
            _add(element, name, value)
        _optional(element, "Compliance", tier.compliance)
    for outage in figures.outages[:500]:
        element = _add(root, "Outage", None)
        _add(element, "NoticeId", outage.notice_id)
        _optional(element, "Title", outage.title)
        _add(element, "StartAt", outage.start_at)
        _add(element, "Status", outage.status)
        for name, value in (("Linked", outage.linked), ("AutoAnswered", outage.auto_answered),
                            ("Dispatched", outage.dispatched)):
            _add(element, name, value)
    return root
