"""NSP documents ↔ calls: the hub's ``nsp.NetworkComplaintDispatch`` and ``nsp.NetworkComplaintWithdraw`` as NSP gets
them, NSP's answers as an ``NspTicket`` and an ``NspWithdrawal``.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from hub.envelope import Envelope
from hub.gateways import forward_document
from hub.validation.namespaces import COMMON_NS, NSP_NS

__all__ = ["NSP_NS", "NspTicket", "NspWithdrawal", "acknowledged_duplicate", "dispatch_document", "ticket",
           "withdraw_document", "withdrawal"]



@dataclass(frozen=True, slots=True)
class NspTicket:
    """NSP took the complaint: its ticket id (``None`` if NSP gave none) and ``duplicate`` when NSP had it already."""

    ticket_id: str | None
    duplicate: bool
    document: etree._Element


@dataclass(frozen=True, slots=True)
class NspWithdrawal:
    """NSP took the withdrawal: whether it knew the work order (``None``: its answer did not say), what it did
    (``WITHDRAWN``, ``ALREADY_WITHDRAWN``, ``ALREADY_ANSWERED``, ``UNKNOWN``; ``None`` when not said), the work
    order's tickets, and ``duplicate`` when NSP had this withdrawal (its MessageId) already."""

    known: bool | None
    outcome: str | None
    ticket_ids: tuple[str, ...]
    duplicate: bool
    document: etree._Element

    def summary(self) -> str:
        """The handler's recorded outcome: ``withdrawal WITHDRAWN: NSP20261123000417``."""
        said = self.outcome or ("acknowledged" if self.known is None else "known" if self.known else "UNKNOWN")
        return f"withdrawal {said}" + (f": {', '.join(self.ticket_ids)}" if self.ticket_ids else "")


def dispatch_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """The dispatch as NSP gets it: every field the caller gave, under the hub's header (same MessageId)."""
    return forward_document(envelope, sent_at)


def withdraw_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """The withdrawal as NSP gets it: every field the workflow gave, under the hub's header (same MessageId)."""
    return forward_document(envelope, sent_at)


def _status(document: etree._Element) -> str | None:
    found: str | None = document.findtext(f"{{{NSP_NS}}}Ack/{{{COMMON_NS}}}Status")
    return found


def acknowledged_duplicate(document: etree._Element) -> bool:
    """Whether an answer of the Ack alone (``NoticeFeedbackResponse``) says NSP had the command already."""
    return _status(document) == "DUPLICATE"


def ticket(document: etree._Element) -> NspTicket:
    """The ``NetworkComplaintDispatchResponse`` as an ``NspTicket``."""
    found: str | None = document.findtext(f"{{{NSP_NS}}}NspTicketId")
    return NspTicket(ticket_id=found, duplicate=_status(document) == "DUPLICATE", document=document)


def withdrawal(document: etree._Element) -> NspWithdrawal:
    """The ``NetworkComplaintWithdrawResponse`` as an ``NspWithdrawal``."""
    known = document.findtext(f"{{{NSP_NS}}}Known")
    tickets = tuple(t.text or "" for t in document.iterfind(f"{{{NSP_NS}}}NspTicketId"))
    return NspWithdrawal(known=None if known is None else known.strip() in ("true", "1"),
                         outcome=document.findtext(f"{{{NSP_NS}}}Outcome"), ticket_ids=tickets,
                         duplicate=_status(document) == "DUPLICATE", document=document)
