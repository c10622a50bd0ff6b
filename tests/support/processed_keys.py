"""The key a worker records a message under (``hub.store.keys``), for tests that look its record up."""

from __future__ import annotations

from hub.envelope import Envelope
from hub.routing.codec import envelope_from_message
from hub.store.keys import processed_key
from hub.transport.message import Message

__all__ = ["key_of"]


def key_of(consumer: str, sent: Envelope | Message) -> str:
    """``consumer``'s key of ``sent``: its source system and MessageId (a message's read from its envelope)."""
    envelope = sent if isinstance(sent, Envelope) else envelope_from_message(sent)
    return processed_key(consumer, envelope.source_system, envelope.message_id)
