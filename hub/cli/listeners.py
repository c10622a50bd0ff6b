"""``onepoint listeners``: the event listeners of every system as the operator sees them (``list``: which are
parked, which are behind and why) and a parked one served again (``resume``) — straight on the work-order
database of the settings, which these commands never create nor migrate (``onepoint workorders migrate`` does).

A system sees only its own listeners, with ``workorder.QueryListeners`` (``hub.workflow.listener_queries``); a
system resumes a parked listener by registering it again; ``resume`` is the operator's way when the system's
listener is back but the system does not register again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from hub.cli.workorder_database import CONFIG_OPTION, opening, require_existing, settings_of

if TYPE_CHECKING:
    from hub.workflow.store import WorkOrderStore

__all__ = ["listeners"]

@contextmanager
def _store(url: str) -> Iterator[WorkOrderStore]:
    """The work-order store at ``url``, which must exist at this release's revision (never migrated: a hub of the
    older release may still use it); opening and reading errors as one line naming it."""
    from hub.workflow.store import WorkOrderStore

    require_existing(url)
    with opening(url):
        store = WorkOrderStore.open(url, reading=True)
        try:
            yield store
        finally:
            store.close()


@click.group("listeners")
def listeners() -> None:
    """The event listeners the systems registered (TMF621's hub model): list them, resume a parked one."""


@listeners.command("list")
@click.option("--json", "as_json_output", is_flag=True, help="The listeners as one JSON object (for scripts).")
@CONFIG_OPTION
def list_command(as_json_output: bool, config_path: Path | None) -> None:
    """Every system's listeners, in the order they were registered: call-back (without credentials), filter,
    state (ACTIVE, RETRYING with its next attempt, PARKED since when), failures in a row, last error, last
    delivery (times in [workflow] statistics_timezone) and the outbox events after its cursor (before its filter:
    how far behind it is at most)."""
    from hub.cli.listener_view import ListenerRow, as_json, print_listeners
    from hub.observability.console import report_console
    from hub.workflow.store.listener_reads import events_waiting
    from hub.workflow.store.outbox import listeners as every_listener

    settings = settings_of(config_path).workflow
    with _store(settings.database) as store, store.engine.connect() as connection:
        rows: list[ListenerRow] = [(listener, events_waiting(connection, listener.delivered_position))
                                   for listener in every_listener(connection)]
    if as_json_output:
        click.echo(json.dumps(as_json(rows), ensure_ascii=False, indent=2))
    else:
        print_listeners(report_console(), rows, ZoneInfo(settings.statistics_timezone))


@listeners.command("resume")
@click.argument("listener_id")
@CONFIG_OPTION
def resume_command(listener_id: str, config_path: Path | None) -> None:
    """Serve a PARKED listener again from its cursor, its failures forgotten (what its system's registering it
    again does); from the oldest event kept when [workflow] keep_events_days purged the events after its cursor
    while it was parked (a warning says how many outbox positions it missed)."""
    from hub.store.base import ClaimBusyError
    from hub.workflow.destinations import redacted
    from hub.workflow.listener_queries import listener_state
    from hub.workflow.store.outbox import listener, resume_listener

    settings = settings_of(config_path).workflow
    with _store(settings.database) as store:
        try:
            with store.transaction() as tx:
                found = listener(tx.db, listener_id)
                if found is None:
                    raise click.ClickException(f"no listener {listener_id} (`onepoint listeners list` shows them)")
                resumed = resume_listener(tx.db, listener_id)  # its warning below, not a log line as well
                if resumed is None:
                    raise click.ClickException(f"listener {listener_id} is not parked "
                                               f"({listener_state(found).value}): nothing to resume")
        except ClaimBusyError:
            raise click.ClickException(f"the work-order database is busy (another process holds its write lock): "
                                       f"listener {listener_id} was not resumed; try again") from None
    system = found.source_system or "no system"
    click.echo(f"listener {listener_id} ({system}, {redacted(found.callback_url)}) resumed: the publisher serves it "
               f"again from outbox position {resumed.position}")
    if resumed.skipped:
        click.echo(f"warning: the retention ([workflow] keep_events_days) purged {resumed.skipped} outbox "
                   f"position(s) after its cursor ({resumed.parked_at_position}) while it was parked: it misses "
                   "those events", err=True)
