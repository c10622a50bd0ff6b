"""``OaClient``: OA's PushTodo, PushToRead and (hub → OA) CompleteTodo and WithdrawToRead as typed methods over an
``XmlGateway``.

OA keeps one item per ItemId (a repeated push replaces it) and one answer per MessageId (a repeated push is
answered DUPLICATE), so a retried call adds nothing. Failures come out of the gateway classified.
"""

from __future__ import annotations

from lxml import etree

from adapters.oa.mapping import OaItem, item
from hub.gateways import XmlGateway

__all__ = ["OaClient"]


class OaClient:
    def __init__(self, gateway: XmlGateway) -> None:
        self.gateway = gateway

    def push_todo(self, document: etree._Element) -> OaItem:
        """Put a to-do in a manager's OA inbox (the manager must act by its Due time)."""
        return item(self.gateway.post("PushTodo", document))

    def push_to_read(self, document: etree._Element) -> OaItem:
        """Put a to-read in a manager's OA inbox (for information)."""
        return item(self.gateway.post("PushToRead", document))

    def complete_todo(self, document: etree._Element) -> etree._Element:
        """Close a to-do the work order no longer needs (the hub's CompleteTodo); OA's answer document."""
        return self.gateway.post("CompleteTodo", document)

    def withdraw_to_read(self, document: etree._Element) -> etree._Element:
        """Take a to-read off its user's list (its work order closed or cancelled); OA's answer document."""
        return self.gateway.post("WithdrawToRead", document)

    def close(self) -> None:
        self.gateway.close()
