"""NSP adapter: the hub's link to NSP (the provincial network management centre: network complaint tickets).

Consumes queue ``nsp`` — ``nsp.NetworkComplaintDispatch`` and ``nsp.NetworkComplaintWithdraw`` (commands) — and
posts the complaint, or its withdrawal when its work order is cancelled before NSP answered, to NSP as XML over HTTP
(``hub.gateways.XmlGateway``); the ticket id NSP gives it, or what NSP did with the withdrawal, is the outcome. NSP
answers later on its own: its ``nsp.NetworkComplaintReply`` (and its ``nsp.OutageNotice``) come back through the
hub's XML ingress and are routed to the workflow (and broadcast), not to this adapter. Emits the hub's own notes to
the workflow: NSP's ticket of a dispatch (``workorder.NspDispatchNote``) and its answer to a withdrawal
(``workorder.NspWithdrawalNote``).
"""

from adapters.nsp.client import NspClient
from adapters.nsp.handlers import CONSUMER, handlers
from adapters.nsp.mapping import NspTicket, NspWithdrawal
from adapters.nsp.wiring import close, dependencies

__all__ = ["CONSUMER", "NspClient", "NspTicket", "NspWithdrawal", "close", "dependencies", "handlers"]
