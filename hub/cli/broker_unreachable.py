"""What a command says when its broker cannot be reached or refuses it: the broker's URL, the password masked
(``hub.transport.urls.redacted``, as ``onepoint serve`` names its ``[broker] url``), the reason, and, when no node
answered at all (``BrokerUnreachableError``), the question to ask first. ``onepoint demo``, ``simulate``, ``dlq``,
``serve`` and ``worker`` all end with it, so a newcomer without RabbitMQ sees which address was tried."""

from __future__ import annotations

from hub.transport.errors import BrokerRefusedError, BrokerUnreachableError, TransportError
from hub.transport.urls import redacted

__all__ = ["CHECK_LOGIN", "RUNNING_THERE", "broker_failure", "described"]

RUNNING_THERE = "is RabbitMQ running there?"
CHECK_LOGIN = "RabbitMQ answered and refused: check the user, the password and the vhost (and its permissions)"


def broker_failure(url: str, exc: TransportError) -> str:
    """``broker amqp://user:***@host:port/vhost: <exc>``, with ``; is RabbitMQ running there?`` when no node of
    ``url`` could be connected to."""
    return f"broker {redacted(url)}: {described(exc)}"


def described(exc: TransportError) -> str:
    """``exc``'s own words, with the question when it is a broker nobody answered at (for a message that names the
    broker URL itself, as ``onepoint serve``'s ``[broker] url …``)."""
    if isinstance(exc, BrokerUnreachableError):
        return f"{exc}; {RUNNING_THERE}"
    return f"{exc}; {CHECK_LOGIN}" if isinstance(exc, BrokerRefusedError) else str(exc)
