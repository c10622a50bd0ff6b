"""The NSP adapter's handler (queue ``nsp``): ``nsp.NetworkComplaintDispatch`` → NSP opens a ticket.

A command, not a request: the effect is NSP's ticket; its id is the recorded outcome (``ticket NSP...``). NSP's
reply comes back later through the ingress as ``nsp.NetworkComplaintReply`` (routed to the workflow).
Dependency (by name): ``nsp`` (``NspClient``), built by ``adapters.nsp.wiring``.
"""

from __future__ import annotations

import logging

from adapters.nsp.client import NspClient
from adapters.nsp.mapping import dispatch_document
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
