"""A processed message's outcome, as long as its handler words it: ``workflow_processed_messages.outcome`` was
VARCHAR(64), but an outcome names what the message did, with the work order, the to-do or the dead letter it
concerns (``department to-do WO20261207AB12CD34-dsp1 completed in OA: recorded``: 66 characters). SQLite kept the
longer ones (it ignores a declared length); PostgreSQL refused the record, so NSP's answer to a withdrawal, OA ticking
a department's to-do or completing one the hub had closed, and a dead letter noted on its work order were retried
and dead-lettered, nothing written. The column becomes TEXT on PostgreSQL: from VARCHAR(n) a change of the catalogue
only (the table is neither rewritten nor its index rebuilt). SQLite's declaration is left as it is, as 0014 left
its columns: it keeps text of any length, and declaring it again would copy the whole table for nothing.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision: str | None = "0023"
branch_labels: str | None = None
depends_on: str | None = None

_TABLE, _COLUMN, _NARROW = "workflow_processed_messages", "outcome", 64


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column(_TABLE, _COLUMN, existing_type=sa.String(_NARROW), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    """Back to VARCHAR(64): the longer outcomes cut to their first 64 characters first (an outcome is read back only
    to say what a duplicate of its message had done)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    processed = sa.table(_TABLE, sa.column(_COLUMN, sa.Text()))
    outcome = processed.c[_COLUMN]
    op.execute(processed.update().where(sa.func.char_length(outcome) > _NARROW)
               .values({_COLUMN: sa.func.left(outcome, _NARROW)}))
    op.alter_column(_TABLE, _COLUMN, existing_type=sa.Text(), type_=sa.String(_NARROW), existing_nullable=False)
