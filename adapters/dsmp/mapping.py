"""DSMP documents ↔ calls: the hub's dsmp.* queries as DSMP gets them, the facts of an SMS-log query for its audit
row, the facts of a query of the SP complaint figures for its rows (``hub.audit.QueryFacts``), DSMP's answers as
``SmsLogPage`` / ``SpComplaintStats``.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples. The facts of a query are read
whatever the document holds (``sms_log_query`` never raises: a query that cannot be run is still audited with
what it says); ``SmsLogQuery.require`` and ``SmsLogQuery.period`` then refuse what cannot be run. ``page_faults``
says why a page DSMP answered is not an answer to the query it was asked (more records than its ``PageSize``, a
record the queried number is no party to: its ``CallingNumber`` nor its ``CalledNumber``, a record whose send and
delivery status disagree: ``adapters.dsmp.send_status``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree

from adapters.dsmp.periods import Moment, check_period, read_moment
from adapters.dsmp.send_status import status_faults
from hub.audit.query_facts import SP_FIGURES, QueryFacts, query_facts
from hub.envelope import Envelope
from hub.gateways import command_element, forward_document
from hub.observability.masking import mask_msisdn_tail
from hub.validation.namespaces import COMMON_NS, DSMP_NS

__all__ = ["DSMP_NS", "SmsLogPage", "SmsLogQuery", "SpComplaintStats", "message_caller", "page_faults",
           "query_document", "sms_log_page", "sms_log_query", "sp_complaint_stats", "sp_figures_facts"]

_D, _C = f"{{{DSMP_NS}}}", f"{{{COMMON_NS}}}"
_REQUIRED = {"msisdn": f"{_D}Msisdn", "operator": f"{_D}OperatorAccount", "operator_ip": f"{_D}OperatorIp",
             "period_from": f"{_D}Period/{_C}From", "period_to": f"{_D}Period/{_C}To", "purpose": f"{_D}Purpose",
             "work_order_id": f"{_D}WorkOrderId"}


@dataclass(frozen=True, slots=True)
class SmsLogQuery:
    """Who asks for whose SMS records, from where, for which period and why (the facts its audit row keeps), as
    the document says them (a field it lacks: ""); and who sent it, as the hub's ingress saw it."""

    msisdn: str
    operator: str
    operator_ip: str
    period_from_text: str
    period_to_text: str
    purpose: str
    work_order_id: str
    approval_id: str | None = None
    caller: str | None = None  # the caller the ingress authenticated (envelope header "caller")
    peer: str | None = None  # the address its connection came from (envelope header "peer")
    unreadable: str | None = None  # why the document could not be read at all

    @property
    def stated_purpose(self) -> str:
        """The purpose as audited: the work order it serves, the reason given, the approval if any."""
        approval = f" (approval {self.approval_id})" if self.approval_id else ""
        return f"{self.work_order_id}: {self.purpose}{approval}"

    def require(self) -> None:
        """``ValueError`` for a document that could not be read or lacks a field the XSD requires."""
        if self.unreadable:
            raise ValueError(f"QuerySmsLog unreadable: {self.unreadable}")
        missing = [name for name in _REQUIRED if not getattr(self, _field(name))]
        if missing:
            raise ValueError(f"QuerySmsLog without {', '.join(missing)}")

    def period(self) -> tuple[Moment, Moment]:
        """The period, read; ``PeriodRefused`` for one the hub cannot read or that ends before it starts."""
        start, end = read_moment(self.period_from_text), read_moment(self.period_to_text)
        check_period(start, end)
        return start, end

    def audited_period(self) -> tuple[datetime | str | None, datetime | str | None]:
        """The period as its audit row keeps it: each end in UTC, or as written when the hub cannot read it."""
        return _audited(self.period_from_text), _audited(self.period_to_text)


def _field(name: str) -> str:
    return f"{name}_text" if name.startswith("period_") else name


def _audited(text: str) -> datetime | str | None:
    if not text:
        return None
    try:
        return read_moment(text).audited
    except ValueError:  # PeriodRefused too: kept as written
        return text


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


def sms_log_query(envelope: Envelope) -> SmsLogQuery:
    """The facts of a ``dsmp.QuerySmsLog`` and of who sent it; never raises (see ``SmsLogQuery.check``)."""
    caller, peer = message_caller(envelope)
    try:
        document = command_element(envelope)
    except Exception as exc:  # the ingress validated it: a message of another hub, or a broken one
        return SmsLogQuery("", "", "", "", "", "", "", caller=caller, peer=peer,
                           unreadable=f"{type(exc).__name__}: {exc}")
    found = {_field(name): (document.findtext(path) or "").strip() for name, path in _REQUIRED.items()}
    return SmsLogQuery(**found, approval_id=document.findtext(f"{_D}ApprovalId"), caller=caller, peer=peer)


def sp_figures_facts(envelope: Envelope) -> QueryFacts:
    """The facts of a ``dsmp.QuerySpComplaintStats`` its audit rows keep (as the ingress reads a refused one),
    under the hub's message id; never raises (a document that cannot be read: its rows say so)."""
    try:
        facts = query_facts(command_element(envelope))
    except Exception as exc:  # the ingress validated it: a message of another hub, or a broken one
        facts = QueryFacts(statement=f"{SP_FIGURES} unreadable: {type(exc).__name__}: {exc}")
    return replace(facts, message_id=envelope.message_id)


def message_caller(envelope: Envelope) -> tuple[str | None, str | None]:
    """Who sent the message, as the ingress saw it: the caller it authenticated and its connection's address."""
    return _header(envelope, "caller"), _header(envelope, "peer")


def _header(envelope: Envelope, name: str) -> str | None:
    value = envelope.headers.get(name)
    return None if value is None or value == "" else str(value)


def query_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """A dsmp.* query as DSMP gets it: every field the caller gave, under the hub's header (same MessageId); a
    period end written ``T24:00:00`` as 00:00 of the next day (the same moment, in the spelling every reader
    knows)."""
    document = forward_document(envelope, sent_at)
    for end in document.iterfind(f"{_D}Period/*"):
        if end.text and "T24:" in end.text:
            with suppress(ValueError):  # DSMP refuses what it cannot read
                end.text = read_moment(end.text).forwarded
    return document


def _count(document: etree._Element, name: str) -> int | None:
    found = document.findtext(f"{{{DSMP_NS}}}{name}")
    return None if found is None else int(found)


def sms_log_page(document: etree._Element) -> SmsLogPage:
    """The ``QuerySmsLogResponse`` as an ``SmsLogPage``."""
    return SmsLogPage(rows=len(document.findall(f"{{{DSMP_NS}}}Record")), total=_count(document, "Total"),
                      audit_id=document.findtext(f"{{{DSMP_NS}}}AuditId"), document=document)


_CALLING, _CALLED = f"{_D}CallingNumber", f"{_D}CalledNumber"


def page_faults(page: SmsLogPage, asked: etree._Element) -> list[str]:
    """Why ``page`` does not answer the QuerySmsLog ``asked`` (as DSMP got it); empty when it does. A record is the
    queried subscriber's when its calling or called number is the ``Msisdn`` asked, with or without the country code
    86 (``dsmp:SmsAddress``). Numbers in the reasons are masked but for their last 4 digits."""
    faults = []
    size = asked.findtext(f"{_D}PageSize")
    if size is not None and size.strip().isdigit() and page.rows > int(size):
        faults.append(f"{page.rows} records on a page of at most {int(size)} asked")
    msisdn = (asked.findtext(f"{_D}Msisdn") or "").strip()
    own = {msisdn, f"86{msisdn}"}
    others = [parties for parties in _parties(page.document) if own.isdisjoint(parties)]
    if others:
        shown = ", ".join(f"{mask_msisdn_tail(calling)} to {mask_msisdn_tail(called)}"
                          for calling, called in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        faults.append(f"{len(others)} record(s) the queried {mask_msisdn_tail(msisdn)} is no party to "
                      f"({shown}{more})")
    return faults + status_faults(page.document)


def _parties(document: etree._Element) -> Iterator[tuple[str, str]]:
    """Each record's calling and called numbers, as written: the XSD-valid answer's records hold one of each, in
    that order, so one pass over those two tags pairs them (bench/README.md: what a lookup per record cost)."""
    numbers = ((element.text or "").strip() for element in document.iter(_CALLING, _CALLED))
    return zip(numbers, numbers, strict=True)


def sp_complaint_stats(document: etree._Element) -> SpComplaintStats:
    """The ``QuerySpComplaintStatsResponse`` as ``SpComplaintStats``."""
    return SpComplaintStats(rows=len(document.findall(f"{{{DSMP_NS}}}Row")), total=_count(document, "Total"),
                            document=document)
