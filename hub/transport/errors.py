"""Errors raised by the message backbone."""

from __future__ import annotations

__all__ = [
    "BrokerRefusedError",
    "BrokerUnreachableError",
    "PublishNackedError",
    "PublishOutcomeUnknownError",
    "PublishTimeoutError",
    "PublisherUnavailableError",
    "QueueFullError",
    "RequestTimeoutError",
    "TopologyMismatchError",
    "TransportClosedError",
    "TransportError",
    "UnroutableError",
]


class TransportError(Exception):
    """Base class of every backbone error."""


class BrokerUnreachableError(TransportError):
    """No node of the broker URL could be connected to (refused, timed out, no answer to the handshake): the
    message names why, never the URL (the caller knows it: ``hub.cli.broker_unreachable``)."""


class BrokerRefusedError(TransportError):
    """A node answered and refused the connection (the login, an unknown virtual host, no permission on it): the
    message names why, never the URL; the broker runs, its user, password or vhost are to check."""


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


class QueueFullError(PublishNackedError):
    """The broker refused (nacked) a publish because a queue it routes to is full (``x-max-length`` with
    ``reject-publish``): definite, at once, never resent. A broadcast may be stored in its other queues."""

    def __init__(self, queues: tuple[str, ...], message_id: str) -> None:
        named = f"queue {queues[0]} is full" if len(queues) == 1 else f"one of the queues {', '.join(queues)} is full"
        super().__init__(f"{named} (its max length reached): the broker refused message {message_id}")
        self.queues = queues
        self.message_id = message_id


class PublishTimeoutError(TransportError):
    """A publish was not confirmed before its deadline (e.g. the broker stayed unreachable).

    This class itself: the message was never written to the broker (nothing was stored). Its subclass
    ``PublishOutcomeUnknownError``: it was written, and *may* have been stored.
    """


class PublishOutcomeUnknownError(PublishTimeoutError):
    """A publish was written to the broker but not confirmed (its deadline passed, the connection went, or the
    broker blocked publishing after reading it: a memory or disk alarm). The message *may* have been stored and
    be carried out later: retry with the same message id and let consumers deduplicate."""


class PublisherUnavailableError(TransportError, ConnectionError):
    """A ``fail_fast`` publish while the broker is not connected: nothing was sent, the caller may retry."""


class TopologyMismatchError(TransportError):
    """A declaration was refused as inequivalent (406 PRECONDITION_FAILED: a queue of that name exists with
    other arguments). Permanent until an operator removes or renames the entity: never retried. ``entity`` and
    ``reason`` name the first; ``message`` (when given) every one, with what to do about them."""

    def __init__(self, entity: str, reason: str, message: str | None = None) -> None:
        super().__init__(message or f"{entity} exists on the broker with other arguments: {reason}")
        self.entity = entity
        self.reason = reason


class RequestTimeoutError(TransportError, TimeoutError):
    """No reply arrived in time for a request; a late reply is dropped."""
