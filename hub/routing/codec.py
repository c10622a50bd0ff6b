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
CORRELATION = "onepoint-correlation-id"
PREFIX = "onepoint-h-"
CONTENT_TYPE = "application/xml"


def message_from_envelope(envelope: Envelope, routing_key: str, *, for_request: bool = False) -> Message:
    """The message carrying ``envelope``. ``for_request``: the AMQP correlation id is left to the broker's
    request/reply (it matches the reply); the envelope's own correlation id travels in a header."""
    headers: dict[str, Any] = {SOURCE: envelope.source_system, RECEIVED_AT: envelope.received_at.isoformat()}
    if for_request and envelope.correlation_id:
        headers[CORRELATION] = envelope.correlation_id
    headers.update({f"{PREFIX}{k}": v for k, v in envelope.headers.items()})
    return Message(
        body=envelope.payload,
        routing_key=routing_key,
        message_id=envelope.message_id,
        type=envelope.command_type,
        correlation_id=None if for_request else envelope.correlation_id,
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
        correlation_id=_text(headers[CORRELATION]) if CORRELATION in headers else (
            None if message.reply_to else message.correlation_id
        ),
        received_at=datetime.fromisoformat(_text(headers[RECEIVED_AT])),
        headers={k[len(PREFIX):]: v for k, v in headers.items() if k.startswith(PREFIX)},
    )
