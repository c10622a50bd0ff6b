"""What the commands that carry a machine's SQLite records into the shared PostgreSQL ones share (``onepoint oa
copy``, ``onepoint processed copy``): the shared database of ``[workers] processed_store``, and the file opened
read-only, each refused in one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from hub.config.settings import HubSettings
from hub.database import failure_line

__all__ = ["open_read_only", "shared_store_url"]


def shared_store_url(settings: HubSettings, records: str) -> str:
    """``[workers] processed_store``; refused when it is not set (``records``: what would be copied, as said)."""
    url = settings.workers.processed_store
    if url is None:
        raise click.ClickException(f"[workers] processed_store is not set: {records} are the file of each machine; "
                                   "set it to the PostgreSQL database the hubs share to copy into it")
    return url


def open_read_only(source: Path) -> sqlite3.Connection:
    """``source`` opened read-only (nothing of the file changes); refused in one line when it cannot be."""
    try:
        return sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot open {source}: {failure_line(exc)}") from None
