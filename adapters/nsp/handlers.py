"""The NSP adapter's handlers (queue ``nsp``): ``nsp.NetworkComplaintDispatch`` → NSP opens a ticket;
``nsp.NetworkComplaintWithdraw`` → NSP stops work on the tickets of a cancelled work order.

Commands, not requests: the effect is NSP's ticket, its id the recorded outcome (``ticket NSP...``); of a withdrawal,
what NSP did (``withdrawal WITHDRAWN: NSP...``, ``withdrawal UNKNOWN`` for a work order NSP never had). NSP's reply
comes back later through the ingress as ``nsp.NetworkComplaintReply`` (routed to the workflow); none comes for a
withdrawn ticket. Dependency (by name): ``nsp`` (``NspClient``), built by ``adapters.nsp.wiring``.
"""

from __future__ import annotations

import logging

from adapters.nsp.client import NspClient
from adapters.nsp.mapping import dispatch_document, withdraw_document
from hub.envelope import Envelope
from hub.workers import HandlerRegistry

__all__ = ["CONSUMER", "handlers"]

CONSUMER = "nsp"
log = logging.getLogger("onepoint.adapters.nsp")

handlers = HandlerRegistry()


@handlers.handler("nsp.NetworkComplaintDispatch", consumer=CONSUMER)
def dispatch_network_complaint(envelope: Envelope, nsp: NspClient) -> str:
    opened = nsp.dispatch(dispatch_document(envelope))
    log.info("network complaint dispatched", extra={"message_id": envelope.message_id,
                                                    "ticket_id": opened.ticket_id, "duplicate": opened.duplicate})
    return f"ticket {opened.ticket_id or '(no ticket id)'}"


@handlers.handler("nsp.NetworkComplaintWithdraw", consumer=CONSUMER)
def withdraw_network_complaint(envelope: Envelope, nsp: NspClient) -> str:
    withdrawn = nsp.withdraw(withdraw_document(envelope))
    log.info("network complaint withdrawn", extra={"message_id": envelope.message_id, "known": withdrawn.known,
                                                   "outcome": withdrawn.outcome,
                                                   "ticket_ids": list(withdrawn.ticket_ids),
                                                   "duplicate": withdrawn.duplicate})
    return withdrawn.summary()
