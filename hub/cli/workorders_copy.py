"""``onepoint workorders copy --from FILE``: a hub's SQLite work-order file carried whole into the work-order database
of the settings (the PostgreSQL database several hubs will share), for the switch from one hub to several.

Refused while a hub process still runs on the file: every process of this release that has it open for writing
holds ``<file>.hub-lock`` shared, and the copy holds it exclusive while it reads (``hub_lock``; a hub started
meanwhile stops, naming the copy); a hub of the previous release is seen by its ``<file>.publisher-lock``. The file
is read in one snapshot whatever happens (``copying``)."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa

from hub.cli.workorder_database import shown_url
from hub.config.settings import ConfigError, load_settings

__all__ = ["copy_command"]


def _refuse_while_an_older_hub_runs_on(path: Path) -> None:
    """A hub of the previous release holds no ``<file>.hub-lock`` (``hub_lock``), only, in its workflow worker's
    event publisher, ``<file>.publisher-lock`` (hub.workflow.leadership)."""
    from hub.workflow.store.hub_lock import HubRunning

    lock = Path(f"{path}.publisher-lock")
    if not lock.exists():
        return
    try:
        with lock.open("rb") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise click.ClickException(str(HubRunning(path, lock))) from None
    except OSError:
        return  # a lock file it may not read: nothing to learn from it


@click.command("copy")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The hub's SQLite work-order file (its [workflow] database before the switch).")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file whose [workflow] database names the database to copy into (the new hubs' "
                   "settings; required: without it the built-in defaults would name a new SQLite file here).")
def copy_command(source: Path, config_path: Path) -> None:
    """Copy every work order of a hub's SQLite file, with its history, deadlines, events, listeners, incidents,
    outage notices, statistics and processed-message records, into the empty work-order database of the settings.

    Run it once, with the old hub and its workers stopped and their queues empty, before the new hubs start: one
    snapshot of the file, one transaction of the target (an interrupted copy leaves the target empty), both at this
    release's schema (a target without one is migrated first), the rows counted on both sides. Exit 1, nothing
    copied, when the target holds rows, a hub still runs on the file, or the target refuses a row (named).
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from hub.database import failure_line
    from hub.workflow.store.copying import CopyRefused, copy_database, read_only
    from hub.workflow.store.dialect import create_store_engine
    from hub.workflow.store.hub_lock import HubRunning, no_hub_running_on

    try:
        target_url = load_settings(config_path, secrets=()).workflow.database
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    shown = shown_url(target_url)
    target_file = sa.engine.make_url(target_url).database if target_url.startswith("sqlite") else None
    if target_file and Path(target_file).resolve() == source.resolve():
        raise click.ClickException(f"{source} is the [workflow] database of the settings itself")
    _refuse_while_an_older_hub_runs_on(source)
    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), console=console,
                        transient=True, disable=not console.is_terminal)
    tasks: dict[str, object] = {}

    def advance(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = progress.add_task(table, total=total)
        progress.update(tasks[table], completed=done)  # type: ignore[arg-type]

    reading = read_only(source)
    target = None
    try:
        with no_hub_running_on(source):
            target = create_store_engine(target_url)
            with progress:
                copied = copy_database(reading, target, advance)
    except HubRunning as exc:
        raise click.ClickException(str(exc)) from None
    except CopyRefused as exc:
        raise click.ClickException(f"nothing copied from {source} into {shown}: {exc}") from None
    except (sa.exc.SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise click.ClickException(f"nothing copied from {source} into {shown}: {failure_line(exc)}") from None
    finally:
        reading.dispose()
        if target is not None:
            target.dispose()
    table = Table(title=f"{source} → {shown}", title_justify="left")
    table.add_column("table")
    table.add_column("rows copied", justify="right")
    for done in copied:
        table.add_row(done.name, f"{done.rows:,}")
    Console().print(table)
    orders = next((done.rows for done in copied if done.name == "work_orders"), 0)
    click.echo(f"{orders} work order(s) copied; start the hubs on {shown}")
