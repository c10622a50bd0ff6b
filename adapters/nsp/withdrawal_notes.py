"""NSP's answer to a withdrawal, told to the work order: ``workorder.NspWithdrawalNote`` (the hub's own command,
routed to the workflow, which notes it in the work order's history: ``hub.workflow.withdrawal_answers``).

What NSP did with the hub's NetworkComplaintWithdraw (it held a ticket or not, WITHDRAWN / ALREADY_WITHDRAWN /
ALREADY_ANSWERED / UNKNOWN, its tickets) was only the NSP adapter's recorded outcome, where nobody reading the
work order looks; ALREADY_ANSWERED in particular says NSP's reply crossed the withdrawal. The handler sends the note
after NSP answered (a handler's sends leave once it returned), under a MessageId derived from the withdrawal's
(step ``nsp-withdrawal-note``): a redelivered withdrawal the processed store did not stop tells the work order once.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from adapters.nsp.mapping import NspWithdrawal
from adapters.nsp.work_order_notes import note_root
from hub.envelope import Envelope
from hub.validation.namespaces import WORKORDER_NS

__all__ = ["NOTE_STEP", "withdrawal_note"]

NOTE_STEP = "nsp-withdrawal-note"
_TICKETS = 10  # wo:NspTicketId maxOccurs (as nsp:NetworkComplaintWithdrawResponse's)


def withdrawal_note(envelope: Envelope, withdrawn: NspWithdrawal, sent_at: datetime | None = None) -> etree._Element:
    """The ``wo:NspWithdrawalNote`` of NSP's answer ``withdrawn`` to the withdrawal ``envelope``."""
    root = note_root("NspWithdrawalNote", envelope, sent_at)
    etree.SubElement(root, f"{{{WORKORDER_NS}}}WithdrawalId").text = envelope.message_id
    if withdrawn.known is not None:
        etree.SubElement(root, f"{{{WORKORDER_NS}}}Known").text = "true" if withdrawn.known else "false"
    if withdrawn.outcome is not None:
        etree.SubElement(root, f"{{{WORKORDER_NS}}}Outcome").text = withdrawn.outcome
    for ticket_id in withdrawn.ticket_ids[:_TICKETS]:
        etree.SubElement(root, f"{{{WORKORDER_NS}}}NspTicketId").text = ticket_id
    return root
