"""A probe: a publish nobody receives, to learn whether RabbitMQ blocks a connection.

RabbitMQ sends ``connection.blocked`` (a memory or disk alarm) to a connection only once it publishes: an idle
publisher looks ready until a real message is sacrificed to it. A probe is that first publish instead: empty, to
the default exchange with the topology's probe queue's name as its key (``TopologyConfig.probe_queue``,
``<prefix>.probe``: ``x-max-length`` 0, ``drop-head``), *not* mandatory. The queue takes it and drops it at once,
so the broker confirms it, stores nothing, and counts it as routed: a probe published to no queue at all would
raise RabbitMQ's ``messages_unroutable_dropped_total`` with every probe (an operator's "unroutable" alert firing on
an idle hub). `hub.workers.dlq` sends one before each pass over a DLQ; the ingress's publisher
(`hub.transport.amqp.loop_publisher`) one after each ``IDLE_PROBE_INTERVAL`` seconds without a publish, so
``/readyz`` turns 503 naming the alarm before a command arrives. (Against a topology declared by an older hub,
without the probe queue, a probe is unroutable and dropped, as before.)
"""

from __future__ import annotations

from hub.transport.message import Message

__all__ = ["IDLE_PROBE_INTERVAL", "PROBE_EXCHANGE", "PROBE_TYPE", "probe_message"]

PROBE_EXCHANGE = ""  # the default exchange: it routes by queue name, to the probe queue
PROBE_TYPE = "onepoint.probe"
IDLE_PROBE_INTERVAL = 5.0  # seconds without a publish before the ingress's publisher probes (one empty publish)


def probe_message(probe_queue: str) -> Message:
    """A probe for ``probe_queue`` (``TopologyConfig.probe_queue``): publish it to ``PROBE_EXCHANGE`` with
    ``mandatory=False``."""
    return Message(body=b"", routing_key=probe_queue, type=PROBE_TYPE)
