"""QueryWorkOrders by category prefix, newest first: a merge of one index walk per category code under the prefix.

A prefix of whole levels (``06``, a service) covers many codes (``06.01.01`` … ``06.07.03``). The index on
(category_code, created_at, id) (migration 0017) keeps each code's work orders in time order, not the prefix's:
asked for the prefix's newest 20, SQLite found every match and sorted them all (a service of 284,306 work orders
out of 1,000,000: 359 ms, growing with the store). Here the codes present under the prefix are found by skipping
through that index, one seek per code (a recursive query, the "loose index scan"), each code gives its newest
``offset + page size`` rows straight off the index, and the database merges those few. The cost follows the page
and the number of codes (at most a few hundred: the taxonomy's phenomena), not the matches (bench/README.md,
"QueryWorkOrders pages").

The other filters that may come with a category (states, the time range, a keyset cursor) are conditions inside
each code's walk; the count of matches (``Total``) is the caller's, unchanged. With a customer's number, an area,
a tier or a group the caller reads that filter's own index instead (``find_work_orders``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, text, tuple_, union_all
from sqlalchemy.engine import Connection

from hub.workflow.store.schema import work_orders

__all__ = ["MAX_MERGED_CODES", "category_codes_under", "newest_under_category", "stored_category_codes"]

MAX_MERGED_CODES = 400  # below SQLite's 500 terms of one compound SELECT; more codes: the caller sorts instead
_wo = work_orders.c

# One seek per distinct code in [prefix, prefix + "/"): byte order on both (SQLite's BINARY collation; PostgreSQL's
# text_pattern_ops operators, which the index is built with, whatever the database's collation).
_CODES_SQLITE = text("""
WITH RECURSIVE codes(code) AS (
  SELECT (SELECT category_code FROM work_orders WHERE category_code >= :low AND category_code < :high
          ORDER BY category_code LIMIT 1)
  UNION ALL
  SELECT (SELECT category_code FROM work_orders WHERE category_code > codes.code AND category_code < :high
          ORDER BY category_code LIMIT 1)
  FROM codes WHERE codes.code IS NOT NULL)
SELECT code FROM codes WHERE code IS NOT NULL""")
_CODES_POSTGRESQL = text("""
WITH RECURSIVE codes(code) AS (
  SELECT (SELECT category_code FROM work_orders WHERE category_code ~>=~ :low AND category_code ~<~ :high
          ORDER BY category_code USING ~<~ LIMIT 1)
  UNION ALL
  SELECT (SELECT category_code FROM work_orders WHERE category_code ~>~ codes.code AND category_code ~<~ :high
          ORDER BY category_code USING ~<~ LIMIT 1)
  FROM codes WHERE codes.code IS NOT NULL)
SELECT code FROM codes WHERE code IS NOT NULL""")


def category_codes_under(connection: Connection, prefix: str) -> list[str]:
    """The category codes of the stored work orders that are ``prefix`` or below it (``01.02`` → ``01.02`` and
    ``01.02.*``, not ``01.021``), in byte order."""
    codes = _CODES_POSTGRESQL if connection.dialect.name == "postgresql" else _CODES_SQLITE
    found = connection.execute(codes, {"low": prefix, "high": prefix + "/"}).scalars()
    return [code for code in found if code == prefix or code.startswith(prefix + ".")]


def stored_category_codes(connection: Connection) -> list[str]:
    """Every category code of the stored work orders, in byte order: one seek per code, as ``category_codes_under``
    (the codes' digits and dots all lie below ``~``)."""
    codes = _CODES_POSTGRESQL if connection.dialect.name == "postgresql" else _CODES_SQLITE
    return list(connection.execute(codes, {"low": "", "high": "~"}).scalars())


def newest_under_category(connection: Connection, codes: Sequence[str], where: Sequence[ColumnElement[bool]], *,
                          page_size: int, offset: int = 0,
                          after: tuple[datetime, str] | None = None) -> list[dict[str, Any]]:
    """The page (``page_size`` rows from ``offset``, or after the keyset cursor ``after``) of the work orders with
    one of ``codes`` matching every condition of ``where``, newest first (created_at, then id, descending)."""
    if not codes:
        return []
    if len(codes) > MAX_MERGED_CODES:
        raise ValueError(f"{len(codes)} category codes: at most {MAX_MERGED_CODES} are merged")
    conditions = list(where)
    if after is not None:
        conditions.append(tuple_(_wo.created_at, _wo.id) < tuple_(*after))
    newest_first = (_wo.created_at.desc(), _wo.id.desc())
    # Each walk and the merge carry (created_at, id) only: the walks stay inside the index, and building the
    # statement stays cheap (a select of every column per code cost ~0.7 ms of Python each); the page's rows are
    # read by id at the end.
    walks = [select(_wo.created_at, _wo.id).where(_wo.category_code == code, *conditions).order_by(*newest_first)
             .limit(offset + page_size).subquery(f"code_{n}") for n, code in enumerate(codes)]
    merged = union_all(*(select(walk) for walk in walks)).subquery("merged")
    page = (select(merged.c.id).order_by(merged.c.created_at.desc(), merged.c.id.desc())
            .limit(page_size).offset(offset).subquery("page"))
    rows = connection.execute(select(work_orders).join(page, _wo.id == page.c.id).order_by(*newest_first)).mappings()
    return [dict(row) for row in rows]
