"""``onepoint audit archive --to PATH``: move a SQLite audit log away whole (its ``-wal`` folded in, nothing left at
its path), verified and with its head printed, so that a hub started with a new key begins a new log there
(``hub.audit.archive``). A log in PostgreSQL is refused, naming what to do instead (README, "Changing the key")."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.audit import AuditDatabaseUnavailable, AuditKeyError, load_chain_key
from hub.audit.archive import ArchiveRefused, archive_sqlite_log
from hub.audit.log import sqlite_file
from hub.audit.writers_lock import LogInUse
from hub.cli.audit_opening import CannotCheck, audit_settings, config_option, head_text

__all__ = ["archive_command"]

POSTGRES = ("the audit log is in PostgreSQL ({where}): `onepoint audit archive` moves a SQLite file only. Stop every"
            " process that writes it, take `onepoint audit head` and `verify`, copy the three onepoint_audit_* tables"
            " into a database of their own (README, \"Changing the key\"), verify the copy, then drop them from the"
            " shared database (or point [audit] database at a new one) and start with the new key")


@click.command("archive")
@config_option
@click.option("--to", "destination", required=True, type=click.Path(path_type=Path),
              help="Where the log goes: a new file, or a folder (the file keeps its name). Never written over.")
@click.option("--unverified", is_flag=True, help="Move it even when its chain does not hold (the finding printed).")
def archive_command(config_path: Path | None, destination: Path, unverified: bool) -> None:
    """Move the SQLite log away whole for a key change: refused while a hub, DSMP worker or ingress has it open;
    folds its -wal into the file, verifies the chain with the current key (refused when it does not hold, exit 1,
    unless --unverified), prints the head to keep (SEQ:MAC:CHAIN) and moves the file, leaving no -wal or -shm, so
    the path is free for a new log under a new key. Exit 2: no log, a log in PostgreSQL, no key, or the log is
    still open."""
    settings = audit_settings(config_path)
    try:
        path = sqlite_file(settings)
        key = load_chain_key(settings)
    except (AuditKeyError, AuditDatabaseUnavailable) as exc:
        raise CannotCheck(str(exc)) from None
    if path is None:
        raise CannotCheck(POSTGRES.format(where=settings.where))
    try:
        archived = archive_sqlite_log(path, destination, key, unverified=unverified)
    except ArchiveRefused as exc:
        if exc.report is not None and not exc.report.other_key:
            click.echo(str(exc), err=True)
            sys.exit(1)
        raise CannotCheck(str(exc)) from None
    except LogInUse as exc:
        raise CannotCheck(str(exc)) from None
    click.echo(f"{archived.report.summary()}")
    click.echo(f"moved {path} to {archived.destination}: {archived.rows} rows; head {head_text(archived.head)}")
    click.echo("keep that head and the old key with the archived log (verify it later with `onepoint audit verify"
               " --head`, a settings file naming it and the old key); the path is free for a new log")
