"""The recalculation's side of the store: which open work orders hold deadlines of another SLA table or calendar.

A work order stores the SLA table's version and a hash of the calendars its owners worked by
(``calendar_version``). The table's version is compared in SQL. Work orders with the same ``calendar_version``
had the same owners on the same calendars, so one of each (``calendar_groups``, a few rows: one per sequence of
owners in use) tells whether all of them are current; ``stale_work_orders`` then names only the others, in id
order. Nothing changed: a few statements, whatever the number of open work orders.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.engine import Connection

from hub.workflow.store.dialect import READ_ONLY
from hub.workflow.store.schema import work_orders

__all__ = ["calendar_groups", "stale_work_orders"]

_wo = work_orders.c


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A short read-only transaction (plain BEGIN on SQLite: writers go on)."""
    with engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
        yield connection


def calendar_groups(engine: Engine, states: Collection[str], sla_version: str) -> list[tuple[str, str]]:
    """``(calendar_version, one work order's id)`` for each calendar hash among the work orders in ``states``
    computed from SLA table ``sla_version``."""
    query = (select(_wo.calendar_version, func.min(_wo.id))
             .where(_wo.state.in_(list(states)), _wo.sla_version == sla_version, _wo.calendar_version.is_not(None))
             .group_by(_wo.calendar_version))
    with _reading(engine) as connection:
        return [(str(version), str(work_order_id)) for version, work_order_id in connection.execute(query)]


def stale_work_orders(engine: Engine, states: Collection[str], sla_version: str, stale_calendars: Collection[str],
                      *, after: str | None, limit: int) -> list[str]:
    """The next ``limit`` ids by id after ``after`` of the work orders in ``states`` computed from another SLA
    table, from no calendar recorded, or from a calendar hash in ``stale_calendars``."""
    query = select(_wo.id).where(_wo.state.in_(list(states)), or_(
        _wo.sla_version.is_(None), _wo.sla_version != sla_version, _wo.calendar_version.is_(None),
        _wo.calendar_version.in_(list(stale_calendars))))
    if after is not None:
        query = query.where(_wo.id > after)
    with _reading(engine) as connection:
        return [str(r[0]) for r in connection.execute(query.order_by(_wo.id).limit(limit))]
