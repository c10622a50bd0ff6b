"""``NspClient``: NSP's NetworkComplaintDispatch, NetworkComplaintWithdraw and NoticeFeedback as typed methods over an
``XmlGateway``.

NSP keeps one ticket per MessageId (a repeated dispatch is answered DUPLICATE with the same ticket), so a retried
call (the hub forwards the command's own id) opens nothing twice; a withdrawal is answered the same way (a repeat
DUPLICATE with the same answer), and a withdrawal of a work order NSP does not know is acknowledged (``Known``
false), never refused. Both go through the one gateway: the same timeouts, retries and circuit. Failures come out of
the gateway classified.
"""

from __future__ import annotations

from lxml import etree

from adapters.nsp.mapping import NspTicket, NspWithdrawal, acknowledged_duplicate, ticket, withdrawal
from hub.gateways import XmlGateway

__all__ = ["NspClient"]


class NspClient:
    def __init__(self, gateway: XmlGateway) -> None:
        self.gateway = gateway

    def dispatch(self, document: etree._Element) -> NspTicket:
        """Hand a network complaint to NSP; the ticket NSP opened for it."""
        return ticket(self.gateway.post("NetworkComplaintDispatch", document))

    def withdraw(self, document: etree._Element) -> NspWithdrawal:
        """Withdraw a dispatched complaint (its work order cancelled); what NSP did with its tickets."""
        return withdrawal(self.gateway.post("NetworkComplaintWithdraw", document))

    def feedback(self, document: etree._Element) -> bool:
        """Give NSP customer service's feedback on a notice; whether NSP had it already (DUPLICATE). A notice NSP
        does not hold is refused (NSP's c:Error, classified by the gateway)."""
        return acknowledged_duplicate(self.gateway.post("NoticeFeedback", document))

    def close(self) -> None:
        self.gateway.close()
