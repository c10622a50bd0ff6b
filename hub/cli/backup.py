"""``onepoint backup --to DIR``: an online copy of every SQLite file of the hub's state (``state_files``), taken
with SQLite's backup API while the hub runs: each copy is one consistent moment of its file, its ``-wal`` included
(a plain copy of the file without its ``-wal`` is not: the last commits live there until a checkpoint), and is a
database of its own, without a ``-wal``. One line per file. Databases on a PostgreSQL server are named, not copied
(``pg_dump``); RabbitMQ's queues, the settings and the secrets are not the hub's files (README: Backup and restore).

The files are copied one after another, each at its own moment: a work order created between two copies may be in
the work-order database's copy and not in the audit log's. A restore of the set is a restore to about the time of
the backup (README: what to do after restoring an older backup).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import click

from hub.cli.state_files import StateStore, state_stores
from hub.cli.workorder_database import settings_of

__all__ = ["backup", "copy_online"]


def copy_online(source: Path, target: Path) -> int:
    """``source`` copied into the new file ``target`` by SQLite's backup API, in one step (one read transaction:
    writers go on, WAL); the copy's ``quick_check`` must say ok. Returns its size in bytes."""
    reading = sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True)  # never creates a missing file
    try:
        written = sqlite3.connect(target)
        try:
            reading.backup(written)
            checked = written.execute("PRAGMA quick_check").fetchone()[0]
            if checked != "ok":
                raise sqlite3.DatabaseError(f"the copy does not check: {checked}")
        finally:
            written.close()
    finally:
        reading.close()
    return target.stat().st_size


def _copy(store: StateStore, file: Path, folder: Path, taken: set[str]) -> bool:
    """One file copied with its line; False when it could not be."""
    target = folder / file.name
    if file.name in taken or target.exists():
        click.echo(f"not copied: {file} ({store.setting}): {target} exists already", err=True)
        return False
    taken.add(file.name)
    started = time.monotonic()
    try:
        size = copy_online(file, target)
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        click.echo(f"not copied: {file} ({store.setting}): {type(exc).__name__}: {exc}", err=True)
        return False
    click.echo(f"copied {file} ({store.setting}) -> {target}: {size:,} bytes in {time.monotonic() - started:.1f} s")
    return True


@click.command("backup")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder the copies are written to (made when missing; a file there already is not replaced).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file naming the stores (default: the built-in defaults, in the working folder).")
def backup(folder: Path, config_path: Path | None) -> None:
    """Copy every SQLite file of the hub's state into FOLDER while the hub runs (SQLite's online backup: each copy
    consistent, no -wal needed), one line per file; databases on PostgreSQL are named for pg_dump. Exit 1 when a
    file could not be copied. Keep the output of `onepoint audit head` apart from the copies."""
    settings = settings_of(config_path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    failed, taken = 0, set[str]()
    for store in state_stores(settings, Path.cwd()):
        file = None if store.file is None else store.file.absolute()
        if store.server is not None:
            click.echo(f"not copied: {store.setting} is on a database server ({store.server}): pg_dump it")
        elif file is not None and not file.exists():
            click.echo(f"no file: {file} ({store.setting}): nothing to copy")
        elif file is not None and not _copy(store, file, folder, taken):
            failed += 1
    click.echo("not copied by this command: RabbitMQ's queues and dead letters, the settings file and the secrets "
               "(README: Backup and restore)")
    if failed:
        raise SystemExit(1)
