"""How the BOSS adapter is assembled from the settings: its gateway and its client.

::

    deps = dependencies(settings, breakers=breakers, metrics=metrics)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps, metrics=metrics):
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from adapters.boss.client import BossClient
from adapters.boss.handlers import CONSUMER
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers, SoapGateway
from hub.observability.metrics import Metrics
from hub.validation import CommandSetRegistry

__all__ = ["CONSUMER", "close", "dependencies"]


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None) -> dict[str, Any]:
    """``boss`` (a ``BossClient`` on a ``SoapGateway``: reads the WSDL now) and ``operator_zone`` (the operator's
    time zone, ``[workflow] statistics_timezone``: the day a customer's identity is still valid on)."""
    adapter = settings.adapter(CONSUMER)
    command_set = (registry or CommandSetRegistry.installed(detailed=False)).get("boss")
    gateway = SoapGateway(adapter, command_set, breakers=breakers, metrics=metrics)
    return {"boss": BossClient(gateway), "operator_zone": ZoneInfo(settings.workflow.statistics_timezone)}


def close(built: Mapping[str, Any]) -> None:
    """Close what ``dependencies`` opened (the gateway's connections)."""
    client = built.get("boss")
    if isinstance(client, BossClient):
        client.close()
