"""``onepoint processed copy --from FILE``: carry one consumer's processed-message records of a machine's SQLite file
(``onepoint-<consumer>.sqlite3``) into the shared ones of ``[workers] processed_store`` (``hub.store.copying``), at
the switch from one hub to several."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa

from hub.cli.records_copy import open_read_only, shared_store_url
from hub.cli.workorder_database import settings_of
from hub.database import failure_line
from hub.transport.urls import redacted

__all__ = ["processed"]

_FILE_NAME = re.compile(r"onepoint-(?P<consumer>[a-z][a-z0-9_-]*)\.sqlite3")  # processed_store_url's file name


@click.group("processed")
def processed() -> None:
    """The adapters' workers' processed-message records (which messages each consumer carried out, and the answers
    of requests)."""


def _consumer(source: Path, given: str | None, consumers: tuple[str, ...]) -> str:
    """Whose records the file holds: ``--consumer``, else the file's name; one of the adapters' ``consumers``
    (records under another name are read by no worker), and never against the file's own name."""
    named = _FILE_NAME.fullmatch(source.name)
    if given and named is not None and named["consumer"] != given:
        raise click.UsageError(f"--consumer {given} but the file is {source.name}, {named['consumer']}'s records: "
                               "give the file of that consumer, or leave --consumer out")
    whose = given or (named["consumer"] if named is not None else None)
    if whose is None:
        raise click.UsageError(f"{source.name} is not named onepoint-<consumer>.sqlite3: say whose records it holds "
                               f"with --consumer ({', '.join(consumers)})")
    if whose not in consumers:
        raise click.UsageError(f"no consumer {whose!r} keeps records there: one of {', '.join(consumers)}")
    return whose


@processed.command("copy")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A worker's records file (onepoint-<consumer>.sqlite3, in its working folder).")
@click.option("--consumer", help="Whose records the file holds  [default: from the file's name]")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file whose [workers] processed_store names the shared PostgreSQL database.")
def copy_command(source: Path, consumer: str | None, config_path: Path) -> None:
    """Copy a consumer's records of a machine's file into the shared ones ([workers] processed_store): a message
    carried out on the old machine and resent (or replayed) after the switch is answered from its record, not
    carried out again. Claims in the file are left (their messages are redelivered); a record the shared store
    holds is kept; copying a file twice changes nothing. Exit 1 when there is no shared database to copy into."""
    from hub.store.copying import copy_processed, records_in
    from hub.store.postgres_schema import create_processed_engine

    settings = settings_of(config_path, secrets=("workers",))  # the shared store's password
    whose = _consumer(source, consumer, tuple(c for c in settings.topology.consumers if c != "workflow"))
    target_url = shared_store_url(settings, "the records")
    file = open_read_only(source)
    try:
        if not records_in(file):
            raise click.ClickException(f"{source} holds no processed-message records (no processed_messages "
                                       "table): give a worker's onepoint-<consumer>.sqlite3")
        shared = create_processed_engine(target_url)
        try:
            copied = copy_processed(file, shared, whose)
        finally:
            shared.dispose()
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
        raise click.ClickException(f"nothing more copied from {source} into {redacted(target_url)}: "
                                   f"{failure_line(exc)}") from None
    finally:
        file.close()
    click.echo(f"{source} → {redacted(target_url)} ({whose}): {copied.copied} record(s) copied, {copied.kept} kept "
               f"(the shared store had them), {copied.claims} claim(s) left (their messages are redelivered)")
