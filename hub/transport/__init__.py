"""The message backbone: ``open_broker(url)`` gives a ``Broker`` (RabbitMQ or in-memory)."""

from hub.transport.broker import DIRECT_REPLY_TO, Broker, open_broker
from hub.transport.consumer import Consumer
from hub.transport.errors import (
    PublishNackedError,
    PublishTimeoutError,
    RequestTimeoutError,
    TransportClosedError,
    TransportError,
    UnroutableError,
)
from hub.transport.message import BatchHandler, Delivery, Handler, Message, Settlement
from hub.transport.topology import DelayTier, Topology, TopologyConfig, routing_key

__all__ = [
    "DIRECT_REPLY_TO",
    "BatchHandler",
    "Broker",
    "Consumer",
    "DelayTier",
    "Delivery",
    "Handler",
    "Message",
    "PublishNackedError",
    "PublishTimeoutError",
    "RequestTimeoutError",
    "Settlement",
    "Topology",
    "TopologyConfig",
    "TransportClosedError",
    "TransportError",
    "UnroutableError",
    "open_broker",
    "routing_key",
]
