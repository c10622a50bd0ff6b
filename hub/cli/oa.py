"""``onepoint oa copy --from FILE``: carry the OA adapter's records of a hub's file (``onepoint-oa-notices.db``)
into the shared ones of ``[workers] processed_store`` (``adapters.oa.copying``), at the switch to several hubs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa

from hub.cli.records_copy import open_read_only, shared_store_url
from hub.cli.workorder_database import settings_of
from hub.database import failure_line
from hub.transport.urls import redacted

__all__ = ["oa"]


@click.group("oa")
def oa() -> None:
    """The OA adapter's records (which version of each outage notice the managers' to-reads show, the to-dos the
    hub closed)."""


@oa.command("copy")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A hub's OA records file (onepoint-oa-notices.db, beside its bulletin file).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file whose [workers] processed_store names the shared PostgreSQL database.")
def copy_command(source: Path, config_path: Path | None) -> None:
    """Copy a hub's OA records into the shared ones ([workers] processed_store), once per hub's file, while the hubs run
    or not: a notice the shared records hold is kept (a hub saw it later), the file's push leases are taken expired,
    a closed item (a to-do closed, a to-read withdrawn) keeps its later closing time; copying a file twice changes
    nothing. Exit 1 when there is no shared database to copy into."""
    from adapters.oa.copying import copy_records
    from adapters.oa.postgres_records import open_engine

    target_url = shared_store_url(settings_of(config_path, secrets=("workers",)), "the OA records")
    file = open_read_only(source)
    try:
        tables = {str(name) for (name,) in file.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables & {"oa_notice_versions", "oa_closed_todos"}:
            raise click.ClickException(f"{source} holds no OA records (no oa_notice_versions or oa_closed_todos "
                                       "table): give the hub's onepoint-oa-notices.db")
        shared = open_engine(target_url)
        try:
            copied = copy_records(file, shared)
        finally:
            shared.dispose()
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
        raise click.ClickException(f"nothing copied from {source} into {redacted(target_url)}: "
                                   f"{failure_line(exc)}") from None
    finally:
        file.close()
    click.echo(f"{source} → {redacted(target_url)}: {copied.notices} notice version(s) copied with {copied.items} "
               f"to-read item(s), {copied.notices_kept} kept (the shared records had them), {copied.closed_items} "
               "closed item(s) recorded (to-dos closed, to-reads withdrawn)")
