"""``onepoint bulletin copy``: carry a hub's bulletin file into the board a deployment shares."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa

from hub.bulletin import BulletinBoard
from hub.bulletin.copying import copy_board
from hub.bulletin.tables import NOTICES
from hub.config.settings import ConfigError, load_settings
from hub.database import failure_line
from hub.transport.urls import redacted

__all__ = ["bulletin"]


def _read_only(path: Path) -> sa.Engine:
    """The file opened read-only: a wrong ``--from`` (the work-order database beside it) is read, never written."""
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                                                         check_same_thread=False))


@click.group("bulletin")
def bulletin() -> None:
    """The agents' bulletin of outage notices."""


@bulletin.command("copy")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A hub's bulletin file (its [bulletin] path before the switch).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file whose [bulletin] database names the shared board.")
def copy_command(source: Path, config_path: Path | None) -> None:
    """Copy the notices and read marks of a hub's bulletin file into the shared board ([bulletin] database).

    Run it for each hub's file when a deployment switches to a shared board, while the hubs run or not: a notice
    the shared board holds at a newer revision or edition is kept, the file's read marks go with the notices
    taken, and copying a file twice changes nothing. Exit 1 when there is no shared board to copy into.
    """
    try:
        settings = load_settings(config_path, secrets=())  # [bulletin] only
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    target_url = settings.bulletin.url
    if target_url is None:
        raise click.ClickException("[bulletin] database is not set: the board is the file at [bulletin] path "
                                   "itself; set database = \"workflow\" or a URL to copy into a shared board")
    if source.resolve() == settings.bulletin.path.resolve() and target_url.startswith("sqlite"):
        raise click.ClickException(f"{source} is the shared board itself")
    reading = _read_only(source)
    try:
        if not sa.inspect(reading).has_table(NOTICES.name):
            raise click.ClickException(f"{source} is no bulletin file (it has no notices table): give the hub's "
                                       "[bulletin] path, onepoint-bulletin.db by default")
        try:
            shared = BulletinBoard.from_settings(settings.bulletin)
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
            raise click.ClickException(f"cannot open the shared board, [bulletin] database "
                                       f"{redacted(target_url)}: {failure_line(exc)}") from None
        try:
            report = copy_board(reading, shared.engine)
        finally:
            shared.close()
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
        raise click.ClickException(f"nothing copied from {source} into {redacted(target_url)}: "
                                   f"{failure_line(exc)}") from None
    finally:
        reading.dispose()
    click.echo(f"{source} → {redacted(target_url)}: {report.copied} notice(s) copied with {report.reads} read "
               f"mark(s), {report.kept} kept (the shared board had them as new or newer), {report.messages} "
               "applied message id(s) recorded")
