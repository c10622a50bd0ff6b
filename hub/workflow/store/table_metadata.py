"""The ``MetaData`` every table of the work-order database is defined on (``hub.workflow.store.schema`` gathers the
tables; Alembic's ``migrations/env.py`` compares the database with it), and the column types several tables share.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData, String

__all__ = ["Serial", "ShortText", "metadata"]

# An auto-increment key: BIGSERIAL-like on PostgreSQL, the ROWID alias on SQLite (which needs plain INTEGER).
Serial = BigInteger().with_variant(Integer(), "sqlite")

# 0014: a c:ShortText (up to 200 characters) as the schemas allow it. SQLite keeps text of any length whatever the
# declared one, so there it stays the VARCHAR(64) revision 0001 wrote: declaring it again would copy work_orders
# and every table that refers to it, for nothing.
ShortText = String(200).with_variant(String(64), "sqlite")

metadata = MetaData()
