"""The bulletin board's tables as SQLAlchemy Core sees them: the statements of ``board``, ``editions`` and
``retention`` are built from these, the same on SQLite and PostgreSQL.

The names are those a board file has always had (``hub.bulletin.schema`` creates and upgrades the SQLite layout
with its own DDL, matching these): none is taken by the work-order store (``work_orders``, ``outage_notices``…,
``alembic_version``), the processed-message store or the nonce store, so ``[bulletin] database = "workflow"`` puts
them beside those tables as they are. On PostgreSQL they are created from this metadata (``create_all``).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["APPLIED", "AREAS", "EDITIONS", "METADATA", "NOTICES", "READS", "edition_of"]

METADATA = sa.MetaData()

NOTICES = sa.Table(  # one row per notice id: its newest version (JSON), when raised (the paging order), when changed
    "notices", METADATA,
    sa.Column("notice_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, sa.CheckConstraint("status IN ('ACTIVE', 'CLEARED')"), nullable=False),
    sa.Column("notice", sa.Text, nullable=False),
    sa.Column("raised_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("notices_by_raise", sa.text("raised_at DESC"), "notice_id"),
)
AREAS = sa.Table(
    "notice_areas", METADATA,
    sa.Column("notice_id", sa.Text, primary_key=True),
    sa.Column("area_code", sa.Text, primary_key=True),
)
READS = sa.Table(  # the edition each agent read of each notice
    "notice_reads", METADATA,
    sa.Column("agent", sa.Text, primary_key=True),
    sa.Column("notice_id", sa.Text, primary_key=True),
    sa.Column("edition", sa.Integer, nullable=False),
    sa.Column("read_at", sa.Float, nullable=False),
    sa.Index("notice_reads_by_notice", "notice_id"),
)
APPLIED = sa.Table(  # every delivered message applied, by id: a redelivery changes nothing
    "applied_messages", METADATA,
    sa.Column("message_id", sa.Text, primary_key=True),
    sa.Column("notice_id", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("applied_at", sa.Float, nullable=False),
    sa.Index("applied_messages_by_time", "applied_at"),
)
EDITIONS = sa.Table(  # beside each notice: its edition, the edition its revision arrived at, the SentAt applied
    "notice_editions", METADATA,
    sa.Column("notice_id", sa.Text, primary_key=True),
    sa.Column("edition", sa.Integer, nullable=False),
    sa.Column("revision_edition", sa.Integer, nullable=False),
    sa.Column("sent_at", sa.Text),
)


def edition_of() -> sa.ColumnElement[int]:
    """A notice's edition, with ``EDITIONS`` left-joined to ``NOTICES``: a notice without an edition row (written
    before editions) is at edition = its revision."""
    return sa.func.coalesce(EDITIONS.c.edition, NOTICES.c.revision)
