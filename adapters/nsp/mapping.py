"""NSP documents ↔ calls: the hub's ``nsp.NetworkComplaintDispatch`` as NSP gets it, NSP's answer as an ``NspTicket``.

Pure functions over lxml elements (no I/O), unit-tested on the schema examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from hub.envelope import Envelope
from hub.gateways import forward_document
from hub.validation.namespaces import COMMON_NS, NSP_NS

__all__ = ["NSP_NS", "NspTicket", "dispatch_document", "ticket"]



@dataclass(frozen=True, slots=True)
class NspTicket:
    """NSP took the complaint: its ticket id (``None`` if NSP gave none) and ``duplicate`` when NSP had it already."""

    ticket_id: str | None
    duplicate: bool
    document: etree._Element


def dispatch_document(envelope: Envelope, sent_at: datetime | None = None) -> etree._Element:
    """The dispatch as NSP gets it: every field the caller gave, under the hub's header (same MessageId)."""
    return forward_document(envelope, sent_at)


def ticket(document: etree._Element) -> NspTicket:
    """The ``NetworkComplaintDispatchResponse`` as an ``NspTicket``."""
    found: str | None = document.findtext(f"{{{NSP_NS}}}NspTicketId")
    status = document.findtext(f"{{{NSP_NS}}}Ack/{{{COMMON_NS}}}Status")
    return NspTicket(ticket_id=found, duplicate=status == "DUPLICATE", document=document)
