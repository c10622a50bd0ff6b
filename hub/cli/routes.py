"""``onepoint routes``: check a routing table, and have a running hub reload its table."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import click

from hub.routing.table import RoutingTable, RoutingTableError
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry

__all__ = ["routes"]


@click.group()
def routes() -> None:
    """Routing tables: check one, reload a running hub's."""


@routes.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
def check(file: Path | None) -> None:
    """Check a routing table (the built-in one without FILE); print its routes; exit 1 on any error."""
    command_types = CommandSetRegistry.installed(detailed=False).command_types()
    try:
        table = RoutingTable.load(file, consumers=DEFAULT_CONSUMERS, command_types=command_types)
    except RoutingTableError as exc:
        raise click.ClickException(str(exc)) from None
    for route in table.routes:
        when = " when " + ", ".join(f"{k} in {list(v)}" for k, v in route.when) if route.when else ""
        click.echo(f"{route.name}: {', '.join(route.commands)}{when} -> {', '.join(route.to)}")
    for command_type in table.unrouted(command_types):
        click.echo(f"warning: no unconditional route takes {command_type}", err=True)
    click.echo(f"{table.source}: {len(table.routes)} routes, ok", err=True)


@routes.command()
@click.option("--pid-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The file `onepoint serve --pid-file` wrote.")
@click.option("--pid", type=int, help="The hub's process id.")
def reload(pid_file: Path | None, pid: int | None) -> None:
    """Make a running hub reload its routing table (SIGHUP); in-flight messages keep their routes."""
    if pid is None:
        if pid_file is None:
            raise click.UsageError("give --pid-file or --pid")
        pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise click.ClickException(f"no process {pid}") from None
    click.echo(f"asked hub {pid} to reload its routing table")
