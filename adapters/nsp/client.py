"""``NspClient``: NSP's NetworkComplaintDispatch as a typed method over an ``XmlGateway``.

NSP keeps one ticket per MessageId (a repeated dispatch is answered DUPLICATE with the same ticket), so a retried
call (the hub forwards the command's own id) opens nothing twice. Failures come out of the gateway classified.
"""

from __future__ import annotations

from lxml import etree

from adapters.nsp.mapping import NspTicket, ticket
from hub.gateways import XmlGateway

__all__ = ["NspClient"]


class NspClient:
    def __init__(self, gateway: XmlGateway) -> None:
        self.gateway = gateway

    def dispatch(self, document: etree._Element) -> NspTicket:
        """Hand a network complaint to NSP; the ticket NSP opened for it."""
        return ticket(self.gateway.post("NetworkComplaintDispatch", document))

    def close(self) -> None:
        self.gateway.close()
