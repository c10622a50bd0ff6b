"""The facts of a DSMP query its audit row keeps, read from the command element whatever it holds.

An SMS-log query (``QuerySmsLog``) says who asks (``OperatorAccount``, ``OperatorIp``) for whose records
(``Msisdn``), for which period (``Period``: ``c:From`` / ``c:To``), why (``WorkOrderId``, ``Purpose``,
``ApprovalId``) and under which message id (the Header's ``c:MessageId``). A query of the SP complaint figures
(``QuerySpComplaintStats``) names no operator nor subscriber: its row says the period and, as its purpose, which
SP's figures were asked (``SP complaint figures of SP 900001``, or ``of every SP``); who asked is the caller the
hub authenticated. A field the document lacks is ``""``: ``query_facts`` never raises, so a query refused because
it is incomplete or invalid is still audited with what it says.

The ingress reads them here for a query it refuses itself (``hub.ingress.refusal_audit``); the spelling of the
purpose and of the period is the one the DSMP adapter's rows use (``adapters.dsmp.mapping.SmsLogQuery``), so one
operator's refused and answered queries read alike in the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from hub.audit.entry import AuditEntry, Outcome
from hub.validation.instants import InstantBeyondRange, InstantUnreadable, read_written_instant
from hub.validation.namespaces import COMMON_NS

__all__ = ["SP_FIGURES", "QueryFacts", "audited_moment", "query_facts", "sp_figures_purpose"]

_C = f"{{{COMMON_NS}}}"
SP_FIGURES = "QuerySpComplaintStats"  # the command whose facts name an SP, not a subscriber


def sp_figures_purpose(sp_code: str) -> str:
    """The audited purpose of a query of the SP complaint figures: which SP's (``""``: every SP's)."""
    return f"SP complaint figures of SP {sp_code}" if sp_code else "SP complaint figures of every SP"


@dataclass(frozen=True, slots=True)
class QueryFacts:
    """What a DSMP query says of itself (a field it lacks: ``""``); ``statement``: the purpose of a query that
    serves no work order (the SP complaint figures), audited as it is."""

    msisdn: str = ""
    operator: str = ""
    operator_ip: str = ""
    period_from_text: str = ""
    period_to_text: str = ""
    purpose: str = ""
    work_order_id: str = ""
    approval_id: str | None = None
    message_id: str = ""
    statement: str = ""

    @property
    def stated_purpose(self) -> str:
        """The purpose as audited: the work order it serves, the reason given, the approval if any."""
        if self.statement:
            return self.statement
        approval = f" (approval {self.approval_id})" if self.approval_id else ""
        return f"{self.work_order_id}: {self.purpose}{approval}"

    def entry(self, *, role: str, outcome: Outcome, reason: str, caller: str | None, peer: str | None,
              rows_returned: int = 0) -> AuditEntry:
        """The audit row of this query (the number masked, the period in UTC or as written)."""
        return AuditEntry.for_query(
            operator=self.operator, role=role, client_address=self.operator_ip, msisdn=self.msisdn,
            period_from=audited_moment(self.period_from_text), period_to=audited_moment(self.period_to_text),
            purpose=self.stated_purpose, rows_returned=rows_returned, outcome=outcome, reason=reason,
            message_id=self.message_id, caller=caller, peer=peer)


def audited_moment(text: str) -> datetime | str | None:
    """A period end as its audit row keeps it: the moment (in UTC there), or the text when no datetime holds it
    (a year beyond 1-9999) or it is no ``xs:dateTime`` at all; None when the document gave none."""
    if not text:
        return None
    try:
        written = read_written_instant(text)
    except InstantUnreadable:
        return text
    try:
        return written.local()
    except InstantBeyondRange:
        return written.text
    except InstantUnreadable:  # a 30 February
        return text


def _text(element: etree._Element, path: str) -> str:
    try:
        return (element.findtext(path) or "").strip()
    except (TypeError, ValueError):  # a text node lxml cannot give (never from a parsed document): as missing
        return ""


def query_facts(element: etree._Element) -> QueryFacts:
    """The facts of the query ``element`` (its fields in its own namespace); never raises."""
    namespace = etree.QName(element).namespace or ""
    own = f"{{{namespace}}}" if namespace else ""
    approval = _text(element, f"{own}ApprovalId")
    named = etree.QName(element).localname
    statement = sp_figures_purpose(_text(element, f"{own}SpCode")) if named == SP_FIGURES else ""
    return QueryFacts(
        msisdn=_text(element, f"{own}Msisdn"), operator=_text(element, f"{own}OperatorAccount"),
        operator_ip=_text(element, f"{own}OperatorIp"), period_from_text=_text(element, f"{own}Period/{_C}From"),
        period_to_text=_text(element, f"{own}Period/{_C}To"), purpose=_text(element, f"{own}Purpose"),
        work_order_id=_text(element, f"{own}WorkOrderId"), approval_id=approval or None,
        message_id=_text(element, f"*/{_C}MessageId"), statement=statement)
