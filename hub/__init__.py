"""OnePoint Hub: an integration hub for customer-complaint work orders.

The public API; everything else is reachable through its folder (ingress, validation, security, routing, ...).
"""

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
