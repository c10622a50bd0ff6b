"""Deleting what a test declared on the shared test broker: its topology's queues and exchanges (unique prefix)."""

from __future__ import annotations

from collections.abc import Iterable

import pika

from hub.transport import Topology, TopologyConfig

__all__ = ["delete_topology"]


def delete_topology(url: str, config: TopologyConfig, *, extra_queues: Iterable[str] = ()) -> None:
    """Delete ``config``'s queues (and ``extra_queues``) and exchanges on the broker at ``url``."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel, topology = conn.channel(), Topology.build(config)
        for queue in (*(q.name for q in topology.queues), *extra_queues):
            channel.queue_delete(queue)
        for exchange in topology.exchanges:
            channel.exchange_delete(exchange.name)
    finally:
        conn.close()
