"""Schema migrations of the work-order store: Alembic, its scripts shipped in this package (``migrations/``).

``upgrade(engine)`` brings a database to the newest revision; the store calls it on open, so a new release's
migrations run when its first process starts (concurrent starts are serialized: an advisory lock on PostgreSQL,
the ``BEGIN IMMEDIATE`` write lock on SQLite). On a database already at head it changes nothing. A database at a
revision these scripts do not know (a newer release migrated it, then was rolled back) is refused before anything
runs: `UnknownRevision`, one line naming the database and both revisions. ``require_head(engine)`` is for reading
commands, which must not change a schema that running hubs of an older release still use: a database not at this
release's head is refused (`OlderRevision`, or `UnknownRevision`) and nothing is migrated. Both refuse a database
that has the work-order tables but no revision in its version table (`NoRevision`: a partial restore, the tables
without ``workflow_alembic_version``): migrating it would start from the first revision and fail on the first
table that exists; the message names the version table and the repair.
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from hub.workflow.store.dialect import lock_migrations
from hub.workflow.store.schema import VERSION_TABLE

WORK_ORDERS_TABLE = "work_orders"  # the first revision's table: present, the schema was made

__all__ = ["NoRevision", "OlderRevision", "UnknownRevision", "current_revision", "head_revision", "require_head",
           "upgrade"]

log = logging.getLogger("onepoint.workflow.store")

SCRIPT_LOCATION = "hub.workflow.store:migrations"


class UnknownRevision(RuntimeError):
    """The database is at a revision this release's migrations do not know: a newer release's."""

    def __init__(self, url: str, revision: str, head: str) -> None:
        super().__init__(f"work-order database {url} is at revision {revision}, newer than this release's head "
                         f"{head}; run the release that migrated it")
        self.url, self.revision, self.head = url, revision, head


class NoRevision(RuntimeError):
    """The database has the work-order tables but its version table is missing or empty (a partial restore)."""

    def __init__(self, url: str, head: str) -> None:
        super().__init__(
            f"work-order database {url} has the work-order tables but no revision in its version table "
            f"{VERSION_TABLE} (missing or empty: a partial restore, the tables without it); it is neither migrated "
            "nor used. Restore the whole database from a backup; or, knowing the revision its tables are at (the "
            f"release that wrote them: this release's head is {head}), write it into {VERSION_TABLE} (one row, "
            "column version_num; the table made as `CREATE TABLE " + VERSION_TABLE + " (version_num VARCHAR(32) "
            "NOT NULL PRIMARY KEY)` where it is missing), then run `onepoint workorders migrate`")
        self.url, self.head = url, head


def _not_alembics_context_lines(record: logging.LogRecord) -> bool:
    """Alembic's "Context impl SQLiteImpl." and "Will assume non-transactional DDL." at every open: the second is
    wrong here (the upgrade runs in one transaction, ``upgrade``) and both are noise; "Running upgrade" stays, as
    do warnings. Its "setup plugin ..." lines (a dozen at every open) are left out too."""
    return not str(record.msg).startswith(("Context impl ", "Will assume "))


logging.getLogger("alembic.runtime.migration").addFilter(_not_alembics_context_lines)
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

class OlderRevision(RuntimeError):
    """A command other than ``onepoint workorders migrate`` (a reading one, ``workorders recalculate``, ``stats
    rebuild``) found the database at an older revision than this release's: it does not migrate."""

    def __init__(self, url: str, revision: str | None, head: str) -> None:
        super().__init__(f"work-order database {url} is at revision {revision or 'none'}, older than this release's "
                         f"head {head}; this command does not migrate it: `onepoint workorders migrate` (or "
                         "this release's `onepoint serve`) does, once no hub of the older release uses it")
        self.url, self.revision, self.head = url, revision, head


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` in one transaction."""
    config = _config()
    with engine.begin() as connection:
        lock_migrations(connection)
        _refuse_unknown_revision(connection, ScriptDirectory.from_config(config))
        _refuse_no_revision(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.debug("work-order store at revision %s", revision)


def _refuse_unknown_revision(connection: Connection, scripts: ScriptDirectory) -> None:
    """`UnknownRevision` when the database's revision is none of ``scripts``' (Alembic would fail deep inside)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    known = {script.revision for script in scripts.walk_revisions()}
    for revision in context.get_current_heads():
        if revision not in known:
            url = connection.engine.url.render_as_string(hide_password=True)
            raise UnknownRevision(url, revision, scripts.get_current_head() or "none")


def _refuse_no_revision(connection: Connection) -> None:
    """`NoRevision` when the database has no revision but has the work-order tables."""
    if MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_heads():
        return
    if inspect(connection).has_table(WORK_ORDERS_TABLE):
        raise NoRevision(connection.engine.url.render_as_string(hide_password=True), head_revision())


def require_head(engine: Engine) -> None:
    """Nothing when the database is at this release's head; else `OlderRevision`, `UnknownRevision` or
    `NoRevision`."""
    scripts = ScriptDirectory.from_config(_config())
    head = scripts.get_current_head() or "none"
    with engine.connect() as connection:
        _refuse_unknown_revision(connection, scripts)
        _refuse_no_revision(connection)
        revision = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
    if revision != head:
        raise OlderRevision(engine.url.render_as_string(hide_password=True), revision, head)
