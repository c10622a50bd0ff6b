"""CRM documents ↔ calls: ``crm.NotifyAccountManager`` / ``crm.NotifyAreaOutage`` as call arguments, CRM's answers
as an ``AccountManagerNotice`` / ``AreaOutageTold``, and NSP's ``nsp.OutageNotice`` as the ``crm:NotifyAreaOutage``
the hub sends CRM.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.gateways import call_header, command_element, fields, timestamp
from hub.gateways.documents import shortened
from hub.validation.instants import InstantUnreadable, read_instant
from hub.validation.namespaces import COMMON_NS, CRM_NS, NSP_NS
from hub.workers.errors import BusinessRejection

__all__ = ["AREA_OUTAGE_FIELDS", "CRM_NS", "NOTICE_FIELDS", "NSP_NS", "AccountManagerNotice", "AccountManagerTold",
           "AreaOutageTold", "UnreadableNoticeTime", "area_outage_arguments", "area_outage_document",
           "area_outage_told", "notice", "notify_arguments"]

AREA_OUTAGE_FIELDS = ("OutageNoticeId", "Revision", "NoticeSentAt", "Kind", "Status", "Title", "Summary", "Area",
                      "Service", "Start", "ExpectedEnd", "ClearedAt",
                      "CustomerWording")  # NotifyAreaOutage after its Header, in order
_SUMMARY = 500  # crm:Summary
_PLACEHOLDER_ID = "hub-placeholder"  # the outbound path sets the real MessageId
NOTICE_FIELDS = ("AccountManagerId", "Msisdn", "CustomerTier", "CustomerName", "WorkOrderId", "CategoryCode",
                 "Summary", "Channel", "Priority", "DueAt")  # NotifyAccountManager after its Header, in order


class UnreadableNoticeTime(BusinessRejection):
    """An outage notice's time no ``datetime`` holds (a year beyond 9999): refused for good, with the reason, as
    the bulletin and the workflow refuse it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, code="inconsistent-notice")


def _check_times(notice: etree._Element) -> None:
    for name in ("Start", "ExpectedEnd", "ClearedAt"):
        written = notice.findtext(f"{{{NSP_NS}}}{name}")
        if written is not None:
            try:
                read_instant(written)
            except InstantUnreadable as exc:
                raise UnreadableNoticeTime(f"OutageNotice {name}: {exc}") from None


@dataclass(frozen=True, slots=True)
class AccountManagerNotice:
    """CRM recorded the notice for the account manager: its id (``None`` if CRM gave none)."""

    notice_id: str | None
    document: etree._Element


@dataclass(frozen=True, slots=True)
class AccountManagerTold:
    """An account manager CRM told of an area outage: his or her area, the customers of his or hers affected."""

    account_manager_id: str
    area_code: str
    affected_customers: int


@dataclass(frozen=True, slots=True)
class AreaOutageTold:
    """CRM's answer to NotifyAreaOutage: whom it told, how many customers; ``repeat`` when told before (Ack
    DUPLICATE: the same notice and status, nobody told twice)."""

    managers: tuple[AccountManagerTold, ...]
    affected_customers: int
    repeat: bool
    document: etree._Element


def notify_arguments(envelope: Envelope, sent_at: datetime | None = None) -> dict[str, Any]:
    """NotifyAccountManager's arguments: every field the caller gave, ``Channel`` as a list (1 to 4)."""
    found = fields(command_element(envelope), NOTICE_FIELDS, repeated=("Channel",))
    return {"Header": call_header(envelope, sent_at), **found}


def notice(document: etree._Element) -> AccountManagerNotice:
    """The ``NotifyAccountManagerResponse`` as an ``AccountManagerNotice``."""
    found: str | None = document.findtext(f"{{{CRM_NS}}}NoticeId")
    return AccountManagerNotice(notice_id=found, document=document)


def area_outage_arguments(envelope: Envelope, sent_at: datetime | None = None) -> dict[str, Any]:
    """NotifyAreaOutage's arguments: every field given, ``Area`` as a list of {AreaCode, District}, ``Service`` a
    list."""
    document = command_element(envelope)
    found = fields(document, AREA_OUTAGE_FIELDS, repeated=("Service",))
    found["Area"] = [{etree.QName(child).localname: child.text or "" for child in area}
                     for area in document.iterfind(f"{{{CRM_NS}}}Area")]
    return {"Header": call_header(envelope, sent_at), **{name: found[name] for name in AREA_OUTAGE_FIELDS
                                                          if name in found}}


def area_outage_told(document: etree._Element) -> AreaOutageTold:
    """The ``NotifyAreaOutageResponse`` as an ``AreaOutageTold``."""
    c, n = f"{{{COMMON_NS}}}", f"{{{CRM_NS}}}"
    managers = tuple(
        AccountManagerTold(m.findtext(n + "AccountManagerId") or "", m.findtext(n + "AreaCode") or "",
                           int(m.findtext(n + "AffectedCustomers") or 0))
        for m in document.iterfind(n + "AccountManager"))
    total = document.findtext(n + "AffectedCustomers")
    return AreaOutageTold(managers=managers,
                          affected_customers=int(total) if total else sum(m.affected_customers for m in managers),
                          repeat=document.findtext(f"{n}Ack/{c}Status") == "DUPLICATE", document=document)


def _summary(notice: etree._Element) -> str:
    """What the account managers read first: kind, notice, status, when, which services where."""
    n, c = f"{{{NSP_NS}}}", f"{{{COMMON_NS}}}"
    kind = "Network fault" if notice.findtext(n + "Kind") == "FAULT" else "Planned network work"
    where = ", ".join(" ".join(filter(None, (a.findtext(c + "AreaCode"), a.findtext(c + "District"))))
                      for a in notice.iterfind(n + "Area"))
    services = ", ".join(s.text or "" for s in notice.iterfind(n + "Service"))
    status = notice.findtext(n + "Status")
    if status == "WITHDRAWN":
        when = f"withdrawn {notice.findtext(n + 'ClearedAt') or 'now'}, issued in error: there was no outage"
        advice = "Tell your VIP and group customers there who ask that there was no outage after all."
    elif status == "CLEARED":
        when = f"over since {notice.findtext(n + 'ClearedAt') or 'now'}"
        advice = "Tell your VIP and group customers there who ask that it is over."
    else:
        end = notice.findtext(n + "ExpectedEnd")
        when = f"from {notice.findtext(n + 'Start')}" + (f" to {end}" if end else ", end not yet known")
        advice = "Your VIP and group customers there may call: answer with the agreed wording."
    text = f"{kind} {notice.findtext(n + 'NoticeId')} {when}: {services} in {where}. {advice}"
    return shortened(text, _SUMMARY)


def area_outage_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """The ``crm:NotifyAreaOutage`` telling CRM of the ``nsp.OutageNotice`` of ``envelope`` (the outbound path sets
    its MessageId; CorrelationId: the notice's message). Its times are copied as written (CRM reads
    ``xs:dateTime``); one no ``datetime`` holds is refused (``UnreadableNoticeTime``). ``NoticeSentAt`` is NSP's
    SentAt of the notice, as written: what tells CRM a correction NSP made without a new revision from the original
    it replaces (CRM keeps the newest version, as the bulletin does), and a revision sent before the clearance from
    a reopening."""
    notice = command_element(envelope)
    _check_times(notice)
    n = f"{{{NSP_NS}}}"
    root = etree.Element(f"{{{CRM_NS}}}NotifyAreaOutage", nsmap={"crm": CRM_NS, "c": COMMON_NS})
    header = etree.SubElement(root, f"{{{CRM_NS}}}Header")
    for name, value in (("MessageId", _PLACEHOLDER_ID), ("SourceSystem", "HUB"),
                        ("SentAt", timestamp(sent_at or datetime.now(UTC)))):
        etree.SubElement(header, f"{{{COMMON_NS}}}{name}").text = value

    def add(name: str, value: str | None) -> None:
        if value is not None:
            etree.SubElement(root, f"{{{CRM_NS}}}{name}").text = value

    add("OutageNoticeId", notice.findtext(n + "NoticeId"))
    add("Revision", notice.findtext(n + "Revision"))
    add("NoticeSentAt", notice.findtext(f"{n}Header/{{{COMMON_NS}}}SentAt"))
    for name in ("Kind", "Status", "Title"):
        add(name, notice.findtext(n + name))
    add("Summary", _summary(notice))
    for area in notice.iterfind(n + "Area"):
        copied = etree.SubElement(root, f"{{{CRM_NS}}}Area")
        for child in area:
            etree.SubElement(copied, child.tag).text = child.text
    for service in notice.iterfind(n + "Service"):
        add("Service", service.text)
    for name in ("Start", "ExpectedEnd", "ClearedAt", "CustomerWording"):
        add(name, notice.findtext(n + name))
    return root
