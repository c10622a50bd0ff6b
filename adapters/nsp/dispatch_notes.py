"""NSP's acceptance of a dispatch, told to the work order: ``workorder.NspDispatchNote`` (the hub's own command,
routed to the workflow, which records NSP's ticket on the work order: ``hub.workflow.dispatch_acceptances``).

NSP answers ``nsp:NetworkComplaintDispatch`` with the ticket it opened (``NspTicketId``; a dispatch it had already,
answered DUPLICATE, with the same ticket). That answer reaches the NSP adapter, not the work order: before this
note, the ticket was only the adapter's recorded outcome (``ticket NSP…``) and the work order learnt it from NSP's
first reply. The handler sends the note after NSP answered (a handler's sends leave once it returned), under a
MessageId derived from the dispatch's (step ``nsp-dispatch-note``): a redelivered dispatch the processed store did
not stop (NSP answers it DUPLICATE with the same ticket) tells the work order once. ``DispatchId`` is the dispatch's
MessageId, the CorrelationId NSP's reply names: it tells the workflow which of the work order's dispatches NSP
accepted. An answer without a ticket id is not told (there is nothing to record).
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from adapters.nsp.mapping import NspTicket
from adapters.nsp.work_order_notes import note_root
from hub.envelope import Envelope
from hub.validation.namespaces import WORKORDER_NS

__all__ = ["NOTE_STEP", "dispatch_note"]

NOTE_STEP = "nsp-dispatch-note"


def dispatch_note(envelope: Envelope, opened: NspTicket, sent_at: datetime | None = None) -> etree._Element | None:
    """The ``wo:NspDispatchNote`` of NSP's answer ``opened`` to the dispatch ``envelope``; None when NSP named no
    ticket."""
    if not opened.ticket_id:
        return None
    root = note_root("NspDispatchNote", envelope, sent_at)
    etree.SubElement(root, f"{{{WORKORDER_NS}}}DispatchId").text = envelope.message_id
    etree.SubElement(root, f"{{{WORKORDER_NS}}}NspTicketId").text = opened.ticket_id
    return root
