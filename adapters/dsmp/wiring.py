"""How the DSMP adapter is assembled from the settings: its gateway and client, the audit log, the role check, the
purpose check.

::

    deps = dependencies(settings, breakers=breakers, metrics=metrics, work_order_store=open_store)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps, metrics=metrics):
        ...
    close(deps)

The audit log is the one ``[audit]`` names, its key loaded now: without a usable key (or with a bad
``[adapters.dsmp]``) ``dependencies`` raises ``ConfigError`` and no DSMP worker runs, rather than one failing on
its first query. Who may query, named by which callers, for how long a period comes from ``[adapters.dsmp]
sms_log_roles`` / ``operator_roles`` (with their ``callers``) / ``sms_log_max_days``.

The purpose check reads the hub's work-order store, which an adapter may not open itself (its modules are the
workflow's, ARCHITECTURE.md): the assembler gives it, as ``work_orders`` (any ``WorkOrderLookup``) or as
``work_order_store`` (what opens the store: called last, closed with the rest). Without either no DSMP worker
runs (``ConfigError``): no query may be answered whose purpose nobody checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from adapters.dsmp.client import DsmpClient
from adapters.dsmp.handlers import CONSUMER
from adapters.dsmp.purpose import StoredWorkOrders, WorkOrderLookup, WorkOrderReader
from hub.audit import AuditDatabaseUnavailable, AuditKeyError, AuditLog
from hub.audit.sms_log_access import SmsLogAccess
from hub.config.settings import ConfigError, HubSettings
from hub.gateways import CircuitBreakers, XmlGateway
from hub.observability.metrics import Metrics
from hub.validation import CommandSetRegistry

__all__ = ["CONSUMER", "OPENED_STORE", "AuditTrailUnavailable", "close", "dependencies"]

OPENED_STORE = "work_order_store"  # the work-order store ``dependencies`` opened (closed by ``close``)


class AuditTrailUnavailable(RuntimeError):
    """The SMS-log audit trail cannot be opened (its database out of reach, its key missing or another): the DSMP
    worker cannot start, and ``onepoint serve`` stops with this line (a ``ConfigError`` would only leave the queue
    without a worker, every SMS-log query then answered 504 until a restart)."""


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None, work_orders: WorkOrderLookup | None = None,
                 work_order_store: Callable[[], WorkOrderReader] | None = None) -> dict[str, Any]:
    """``dsmp`` (a ``DsmpClient`` on an ``XmlGateway``), ``audit_log`` (``AuditLog``), ``sms_log_access`` and
    ``work_orders`` (``work_orders``, or ``StoredWorkOrders`` over the store ``work_order_store()`` opens)."""
    adapter = settings.adapter(CONSUMER)
    try:
        access = SmsLogAccess.from_options(adapter.options, f"{settings.source}: [adapters.{CONSUMER}]")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if work_orders is None and work_order_store is None:
        raise ConfigError(f"{settings.source}: the DSMP adapter checks each SMS-log query's work order in the hub's"
                          " work-order store, and none was given to it (work_orders / work_order_store)")
    command_set = (registry or CommandSetRegistry.installed(detailed=False)).get("dsmp")
    try:
        audit_log = AuditLog.open(settings.audit)
    except (AuditKeyError, AuditDatabaseUnavailable) as exc:  # no query may be answered unaudited: no DSMP call
        raise AuditTrailUnavailable(f"{settings.source}: [audit]: {exc}") from None
    gateway = XmlGateway(adapter, command_set, breakers=breakers, metrics=metrics)
    built: dict[str, Any] = {"dsmp": DsmpClient(gateway), "audit_log": audit_log, "sms_log_access": access}
    if work_orders is None:
        assert work_order_store is not None
        try:
            built[OPENED_STORE] = store = work_order_store()
        except BaseException:
            close(built)
            raise
        work_orders = StoredWorkOrders(store)
    return {**built, "work_orders": work_orders}


def close(built: Mapping[str, Any]) -> None:
    """Close what ``dependencies`` opened (the gateway's connections, the audit log, the work-order store)."""
    client = built.get("dsmp")
    if isinstance(client, DsmpClient):
        client.close()
    audit_log = built.get("audit_log")
    if isinstance(audit_log, AuditLog):
        audit_log.close()
    store = built.get(OPENED_STORE)
    if store is not None:
        store.close()
