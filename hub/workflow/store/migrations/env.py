"""Alembic environment of the work-order store: always run by ``hub.workflow.store.migrate`` on an open connection
(``config.attributes["connection"]``), never from the ``alembic`` command line with an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from hub.workflow.store.schema import VERSION_TABLE, metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("the work-order store's migrations run through hub.workflow.store.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
