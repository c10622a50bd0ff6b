"""``onepoint routes``: check a routing table, and have a running hub (or worker) reload its table."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import click

from hub.cli.pid_files import command_line, is_onepoint
from hub.routing.reloads import outcome_path, read_outcome
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
              help="The file `onepoint serve --pid-file` (or `onepoint worker --pid-file`) wrote.")
@click.option("--pid", type=int, help="The process id (then the outcome is only in its log).")
@click.option("--wait", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait for the process's outcome (with --pid-file).")
def reload(pid_file: Path | None, pid: int | None, wait: float) -> None:
    """Make a running hub or worker reload its routing table (SIGHUP); in-flight messages keep their routes.

    With --pid-file, waits for the outcome: exit 0 when the table was taken, 1 with every error when it was
    refused (the running table stays) or nothing answered. A pid file naming a process that is not `onepoint`
    (left by a hub that died, its id since given to another program) is refused: nothing is signalled."""
    if pid is None:
        if pid_file is None:
            raise click.UsageError("give --pid-file or --pid")
        text = pid_file.read_text().strip()
        if not (text.isascii() and text.isdigit()):
            raise click.ClickException(f"{pid_file} holds no process id")
        pid = int(text)
        _refuse_a_stranger(pid_file, pid)
    where = outcome_path(pid_file) if pid_file is not None else None
    before = read_outcome(where) if where is not None else None
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise click.ClickException(f"no process {pid}") from None
    if where is None:
        click.echo(f"asked process {pid} to reload its routing table; its log says whether it took it")
        return
    deadline = time.monotonic() + wait
    while (outcome := read_outcome(where)) is None or outcome.pid != pid or outcome == before:
        if time.monotonic() > deadline:
            raise click.ClickException(f"process {pid} did not say within {wait:g} s whether it reloaded its routing "
                                       f"table (is it `onepoint serve` or `onepoint worker` with --pid-file "
                                       f"{pid_file}?)")
        time.sleep(0.05)
    if not outcome.ok:
        raise click.ClickException(outcome.describe())
    click.echo(outcome.describe())


def _refuse_a_stranger(pid_file: Path, pid: int) -> None:
    """A ``ClickException`` unless process ``pid`` runs ``onepoint`` (or no ``/proc`` here can tell)."""
    try:
        arguments = command_line(pid)
    except ProcessLookupError:
        raise click.ClickException(f"{pid_file}: no process {pid} (the hub that wrote it is gone)") from None
    if arguments is None or is_onepoint(arguments):
        return
    shown = " ".join(arguments)[:80] or "unknown"
    raise click.ClickException(f"{pid_file}: process {pid} is not `onepoint serve` or `onepoint worker` (it runs "
                               f"{shown!r}): a stale pid file, nothing signalled (--pid {pid} signals it anyway)")
