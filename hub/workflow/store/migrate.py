"""Schema migrations of the work-order store: Alembic, its scripts shipped in this package (``migrations/``).

``upgrade(engine)`` brings a database to the newest revision; the store calls it on open, so a new release's
migrations run when its first process starts (concurrent starts are serialized: an advisory lock on PostgreSQL,
the ``BEGIN IMMEDIATE`` write lock on SQLite). On a database already at head it changes nothing.
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from hub.workflow.store.dialect import lock_migrations
from hub.workflow.store.schema import VERSION_TABLE

__all__ = ["current_revision", "head_revision", "upgrade"]

log = logging.getLogger("onepoint.workflow.store")

SCRIPT_LOCATION = "hub.workflow.store:migrations"


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
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.debug("work-order store at revision %s", revision)
