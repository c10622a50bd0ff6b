"""The NSP adapter's handlers (queue ``nsp``): ``nsp.NetworkComplaintDispatch`` → NSP opens a ticket;
``nsp.NetworkComplaintWithdraw`` → NSP stops work on the tickets of a cancelled work order; ``nsp.NoticeFeedback`` →
customer service's feedback on a network notice, which NSP carries back in the notice's next revision.

Commands, not requests: the effect is NSP's ticket, its id the recorded outcome (``ticket NSP...``), told to the work
order (``workorder.NspDispatchNote`` through ``outbound``: ``adapters.nsp.dispatch_notes``); of a withdrawal, what
NSP did (``withdrawal WITHDRAWN: NSP...``, ``withdrawal UNKNOWN`` for a work order NSP never had), told to the work
order too (``workorder.NspWithdrawalNote``: ``adapters.nsp.withdrawal_notes``). A table of the operator's own
without a route for a note (no ``workorder.*``) leaves the note out with an error logged: NSP did its part. NSP's reply
comes back later through the ingress as ``nsp.NetworkComplaintReply`` (routed to the workflow); none comes for a
withdrawn ticket. Dependency (by name): ``nsp`` (``NspClient``), built by ``adapters.nsp.wiring``; ``outbound`` is the
worker's.
"""

from __future__ import annotations

import logging

from lxml import etree

from adapters.nsp.client import NspClient
from adapters.nsp.dispatch_notes import NOTE_STEP as DISPATCH_NOTE_STEP
from adapters.nsp.dispatch_notes import dispatch_note
from adapters.nsp.mapping import NSP_NS, dispatch_document, withdraw_document
from adapters.nsp.withdrawal_notes import NOTE_STEP as WITHDRAWAL_NOTE_STEP
from adapters.nsp.withdrawal_notes import withdrawal_note
from hub.envelope import Envelope
from hub.gateways import forward_document
from hub.routing import NoRouteError
from hub.workers import HandlerRegistry, Sender

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "nsp"
log = logging.getLogger("onepoint.adapters.nsp")

handlers = HandlerRegistry()


def _tell_work_order(envelope: Envelope, outbound: Sender, note: etree._Element, *, step: str, what: str) -> str | None:
    """Send the hub's own note ``note`` to the workflow; its MessageId, None when no route takes it (an operator's
    table written before the note existed: NSP did its part all the same, so the command is not dead-lettered)."""
    try:
        return outbound.send(note, step=step).message_id
    except NoRouteError as exc:
        log.error("no route takes workorder.%s: %s is not noted on the work order (route workorder.* to workflow)",
                  etree.QName(note).localname, what, extra={"message_id": envelope.message_id, "reason": str(exc)})
        return None


@handlers.handler("nsp.NetworkComplaintDispatch", consumer=CONSUMER)
def dispatch_network_complaint(envelope: Envelope, nsp: NspClient, outbound: Sender) -> str:
    opened = nsp.dispatch(dispatch_document(envelope))
    note = dispatch_note(envelope, opened)
    told = None if note is None else _tell_work_order(envelope, outbound, note, step=DISPATCH_NOTE_STEP,
                                                      what="NSP's ticket of the dispatch")
    log.info("network complaint dispatched", extra={"message_id": envelope.message_id, "ticket_id": opened.ticket_id,
                                                    "duplicate": opened.duplicate, "note": told})
    return f"ticket {opened.ticket_id or '(no ticket id)'}"


@handlers.handler("nsp.NetworkComplaintWithdraw", consumer=CONSUMER)
def withdraw_network_complaint(envelope: Envelope, nsp: NspClient, outbound: Sender) -> str:
    withdrawn = nsp.withdraw(withdraw_document(envelope))
    told = _tell_work_order(envelope, outbound, withdrawal_note(envelope, withdrawn), step=WITHDRAWAL_NOTE_STEP,
                            what="NSP's answer to the withdrawal")
    log.info("network complaint withdrawn", extra={"message_id": envelope.message_id, "known": withdrawn.known,
                                                   "outcome": withdrawn.outcome,
                                                   "ticket_ids": list(withdrawn.ticket_ids),
                                                   "duplicate": withdrawn.duplicate, "note": told})
    return withdrawn.summary()


@handlers.handler("nsp.NoticeFeedback", consumer=CONSUMER)
def notice_feedback(envelope: Envelope, nsp: NspClient) -> str:
    """Customer service's feedback on a network notice, given to NSP as the caller sent it (under the hub's
    header, the same MessageId: a retry is NSP's DUPLICATE)."""
    document = forward_document(envelope)
    notice_id = document.findtext(f"{{{NSP_NS}}}NoticeId")
    duplicate = nsp.feedback(document)
    log.info("notice feedback given to NSP", extra={"message_id": envelope.message_id, "notice_id": notice_id,
                                                    "duplicate": duplicate})
    return f"feedback on {notice_id} given to NSP" + (" (it had it already)" if duplicate else "")
