"""After a demo on RabbitMQ: remove the queues and exchanges it declared under its own prefix, so a shared broker
is left as it was found. Nothing else on the broker is touched (the names come from the demo's topology)."""

from __future__ import annotations

import logging

from hub.transport.topology import Topology, TopologyConfig
from hub.transport.urls import node_urls, scheme

__all__ = ["remove_topology"]

log = logging.getLogger("onepoint.demo")


def remove_topology(broker_url: str, config: TopologyConfig) -> bool:
    """Delete the demo's queues and exchanges (first reachable node); False, logged, if it could not."""
    if scheme(broker_url) == "memory":
        return True  # the embedded broker went with the demo's process
    import pika

    topology = Topology.build(config)
    for url in node_urls(broker_url):
        try:
            connection = pika.BlockingConnection(pika.URLParameters(url))
        except Exception as exc:  # the next node, if any
            log.warning("broker node unreachable for the demo's clean-up", extra={"error": str(exc)})
            continue
        try:
            channel = connection.channel()
            for queue in topology.queues:
                channel.queue_delete(queue.name)
            for exchange in topology.exchanges:
                channel.exchange_delete(exchange.name)
            return True
        except Exception as exc:
            log.warning("the demo's queues were not all removed", extra={"prefix": config.prefix, "error": str(exc)})
            return False
        finally:
            if connection.is_open:
                connection.close()
    return False
