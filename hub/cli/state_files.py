"""Where a hub's state lies, by its settings: each SQLite file (to copy online, ``onepoint backup``) and each
database on a server (PostgreSQL: ``pg_dump``), with the setting that names it (README: Backup and restore).

* ``[workflow] database``: the work-order database (work orders, history, deadlines, the event outbox, listeners,
  the workflow's processed messages, the statistics);
* ``[audit] path`` or ``database``: the SMS-log audit log (a ``"workflow"`` database: in the work-order database);
* ``[bulletin] path`` or ``database``: the agents' board of outage notices;
* the OA adapter's notice book ``onepoint-oa-notices.db`` in ``[bulletin] path``'s folder (its records in
  ``[workers] processed_store`` when that is set);
* ``[security] nonce_store`` when it is a SQLite file;
* the adapters' processed-message records: ``[workers] processed_store``, else ``onepoint-<consumer>.sqlite3`` in
  the working folder (each worker's own; none on ``memory://``).

What is not here: RabbitMQ's queues and dead-letter queues (the broker's), the settings file and the secrets (the
environment, key files): README, Backup and restore.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.config.settings import HubSettings

__all__ = ["OA_NOTICE_BOOK", "StateStore", "state_stores"]

OA_NOTICE_BOOK = "onepoint-oa-notices.db"  # adapters.oa.notice_file.FILE_NAME: beside the bulletin's file


@dataclass(frozen=True, slots=True)
class StateStore:
    """One store of the hub's state: a SQLite ``file``, or a database on a server (``server``, without password)."""

    setting: str
    file: Path | None = None
    server: str | None = None


def _of_url(setting: str, url: str) -> StateStore | None:
    """The store a database URL names; None for memory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return StateStore(setting, server=parsed.render_as_string(hide_password=True))
    database = parsed.database or ""
    if database.startswith("file:"):
        database = database[len("file:"):]
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return StateStore(setting, file=Path(database))


def state_stores(settings: HubSettings, working_folder: Path) -> list[StateStore]:
    """Every store of the settings (the workers' records files: those in ``working_folder``), each once (a
    database shared by several settings is named by the first)."""
    found: list[StateStore | None] = [_of_url("[workflow] database", settings.workflow.database)]
    audit, bulletin = settings.audit, settings.bulletin
    found.append(StateStore("[audit] path", file=audit.path) if audit.url is None
                 else _of_url("[audit] database", audit.url))
    bulletin_file = Path(bulletin.path) if bulletin.url is None else None
    found.append(StateStore("[bulletin] path", file=bulletin_file) if bulletin_file is not None
                 else _of_url("[bulletin] database", bulletin.url or ""))
    processed = settings.workers.processed_store
    if processed:
        found.append(_of_url("[workers] processed_store", processed))
    else:
        folder = Path(bulletin.path).absolute().parent  # [bulletin] path's folder, whatever database it uses
        found.append(StateStore("the OA notice book ([bulletin] path's folder)", file=folder / OA_NOTICE_BOOK))
        found.extend(StateStore("a worker's processed messages (working folder)", file=file)
                     for file in sorted(working_folder.glob("onepoint-*.sqlite3")))
    nonces = settings.security.nonce_store
    if nonces not in ("memory", "workflow"):
        found.append(_of_url("[security] nonce_store", nonces))
    stores: list[StateStore] = []
    seen: set[str] = set()
    for store in found:
        if store is None:
            continue
        key = str(store.file.absolute()) if store.file is not None else str(store.server)
        if key not in seen:
            seen.add(key)
            stores.append(store)
    return stores
