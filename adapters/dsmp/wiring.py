"""How the DSMP adapter is assembled from the settings: its gateway and client, the audit log, the role check.

::

    deps = dependencies(settings, breakers=breakers, metrics=metrics)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps, metrics=metrics):
        ...
    close(deps)

The audit log is the one ``[audit]`` names, its key loaded now: without a usable key (or with a bad
``[adapters.dsmp]``) ``dependencies`` raises ``ConfigError`` and no DSMP worker runs, rather than one failing on
its first query. Who may query comes from ``[adapters.dsmp] sms_log_roles`` / ``operator_roles``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.dsmp.access import SmsLogAccess
from adapters.dsmp.client import DsmpClient
from adapters.dsmp.handlers import CONSUMER
from hub.audit import AuditKeyError, AuditLog
from hub.config.settings import ConfigError, HubSettings
from hub.gateways import CircuitBreakers, XmlGateway
from hub.observability.metrics import Metrics
from hub.validation import CommandSetRegistry

__all__ = ["CONSUMER", "close", "dependencies"]


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None) -> dict[str, Any]:
    """``dsmp`` (a ``DsmpClient`` on an ``XmlGateway``), ``audit_log`` (``AuditLog``), ``sms_log_access``."""
    adapter = settings.adapter(CONSUMER)
    try:
        access = SmsLogAccess.from_options(adapter.options, f"{settings.source}: [adapters.{CONSUMER}]")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    command_set = (registry or CommandSetRegistry.installed(detailed=False)).get("dsmp")
    try:
        audit_log = AuditLog.open(settings.audit)
    except AuditKeyError as exc:  # no query may be answered unaudited: DSMP is not called at all
        raise ConfigError(f"{settings.source}: [audit]: {exc}") from None
    gateway = XmlGateway(adapter, command_set, breakers=breakers, metrics=metrics)
    return {"dsmp": DsmpClient(gateway), "audit_log": audit_log, "sms_log_access": access}


def close(built: Mapping[str, Any]) -> None:
    """Close what ``dependencies`` opened (the gateway's connections, the audit log)."""
    client = built.get("dsmp")
    if isinstance(client, DsmpClient):
        client.close()
    audit_log = built.get("audit_log")
    if isinstance(audit_log, AuditLog):
        audit_log.close()
