"""What ``onepoint worker`` builds around its consumer: the handlers named by reference, the outbound path with
the settings' routing table, the probes' server (/metrics, /healthz, /readyz), and its start-up errors in one line."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from hub.config.settings import HubSettings
    from hub.http.background import BackgroundServer
    from hub.observability.metrics import Metrics
    from hub.routing.outbound import Outbound
    from hub.routing.table import RoutingTable
    from hub.system.worker_probes import WorkerProbes
    from hub.transport.broker import Broker
    from hub.validation.command_sets import CommandSetRegistry

__all__ = ["cannot_start", "handler_reference", "outbound_path", "routing_table", "serve_probes"]


def cannot_start(consumer: str, exc: Exception) -> str:
    """The one line saying why the worker of ``consumer`` did not start."""
    reason = getattr(exc, "orig", None) or exc  # a database driver's own error, without SQLAlchemy's wrapping
    return f"cannot start the {consumer} worker: {type(reason).__name__}: {reason}"


def serve_probes(port: int, registry: CollectorRegistry, probes: WorkerProbes,
                 settings: HubSettings | None = None) -> BackgroundServer:
    """Serve /metrics, /healthz and /readyz on 127.0.0.1:``port`` (0: a free port) with the limits of the hub's
    server (``[server] read_timeout_seconds``, ``max_connections`` of ``settings``); the server, its ``port`` the one
    bound, to ``shutdown()`` before the process exits (a server loop left running in its daemon thread while the
    interpreter finalizes can crash the exit). A port that cannot be bound (taken, not allowed) is one line
    (``ClickException``), as ``onepoint serve`` says it."""
    from hub.http import DEFAULT_READ_TIMEOUT
    from hub.system.worker_probes import serve_worker_probes

    read_timeout = DEFAULT_READ_TIMEOUT if settings is None else settings.read_timeout
    try:
        server = serve_worker_probes(port, registry, probes, read_timeout=read_timeout,
                                     max_connections=None if settings is None else settings.max_connections)
    except OSError as exc:
        raise click.ClickException(f"cannot serve the metrics on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    return server


def handler_reference(reference: str, what: str) -> Any:
    """The object ``module:attribute`` names (``--handlers``, ``--dependencies``); a usage error if none."""
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise click.BadParameter(f"{what} must be 'module:attribute', not {reference!r}")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise click.BadParameter(f"cannot load {reference!r}: {exc}") from None


def outbound_path(settings: HubSettings, broker: Broker, sets: CommandSetRegistry, metrics: Metrics) -> Outbound:
    """The outbound path of the handlers: the settings' routing table and the installed command sets."""
    from hub.routing.outbound import BrokerOutbound
    from hub.validation.validator import DocumentValidator

    return BrokerOutbound(broker, routing_table(settings, broker, sets), DocumentValidator(sets, settings.limits),
                          metrics=metrics)


def routing_table(settings: HubSettings, broker: Broker, sets: CommandSetRegistry) -> RoutingTable:
    """The settings' routing table (``[routing] file``, else the built-in one), checked against the command sets."""
    from hub.routing.factory import load_routing_table

    return load_routing_table(settings, sets, broker)
