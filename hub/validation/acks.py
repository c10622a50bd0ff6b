"""The ``c:Ack`` of a response document, stamped for the request it answers."""

from __future__ import annotations

from lxml import etree

from hub.validation.namespaces import COMMON_NS

__all__ = ["stamp_ack"]


def stamp_ack(ack: etree._Element, *, message_id: str, correlation_id: str | None,
              received_at: str | None = None) -> None:
    """Set ``ack``'s MessageId and CorrelationId (removed when ``correlation_id`` is None) and, when given and the
    Ack has one, its ReceivedAt. ``ValueError`` if the Ack has no MessageId."""
    mid = ack.find(f"{{{COMMON_NS}}}MessageId")
    if mid is None:
        raise ValueError("the Ack has no MessageId")
    mid.text = message_id
    correlation = ack.find(f"{{{COMMON_NS}}}CorrelationId")
    if correlation_id is None:
        if correlation is not None:
            ack.remove(correlation)
    else:
        if correlation is None:
            correlation = etree.Element(f"{{{COMMON_NS}}}CorrelationId")
            mid.addnext(correlation)
        correlation.text = correlation_id
    if received_at is not None:
        received = ack.find(f"{{{COMMON_NS}}}ReceivedAt")
        if received is not None:
            received.text = received_at
