"""How the NSP adapter is assembled from the settings: its gateway and its client.

::

    deps = dependencies(settings, breakers=breakers, metrics=metrics)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps, metrics=metrics):
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.nsp.client import NspClient
from adapters.nsp.handlers import CONSUMER
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers, XmlGateway
from hub.observability.metrics import Metrics
from hub.validation import CommandSetRegistry

__all__ = ["CONSUMER", "close", "dependencies"]


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None) -> dict[str, Any]:
    """``nsp`` (an ``NspClient`` on an ``XmlGateway``: one reused HTTP client)."""
    adapter = settings.adapter(CONSUMER)
    command_set = (registry or CommandSetRegistry.installed(detailed=False)).get("nsp")
    return {"nsp": NspClient(XmlGateway(adapter, command_set, breakers=breakers, metrics=metrics))}


def close(built: Mapping[str, Any]) -> None:
    """Close what ``dependencies`` opened (the gateway's connections)."""
    client = built.get("nsp")
    if isinstance(client, NspClient):
        client.close()
