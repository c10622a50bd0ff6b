"""A probe: a publish nobody receives, to learn whether RabbitMQ blocks a connection.

RabbitMQ sends ``connection.blocked`` (a memory or disk alarm) to a connection only once it publishes: an idle
publisher looks ready until a real message is sacrificed to the alarm. A probe is that first publish instead: empty,
to the default exchange with a routing key no queue has, *not* mandatory, so the broker drops it and confirms it at
once (nothing stored, nothing returned). `hub.workers.dlq` sends one before each pass over a DLQ; the ingress's
publisher (`hub.transport.amqp.loop_publisher`) every ``IDLE_PROBE_INTERVAL`` seconds while it publishes nothing,
so ``/readyz`` turns 503 naming the alarm before a command arrives.
"""

from __future__ import annotations

from hub.envelope import new_message_id
from hub.transport.message import Message

__all__ = ["IDLE_PROBE_INTERVAL", "PROBE_EXCHANGE", "PROBE_TYPE", "probe_message"]

PROBE_EXCHANGE = ""  # the default exchange: it routes by queue name, and no queue has a probe's name
PROBE_TYPE = "onepoint.probe"
IDLE_PROBE_INTERVAL = 1.0  # seconds without a publish before the ingress's publisher probes (one empty publish)


def probe_message(address: str) -> Message:
    """A probe whose routing key starts with ``address`` (a queue's name, a connection's role): publish it to
    ``PROBE_EXCHANGE`` with ``mandatory=False``."""
    return Message(body=b"", routing_key=f"{address}.probe-{new_message_id()}", type=PROBE_TYPE)
