"""Envelopes on the wire: how an `Envelope` becomes a backbone `Message` and back, losslessly.

AMQP properties carry what they are for (message id, correlation id, type = command type, content type);
the rest travels in headers prefixed ``onepoint-``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.envelope import Envelope
from hub.transport.message import Message

__all__ = ["envelope_from_message", "message_from_envelope"]

SOURCE = "onepoint-source-system"
RECEIVED_AT = "onepoint-received-at"
PREFIX = "onepoint-h-"
CONTENT_TYPE = "application/xml"


def message_from_envelope(envelope: Envelope, routing_key: str) -> Message:
    headers: dict[str, Any] = {SOURCE: envelope.source_system, RECEIVED_AT: envelope.received_at.isoformat()}
    headers.update({f"{PREFIX}{k}": v for k, v in envelope.headers.items()})
    return Message(
        body=envelope.payload,
        routing_key=routing_key,
        message_id=envelope.message_id,
        type=envelope.command_type,
        correlation_id=envelope.correlation_id,
        content_type=CONTENT_TYPE,
        headers=headers,
    )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def envelope_from_message(message: Message) -> Envelope:
    """The envelope a message carries; raises ValueError when it carries none (no command type)."""
    if not message.type:
        raise ValueError(f"message {message.message_id} carries no command type")
    headers = message.headers
    return Envelope(
        message_id=message.message_id,
        command_type=message.type,
        source_system=_text(headers.get(SOURCE, "")),
        payload=message.body,
        correlation_id=message.correlation_id,
        received_at=datetime.fromisoformat(_text(headers[RECEIVED_AT])),
        headers={k[len(PREFIX):]: v for k, v in headers.items() if k.startswith(PREFIX)},
    )
