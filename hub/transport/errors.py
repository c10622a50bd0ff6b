"""Errors raised by the message backbone."""

from __future__ import annotations

__all__ = [
    "PublishNackedError",
    "PublishTimeoutError",
    "PublisherUnavailableError",
    "RequestTimeoutError",
    "TransportClosedError",
    "TransportError",
    "UnroutableError",
]


class TransportError(Exception):
    """Base class of every backbone error."""


class TransportClosedError(TransportError):
    """The broker handle is closed (or closing): nothing more can be published or consumed."""


class UnroutableError(TransportError):
    """A mandatory publish matched no queue: the message was *not* stored anywhere."""

    def __init__(self, exchange: str, routing_key: str, message_id: str) -> None:
        super().__init__(f"unroutable: exchange={exchange!r} routing_key={routing_key!r} id={message_id}")
        self.exchange = exchange
        self.routing_key = routing_key
        self.message_id = message_id


class PublishNackedError(TransportError):
    """The broker kept refusing (nacking) a publish until its deadline ran out."""


class PublishTimeoutError(TransportError):
    """A publish was not confirmed before its deadline (e.g. the broker stayed unreachable).

    The message *may* still have been stored: retry with the same message id and let consumers deduplicate.
    """


class PublisherUnavailableError(TransportError, ConnectionError):
    """A ``fail_fast`` publish while the broker is not connected: nothing was sent, the caller may retry."""


class RequestTimeoutError(TransportError, TimeoutError):
    """No reply arrived in time for a request; a late reply is dropped."""
