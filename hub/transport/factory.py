"""``open_broker(url)``: the ``Broker`` a URL names (RabbitMQ, a RabbitMQ cluster, or in-memory)."""

from __future__ import annotations

from typing import Any

from hub.transport.broker import Broker
from hub.transport.topology import Topology, TopologyConfig
from hub.transport.urls import check_broker_url, node_urls, scheme

__all__ = ["open_broker"]


def open_broker(url: str, topology: TopologyConfig | Topology | None = None, **options: Any) -> Broker:
    """Open a broker by URL: ``amqp://user:pass@127.0.0.1:5672/%2F`` (RabbitMQ; several comma-separated
    addresses for a cluster, see ``hub.transport.urls``) or ``memory://``.

    Keyword ``options`` go to the RabbitMQ implementation (e.g. ``max_in_flight``, ``publish_timeout``).
    A malformed URL, or one with an option the AMQP client refuses (``?heartbeat=abc``), raises ``BrokerURLError``
    (a ``ValueError``, never showing the password) before anything is opened.
    """
    kind = scheme(url)
    topo = topology if isinstance(topology, Topology) else Topology.build(topology)
    if kind == "memory":
        from hub.transport.memory import MemoryBroker

        return MemoryBroker(topo)
    from hub.transport.amqp import RabbitMQBroker

    return RabbitMQBroker(node_urls(check_broker_url(url)), topo, **options)
