"""OnePoint Hub: an integration hub for customer-complaint work orders.

The public API; everything else is reachable through its folder (ingress, validation, security, routing, ...).
Names are imported on first use, so that importing any ``hub.<package>`` does not load the whole app (and no
package below the ingress ends up in an import cycle through ``hub`` itself). See ARCHITECTURE.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.config.settings import CallerConfig, ConfigError, HubSettings, load_settings
    from hub.envelope import Envelope, new_message_id
    from hub.ingress.app import HubApp, create_app
    from hub.routing.router import InMemoryRouter, Router, RouteResult
    from hub.validation import (
        CommandSet,
        CommandSetRegistry,
        DocumentRefused,
        DocumentValidator,
        ParserLimits,
        RefusalKind,
        ValidatedCommand,
        Violation,
    )

_HOMES = {
    "CallerConfig": "hub.config.settings",
    "ConfigError": "hub.config.settings",
    "HubSettings": "hub.config.settings",
    "load_settings": "hub.config.settings",
    "Envelope": "hub.envelope",
    "new_message_id": "hub.envelope",
    "HubApp": "hub.ingress.app",
    "create_app": "hub.ingress.app",
    "InMemoryRouter": "hub.routing.router",
    "Router": "hub.routing.router",
    "RouteResult": "hub.routing.router",
    "CommandSet": "hub.validation",
    "CommandSetRegistry": "hub.validation",
    "DocumentRefused": "hub.validation",
    "DocumentValidator": "hub.validation",
    "ParserLimits": "hub.validation",
    "RefusalKind": "hub.validation",
    "ValidatedCommand": "hub.validation",
    "Violation": "hub.validation",
}

__all__ = [
    "CallerConfig",
    "CommandSet",
    "CommandSetRegistry",
    "ConfigError",
    "DocumentRefused",
    "DocumentValidator",
    "Envelope",
    "HubApp",
    "HubSettings",
    "InMemoryRouter",
    "ParserLimits",
    "RefusalKind",
    "RouteResult",
    "Router",
    "ValidatedCommand",
    "Violation",
    "create_app",
    "load_settings",
    "new_message_id",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first access (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hub' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
