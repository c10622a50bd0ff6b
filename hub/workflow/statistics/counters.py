"""The statistics' maintained counters: ``CounterObserver`` adds what each creation and action counts to
``work_order_counters`` in the change's own transaction, so the figures never disagree with the work orders they
count (a rolled-back message counts nothing).

One statement per change: ``INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET count = count + excluded.count``
through the dialect's own ``insert`` (the same SQL on SQLite and PostgreSQL). The rows of one statement have distinct
keys (PostgreSQL refuses to update one row twice in a statement), which ``Counter`` guarantees.

A dispatch refused for missing template fields (``dispatch-incomplete``) is no engine change: it raises before any
observer is told, so it is not counted here (its DISPATCH_REFUSED history entry stays for an audit).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.workflow.commands import ActionRequest, Complaint
from hub.workflow.engine import Changed, Created, FollowUp
from hub.workflow.statistics.grains import counter_keys
from hub.workflow.statistics.measures import (
    FIRST_ACTION_ENTRY,
    CounterKey,
    change_measures,
    creation_measures,
    is_incident,
)
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.schema import work_order_counters, work_order_history

__all__ = ["CounterObserver", "add_counts", "zone_of"]

log = logging.getLogger("onepoint.workflow.statistics")

_KEY = ("day", "category_code", "area_code", "tier", "channel", "sp_code", "measure")


def add_counts(connection: Connection, counts: Mapping[CounterKey, int]) -> None:
    """Add ``counts`` to the counters (new keys start at 0), in one statement."""
    rows = [{**dict(zip(_KEY, key, strict=True)), "count": n} for key, n in counts.items() if n]
    if not rows:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(work_order_counters).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": work_order_counters.c.count + statement.excluded.count})
    connection.execute(statement)


def _state_entries(connection: Connection, work_order_id: str) -> int:
    """How many state entries the work order's history has (in this transaction): an incident's only, rare."""
    h = work_order_history.c
    statement = select(func.count()).where(h.work_order_id == work_order_id, h.kind == "state")
    return int(connection.execute(statement).scalar_one())


def _counted(row: Mapping[str, object], zone: tzinfo, measures: Iterable[str]) -> Counter[CounterKey]:
    return Counter(key for measure in measures for key in counter_keys(row, zone, measure))


class CounterObserver:
    """A ``WorkOrderObserver``: keeps ``work_order_counters`` up to date with every creation and action."""

    def __init__(self, zone: tzinfo | str = "Asia/Shanghai") -> None:
        self.zone: tzinfo = ZoneInfo(zone) if isinstance(zone, str) else zone

    def created(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                now: datetime) -> list[FollowUp]:
        add_counts(tx.db, _counted(created.row, self.zone, creation_measures(created.row, repeat=created.repeat)))
        return []

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        first = is_incident(row) and _state_entries(tx.db, str(row["id"])) == FIRST_ACTION_ENTRY
        measures = change_measures(row, request.action, changed.previous_state, first=first)
        if measures:
            add_counts(tx.db, _counted(changed.row, self.zone, measures))
        return []


def zone_of(observers: Iterable[object], default: str = "Asia/Shanghai") -> tzinfo:
    """The time zone the counters are kept in: the engine's ``CounterObserver``'s (``default`` without one)."""
    for observer in observers:
        if isinstance(observer, CounterObserver):
            return observer.zone
    return ZoneInfo(default)
