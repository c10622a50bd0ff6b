"""Where ``onepoint serve``'s hub is reached: ``--public-url``'s check, the warning for a hub bound to every address
with no public URL, the address this machine's own clients (the emulators' call-backs) use, and the table of URLs
printed at start."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import click

from hub.config.server import binds_every_address, public_url_problem
from hub.config.settings import HubSettings
from hub.transport.urls import redacted

__all__ = ["callback_url", "print_url_table", "public_url_option", "warn_unnamed_address"]


def print_url_table(system: Any, hub_url: str, emulators: dict[str, str],
                    smtp: dict[str, tuple[str, int]] | None = None,
                    imap: dict[str, tuple[str, int]] | None = None, warnings: Sequence[str] = ()) -> None:
    """The hub's, the emulators' and the queues' addresses; under them ``warnings`` a person must not miss (also
    logged: the log may go elsewhere)."""
    from rich.markup import escape
    from rich.table import Table

    from hub.observability.console import report_console
    from hub.system import endpoints

    consumers = {f"{system.settings.topology_prefix}.{c}": "worker in this process" for c in
                 (r.consumer for r in system.running)}
    for consumer, reason in system.unavailable.items():
        queue = f"{system.settings.topology_prefix}.{consumer}"
        consumers[queue] = f"no worker here: {reason}"
    table = Table(title=f"OnePoint Hub on {hub_url} · broker {redacted(system.settings.broker_url)}",
                  title_justify="left")
    for column in ("", "what", "where"):
        table.add_column(column, overflow="fold")
    for row in endpoints(hub_url, system.registry.names(), emulators=emulators, consumers=consumers, smtp=smtp,
                         imap=imap):
        table.add_row(escape(row.group), escape(row.what), escape(row.url))  # "[adapters.boss]" is not markup
    console = report_console()
    console.print(table)
    for warning in warnings:
        console.print(f"[bold]warning:[/bold] {escape(warning)}")
    console.print("Ctrl-C stops the hub, drains the workers and stops the emulators.")


def public_url_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if problem := public_url_problem(value):
        raise click.BadParameter(f"{value!r} {problem}, such as https://hub.example.com")
    return value.rstrip("/")


def warn_unnamed_address(log: logging.Logger, bound: HubSettings) -> None:
    """Bound to every address with no public URL: the WSDLs and links name this machine by its host name, a guess
    that clients elsewhere (a load balancer, another DNS name) may not share."""
    if binds_every_address(bound.host) and bound.public_url is None:
        log.warning(f"bound to every address ({bound.host}) with no public URL: the WSDLs' soap:address and the "
                    f"hub's links name this machine as {bound.hub_url}; if clients reach the hub by another name "
                    "or port, give --public-url (or [server] public_url)",
                    extra={"host": bound.host, "hub_url": bound.hub_url})


def callback_url(settings: HubSettings) -> str:
    """Where this machine's own clients (the emulators' call-backs) reach the hub: the loopback address when it is
    bound to every address."""
    if not binds_every_address(settings.host):
        return replace(settings, public_url=None).hub_url
    return replace(settings, host="::1" if ":" in settings.host else "127.0.0.1", public_url=None).hub_url
