"""The message backbone: ``open_broker(url)`` gives a ``Broker`` (RabbitMQ or in-memory)."""

from hub.transport.broker import DIRECT_REPLY_TO, Broker
from hub.transport.consumer import Consumer
from hub.transport.errors import (
    BrokerRefusedError,
    BrokerUnreachableError,
    PublisherUnavailableError,
    PublishNackedError,
    PublishOutcomeUnknownError,
    PublishTimeoutError,
    QueueFullError,
    RequestTimeoutError,
    TopologyMismatchError,
    TransportClosedError,
    TransportError,
    UnroutableError,
)
from hub.transport.factory import open_broker
from hub.transport.message import BatchHandler, Delivery, Handler, Message, Settlement
from hub.transport.topology import DelayTier, Topology, TopologyConfig, routing_key
from hub.transport.urls import BrokerURLError

__all__ = [
    "DIRECT_REPLY_TO",
    "BatchHandler",
    "Broker",
    "BrokerRefusedError",
    "BrokerURLError",
    "BrokerUnreachableError",
    "Consumer",
    "DelayTier",
    "Delivery",
    "Handler",
    "Message",
    "PublishNackedError",
    "PublishOutcomeUnknownError",
    "PublishTimeoutError",
    "PublisherUnavailableError",
    "QueueFullError",
    "RequestTimeoutError",
    "Settlement",
    "Topology",
    "TopologyConfig",
    "TopologyMismatchError",
    "TransportClosedError",
    "TransportError",
    "UnroutableError",
    "open_broker",
    "routing_key",
]
