"""Why a worker of the system did not start, in one line an operator can act on, or with every problem of a data file.

A data file the workflow refuses (the SLA table, the calendars, the taxonomy, the outage services:
``DataFileError``, ``TaxonomyError``) keeps its whole list of problems, one a line, as ``onepoint worker workflow``
prints it: the issue asks for the files "checked at start with every error named", and an operator fixing the file
needs all of them, not their count.

A database the settings name (``[workflow] database``, ``[bulletin] path`` or ``database``, an adapter's
``[workers] processed_store``) that cannot be opened is
named with its setting and its file or URL (without the password), and a SQLite file whose folder does not exist
says so; the driver's own message is kept, SQLAlchemy's wrapping and its "Background on this error" link are not.
A refusal of the work-order database itself (a newer release's `UnknownRevision`, a version table missing:
`NoRevision`, the file lost since a hub ran on it or not writable) is its own line already, naming the database,
whichever worker opened it first (the DSMP worker opens it too, for its purpose check): not "cannot start the dsmp
worker".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from hub.config.settings import HubSettings

__all__ = ["start_failure"]


def start_failure(settings: HubSettings, consumer: str, exc: BaseException) -> str:
    """The one-line reason ``consumer``'s worker could not start because of ``exc``."""
    # only when a worker failed: Alembic is not loaded else
    from hub.workflow.store.database_file import DatabaseFileLost, DatabaseNotWritable
    from hub.workflow.store.migrate import NoRevision, UnknownRevision

    head = f"cannot start the {consumer} worker"
    if isinstance(exc, UnknownRevision):
        return f"{settings.source}: {head}: {exc}"
    if isinstance(exc, NoRevision | DatabaseFileLost | DatabaseNotWritable):
        return f"{settings.source}: [workflow] database: {exc}"
    reason = getattr(exc, "orig", None) or exc  # a database driver's own error, without SQLAlchemy's wrapping
    text = f"{type(reason).__name__}: {_whole(reason) if _lists_problems(reason) else _first_line(reason)}"
    named = _database_setting(settings, consumer)
    if named is None or not isinstance(exc, SQLAlchemyError | sqlite3.Error | OSError):
        return f"{head}: {text}"
    setting, shown, folder = named
    if folder is not None and not folder.is_dir():
        text = f"the folder {folder} does not exist ({text})"
    return f"{settings.source}: {head}: {setting} {shown}: {text}"


def _lists_problems(error: BaseException) -> bool:
    """A data file's refusal, whose message names every problem found (one a line)."""
    # imported only when a worker failed: a hub that runs no workflow worker loads nothing of hub.workflow
    from hub.workflow.datafile import DataFileError
    from hub.workflow.taxonomy.errors import TaxonomyError

    return isinstance(error, DataFileError | TaxonomyError)


def _whole(error: BaseException) -> str:
    return "\n".join(line.rstrip() for line in str(error).strip().splitlines() if line.strip())


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).strip().splitlines()
             if line.strip() and not line.startswith("(Background on this error")]
    return lines[0] if lines else ""


def _database_setting(settings: HubSettings, consumer: str) -> tuple[str, str, Path | None] | None:
    """The setting naming ``consumer``'s database, the database as shown, and its folder when it is a file."""
    if consumer == "bulletin":
        bulletin = settings.bulletin
        if bulletin.url is not None:
            return _url_setting("[bulletin] database = \"workflow\" ([workflow] database)"
                                if bulletin.database == "workflow" else "[bulletin] database", bulletin.url)
        path = Path(bulletin.path)
        return "[bulletin] path", str(path.absolute()), path.absolute().parent
    if consumer == "workflow":
        return _url_setting("[workflow] database", settings.workflow.database)
    if settings.workers.processed_store:  # an adapter's processed-message records (and the OA adapter's records)
        return _url_setting("[workers] processed_store", settings.workers.processed_store)
    return None


def _url_setting(setting: str, url: str) -> tuple[str, str, Path | None]:
    """``setting`` with the database at ``url`` as shown (no password; a SQLite file's absolute path and folder)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return setting, url, None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return setting, parsed.render_as_string(hide_password=True), None
    path = Path(database).absolute()
    return setting, str(path), path.parent
