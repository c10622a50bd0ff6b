"""Two columns narrower than the schemas allow: ``work_orders.district`` (c:Area/c:District) and
``outage_notices.sending_department`` (nsp:SendingDepartment) are both ``c:ShortText``, up to 200 characters, but
were VARCHAR(64). SQLite kept the longer ones (it ignores a declared length); PostgreSQL refused them, so a hub on it
could not take a complaint with a 65-200 character district (the request was dead-lettered) and ``onepoint
workorders copy`` of a SQLite file holding one copied nothing. Both become VARCHAR(200) on PostgreSQL; SQLite's
declaration is left as it is (changing it would copy work_orders and every table that refers to it). Every other
String(n) column holds at least what the element filling it allows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

_WIDENED = (("work_orders", "district"), ("outage_notices", "sending_department"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _WIDENED:
        op.alter_column(table, column, existing_type=sa.String(64), type_=sa.String(200), existing_nullable=True)


def downgrade() -> None:
    """Back to VARCHAR(64): refused by PostgreSQL while a longer value is stored (shorten or clear those first)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _WIDENED:
        op.alter_column(table, column, existing_type=sa.String(200), type_=sa.String(64), existing_nullable=True)
