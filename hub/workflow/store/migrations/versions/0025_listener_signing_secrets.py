"""Signed event deliveries: each event listener gets ``signing_secret``, the key of the HMAC-SHA256 its deliveries
carry (``X-OnePoint-Signature``, ``hub.workflow.event_signatures``). A listener registered before this revision is
given a random secret of its own here, row by row (``secrets.token_urlsafe(32)``, never a shared or derived
one), so from the first delivery after the upgrade every POST is signed and the column is NOT NULL; its system
learns the secret by sending its RegisterListener again (the same call-back and filter: the same ListenerId, a new
secret told once). Downgrading drops the column: the older release sends unsigned POSTs again.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision: str | None = "0024"
branch_labels: str | None = None
depends_on: str | None = None

_TABLE, _COLUMN = "event_listeners", "signing_secret"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column(_COLUMN, sa.Text()))
    listeners = sa.table(_TABLE, sa.column("id", sa.String(36)), sa.column(_COLUMN, sa.Text()))
    connection = op.get_bind()
    for (listener_id,) in connection.execute(sa.select(listeners.c.id)).all():
        connection.execute(listeners.update().where(listeners.c.id == listener_id)
                           .values({_COLUMN: secrets.token_urlsafe(32)}))
    with op.batch_alter_table(_TABLE) as batch:  # SQLite: the table is copied (a few rows a system)
        batch.alter_column(_COLUMN, existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column(_COLUMN)
