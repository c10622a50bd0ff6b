"""The work-order database of ``onepoint workorders`` and ``onepoint stats``, as the commands open it: the read-only
ones (``workorders list|show``, ``stats``) never create one where the settings name none, and a database that
cannot be opened is one line naming it, never a traceback. The settings are read without the secrets the commands
never use (the callers' and adapters' environment variables): an operator's shell need not hold them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from hub.config.settings import ConfigError, HubSettings, load_settings

__all__ = ["CONFIG_OPTION", "opening", "require_existing", "settings_of", "shown_url"]

CONFIG_OPTION = click.option("--config", "config_path",
                             type=click.Path(exists=True, dir_okay=False, path_type=Path),
                             help="Hub settings (TOML); the built-in defaults without it.")


def settings_of(config_path: Path | None, *, secrets: Iterable[str] = ()) -> HubSettings:
    """The settings of ``--config`` (the built-in defaults without it); an error in the file as one line. Of the
    secrets the file names by environment variable only those of ``secrets`` are read (`hub.config.settings.SECRETS`):
    an operator's command needs none of the callers' or adapters' (``("workers",)``: the processed store's
    password, for a command that writes to it)."""
    try:
        return load_settings(config_path, secrets=secrets)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def shown_url(url: str) -> str:
    """The database URL as printed: without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def require_existing(url: str) -> None:
    """A usage error "no work-order database at PATH" when ``url`` names a SQLite file that does not exist (a
    read-only command would otherwise create and migrate an empty one, and report zero). Other databases (memory,
    PostgreSQL) are left to `opening`."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return
    if not os.path.isfile(database):
        raise click.ClickException(f"no work-order database at {os.path.abspath(database)} (the [workflow] database "
                                   "of the settings: with --config, the file it names, a relative path beside the "
                                   "settings file; without, the built-in defaults' file in the working folder)")


@contextmanager
def opening(url: str) -> Iterator[None]:
    """Errors of opening or reading the database (a folder that does not exist, a file that is no database, a
    server that refuses, a revision of a newer release) as one line naming it."""
    from sqlalchemy.exc import SQLAlchemyError

    from hub.workflow.store.database_file import DatabaseFileLost, DatabaseNotWritable
    from hub.workflow.store.migrate import NoRevision, OlderRevision, UnknownRevision

    try:
        yield
    # another release's schema (a reading command leaves it), a version table missing, a lost or read-only file
    except (UnknownRevision, OlderRevision, NoRevision, DatabaseFileLost, DatabaseNotWritable) as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise click.ClickException(f"cannot open the work-order database {shown_url(url)}: "
                                   f"{type(reason).__name__}: {reason}") from None
