"""Envelopes on the wire: how an `Envelope` becomes a backbone `Message` and back, losslessly.

AMQP properties carry what they are for: message id, correlation id, type (the command type), content type,
``app_id`` (the source system: the application that created the message) and ``timestamp`` (when the hub
received it, POSIX seconds). The envelope's own metadata travels in headers prefixed ``onepoint-h-``; a
receipt time finer than a second, or without a time zone, also travels whole in ``onepoint-received-at``.

A headers table costs on every hop (pika encodes and decodes it in Python, RabbitMQ parses it on publish), so
what has a property of its own goes there. Messages written by earlier versions, with the source system and
receipt time in headers, still decode.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from hub.envelope import Envelope
from hub.transport.message import Message

__all__ = ["envelope_from_message", "message_from_envelope"]

SOURCE = "onepoint-source-system"
RECEIVED_AT = "onepoint-received-at"
CORRELATION = "onepoint-correlation-id"
PREFIX = "onepoint-h-"
CONTENT_TYPE = "application/xml"


@lru_cache(maxsize=256)
def _wire_name(key: str) -> str:
    """``onepoint-h-<key>``, built once per key (the ingress sends the same few keys with every command)."""
    return PREFIX + key


def message_from_envelope(envelope: Envelope, routing_key: str, *, for_request: bool = False) -> Message:
    """The message carrying ``envelope``. ``for_request``: the AMQP correlation id is left to the broker's
    request/reply (it matches the reply); the envelope's own correlation id travels in a header."""
    received = envelope.received_at
    headers: dict[str, Any] = {_wire_name(k): v for k, v in envelope.headers.items()}
    if received.tzinfo is not UTC or received.microsecond:  # more than the timestamp property holds exactly
        headers[RECEIVED_AT] = received.isoformat()
    if for_request and envelope.correlation_id:
        headers[CORRELATION] = envelope.correlation_id
    return Message(
        body=envelope.payload,
        routing_key=routing_key,
        message_id=envelope.message_id,
        type=envelope.command_type,
        correlation_id=None if for_request else envelope.correlation_id,
        content_type=CONTENT_TYPE,
        app_id=envelope.source_system,
        timestamp=int(received.timestamp()) if received.tzinfo is not None else None,
        headers=headers,
    )


@lru_cache(maxsize=64)
def _utc(timestamp: int) -> datetime:
    """The ``timestamp`` property as a time of UTC (messages of the same second share one)."""
    return datetime.fromtimestamp(timestamp, UTC)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def envelope_from_message(message: Message) -> Envelope:
    """The envelope a message carries; raises ValueError when it carries none (no command type)."""
    if not message.type:
        raise ValueError(f"message {message.message_id} carries no command type")
    headers = message.headers
    if RECEIVED_AT in headers:
        received_at = datetime.fromisoformat(_text(headers[RECEIVED_AT]))
    elif message.timestamp is not None:
        received_at = _utc(message.timestamp)
    else:
        raise ValueError(f"message {message.message_id} carries no receipt time")
    return Envelope(
        message_id=message.message_id,
        command_type=message.type,
        source_system=message.app_id if message.app_id is not None else _text(headers.get(SOURCE, "")),
        payload=message.body,
        correlation_id=_text(headers[CORRELATION]) if CORRELATION in headers else (
            None if message.reply_to else message.correlation_id
        ),
        received_at=received_at,
        headers={k[len(PREFIX):]: v for k, v in headers.items() if k.startswith(PREFIX)},
    )
