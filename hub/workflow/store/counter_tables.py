"""The statistics' table: the maintained counters of the work orders (``hub.workflow.statistics``), one row per
day, dimensions and measure."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from hub.workflow.store.table_metadata import metadata

__all__ = ["work_order_counters"]

work_order_counters = Table(  # the statistics' maintained counters: one row per day, dimensions and measure
    "work_order_counters", metadata,
    Column("day", String(10), primary_key=True),  # the operator's local date, YYYY-MM-DD
    Column("category_code", String(16), primary_key=True),
    Column("area_code", String(16), primary_key=True),
    Column("tier", String(32), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("sp_code", String(32), primary_key=True),  # "" when the complaint concerns no SP
    # 0023: the department grain (the owner at the counted event) and the group grain (the group customer)
    Column("department", String(64), primary_key=True, server_default="*"),
    Column("group_id", String(32), primary_key=True, server_default="*"),
    Column("measure", String(32), primary_key=True),  # created, repeat, dispatched, invalid_dispatch, …
    Column("count", BigInteger, nullable=False),
)
