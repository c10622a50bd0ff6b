"""The statistics' counters get two more dimensions in their key: ``department`` (the department that owned the
work order at the counted event: the assessment of each step, "the downstream rates the upstream") and ``group_id``
(the group customer whose member complained). Both are ``*`` in every existing row, which keeps its meaning (the
grains other than department and group); the rows of the new grains are written from this revision on, and
``onepoint stats rebuild`` counts them for the work orders counted before (docs/statistics.md).

The key is the counters' primary key, which the upsert's ``ON CONFLICT`` names: the table is copied into one with the
new key (the counters are rolled up: a few thousand rows a month, not the work orders), the old one dropped and the
new one renamed, on SQLite and PostgreSQL alike (on PostgreSQL its key's index is renamed to the table's usual one).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision: str | None = "0022"
branch_labels: str | None = None
depends_on: str | None = None

_OLD_KEY = ("day", "category_code", "area_code", "tier", "channel", "sp_code", "measure")
_NEW_KEY = ("day", "category_code", "area_code", "tier", "channel", "sp_code", "department", "group_id", "measure")
_COPY = "work_order_counters_0023"


_LENGTHS = {"day": 10, "category_code": 16, "area_code": 16, "tier": 32, "channel": 32, "sp_code": 32,
            "department": 64, "group_id": 32, "measure": 32}


def _columns(key: tuple[str, ...]) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [
        sa.Column(name, sa.String(_LENGTHS[name]), primary_key=True,
                  server_default="*" if name in ("department", "group_id") else None) for name in key]
    return [*columns, sa.Column("count", sa.BigInteger, nullable=False)]


def _copy_with(key: tuple[str, ...], read: tuple[str, ...]) -> None:
    """``work_order_counters`` rebuilt with ``key`` from its rows (``read``: the columns read for the key's, in its
    order; ``*`` for a column the old table lacks)."""
    copy = op.create_table(_COPY, *_columns(key))
    old = sa.table("work_order_counters", *(sa.column(name) for name in (*read, "count") if name != "*"))
    selected = [sa.literal("*") if name == "*" else old.c[name] for name in read]
    names = [*key, "count"]
    op.execute(copy.insert().from_select(names, sa.select(*selected, old.c["count"])))
    op.drop_table("work_order_counters")
    op.rename_table(_COPY, "work_order_counters")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"ALTER INDEX {_COPY}_pkey RENAME TO work_order_counters_pkey"))


def upgrade() -> None:
    _copy_with(_NEW_KEY, ("day", "category_code", "area_code", "tier", "channel", "sp_code", "*", "*", "measure"))


def downgrade() -> None:
    # the department and group rows would collide with the total grain's under the old key: left out
    op.execute(sa.text("DELETE FROM work_order_counters WHERE department <> '*' OR group_id <> '*'"))
    _copy_with(_OLD_KEY, _OLD_KEY)
