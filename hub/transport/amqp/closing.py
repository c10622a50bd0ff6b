"""Closing a pika connection that RabbitMQ may be blocking.

While a memory or disk alarm blocks a connection (``connection.blocked``), the broker reads nothing more from its
socket until ``connection.unblocked``: a ``Connection.Close`` sent then is never answered, and a close that waits
for its ``Close-Ok`` waits for the alarm to clear. The I/O thread's ``stop()`` gave up after 10 s and left its
thread and the connection behind (``onepoint dlq`` took 10 s to end after every refusal an alarm caused); the
event-loop publisher's ``close()`` waited its 10 s too. A blocked connection is therefore dropped instead, the way
pika's own ``blocked_connection_timeout`` drops one: the socket is closed, the broker lets the connection go, and
the connection's close callbacks run at once. Nothing is lost by it that the handshake would have kept: what the
broker had read before it blocked is stored once the alarm clears, what it had not read never reached it (the
publishers already fail both as outcome unknown).
"""

from __future__ import annotations

import logging

import pika.connection
import pika.exceptions

__all__ = ["close_connection"]

log = logging.getLogger("onepoint.transport")


def close_connection(connection: pika.connection.Connection, blocked: str | None) -> None:
    """Close ``connection`` (open, not closing): the AMQP handshake, or, while the broker blocks it (``blocked``:
    the broker's reason), by dropping its socket (no answer to a ``Connection.Close`` would come)."""
    if blocked is None:
        connection.close()
        return
    log.info("closing a connection the broker blocks: dropping it (the broker reads nothing until the alarm clears)",
             extra={"reason": blocked})
    # pika has no public abort; this is what its blocked_connection_timeout calls
    connection._terminate_stream(
        pika.exceptions.ConnectionClosedByClient(200, f"closed while the broker blocked it ({blocked})"))
