"""Assembling the router a hub runs with, from its settings."""

from __future__ import annotations

from hub.config.settings import HubSettings
from hub.observability.metrics import Metrics
from hub.routing.broker_router import BrokerRouter
from hub.routing.table import RoutingTable
from hub.transport import Broker, open_broker
from hub.validation.command_sets import CommandSetRegistry

__all__ = ["load_routing_table", "open_router"]


def load_routing_table(settings: HubSettings, registry: CommandSetRegistry, broker: Broker) -> RoutingTable:
    return RoutingTable.load(
        settings.routing_file, consumers=broker.config.consumers, command_types=registry.command_types(),
        registry=registry,
    )


def open_router(
    settings: HubSettings, registry: CommandSetRegistry, metrics: Metrics | None = None
) -> BrokerRouter:
    """Open the broker named by the settings, declare the topology and load the routing table."""
    broker = open_broker(settings.broker_url, settings.topology)
    try:
        return BrokerRouter(broker, load_routing_table(settings, registry, broker), metrics=metrics)
    except Exception:
        broker.close()
        raise
