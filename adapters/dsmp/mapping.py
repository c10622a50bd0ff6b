"""DSMP documents ↔ calls: the hub's dsmp.* queries as DSMP gets them, the facts of an SMS-log query for its audit
row, DSMP's answers as ``SmsLogPage`` / ``SpComplaintStats``.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from hub.envelope import Envelope
from hub.gateways import command_element, forward_document
from hub.validation.namespaces import COMMON_NS, DSMP_NS

__all__ = ["DSMP_NS", "SmsLogPage", "SmsLogQuery", "SpComplaintStats", "query_document", "sms_log_page",
           "sms_log_query", "sp_complaint_stats"]



@dataclass(frozen=True, slots=True)
class SmsLogQuery:
    """Who asks for whose SMS records, from where, for which period and why (the facts its audit row keeps)."""

    msisdn: str
    operator: str
    operator_ip: str
    period_from: datetime
    period_to: datetime
    purpose: str
    work_order_id: str
    approval_id: str | None = None

    @property
    def stated_purpose(self) -> str:
        """The purpose as audited: the work order it serves, the reason given, the approval if any."""
        approval = f" (approval {self.approval_id})" if self.approval_id else ""
        return f"{self.work_order_id}: {self.purpose}{approval}"


@dataclass(frozen=True, slots=True)
class SmsLogPage:
    """DSMP's answer: the records of this page (``rows``), every matching one (``total``), DSMP's audit id."""

    rows: int
    total: int | None
    audit_id: str | None
    document: etree._Element


@dataclass(frozen=True, slots=True)
class SpComplaintStats:
    rows: int
    total: int | None
    document: etree._Element


def _text(element: etree._Element, path: str) -> str:
    found = element.findtext(path)
    if not found:
        raise ValueError(f"{etree.QName(element).localname} without {path.rsplit('}', 1)[-1]}")
    return str(found)


def sms_log_query(envelope: Envelope) -> SmsLogQuery:
    """The facts of a ``dsmp.QuerySmsLog`` (the XSD requires each one; a missing one is a ``ValueError``)."""
    document = command_element(envelope)
    d, c = f"{{{DSMP_NS}}}", f"{{{COMMON_NS}}}"
    return SmsLogQuery(
        msisdn=_text(document, f"{d}Msisdn"), operator=_text(document, f"{d}OperatorAccount"),
        operator_ip=_text(document, f"{d}OperatorIp"),
        period_from=datetime.fromisoformat(_text(document, f"{d}Period/{c}From")),
        period_to=datetime.fromisoformat(_text(document, f"{d}Period/{c}To")),
        purpose=_text(document, f"{d}Purpose"), work_order_id=_text(document, f"{d}WorkOrderId"),
        approval_id=document.findtext(f"{d}ApprovalId"),
    )


def query_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """A dsmp.* query as DSMP gets it: every field the caller gave, under the hub's header (same MessageId)."""
    return forward_document(envelope, sent_at)


def _count(document: etree._Element, name: str) -> int | None:
    found = document.findtext(f"{{{DSMP_NS}}}{name}")
    return None if found is None else int(found)


def sms_log_page(document: etree._Element) -> SmsLogPage:
    """The ``QuerySmsLogResponse`` as an ``SmsLogPage``."""
    return SmsLogPage(rows=len(document.findall(f"{{{DSMP_NS}}}Record")), total=_count(document, "Total"),
                      audit_id=document.findtext(f"{{{DSMP_NS}}}AuditId"), document=document)


def sp_complaint_stats(document: etree._Element) -> SpComplaintStats:
    """The ``QuerySpComplaintStatsResponse`` as ``SpComplaintStats``."""
    return SpComplaintStats(rows=len(document.findall(f"{{{DSMP_NS}}}Row")), total=_count(document, "Total"),
                            document=document)
