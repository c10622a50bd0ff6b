"""The statistics' maintained counters: ``CounterObserver`` adds what each creation and action counts to
``work_order_counters`` in the change's own transaction, so the figures never disagree with the work orders they
count (a rolled-back message counts nothing).

The additions are held by the transaction and written just before its commit (``add_at_commit``): summed over
the transaction (a batch of 32 messages writes each counter row once), with one execution of
``INSERT … VALUES (…) ON CONFLICT (key) DO UPDATE SET count = count + excluded.count`` (built once per dialect, the
same SQL on SQLite and PostgreSQL) with the rows in key order. Every complaint of an area and day adds to the same
rows; written at the end, they are locked only for the commit and always in one order, so several workers on one
PostgreSQL neither queue on them for a whole batch nor deadlock. A savepoint that is rolled back drops its part.

A dispatch refused for missing template fields (``dispatch-incomplete``) or another subscriber number
(``msisdn-mismatch``) changes no state: the engine tells the observer apart (``dispatch_refused``), and it counts
under ``dispatch_refused`` (its DISPATCH_REFUSED history entry commits with the refusal's answer, and the rebuild
counts those entries).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from hub.workflow.commands import ActionRequest, Complaint
from hub.workflow.engine import Changed, Created, FollowUp
from hub.workflow.statistics.grains import counter_keys, group_keys
from hub.workflow.statistics.measures import (
    FIRST_ACTION_ENTRY,
    CounterKey,
    change_measures,
    creation_measures,
    escalation_measures,
    is_incident,
    refusal_measures,
    reminder_measures,
    visit_attempt_measures,
)
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.prepared import Prepared
from hub.workflow.store.schema import work_order_counters, work_order_history

__all__ = ["KEY_COLUMNS", "CounterObserver", "add_counts", "count_group_named_late", "zone_of"]

log = logging.getLogger("onepoint.workflow.statistics")

KEY_COLUMNS = ("day", "category_code", "area_code", "tier", "channel", "sp_code", "department", "group_id", "measure")
_KEY = KEY_COLUMNS


@functools.cache
def _upsert(dialect: str) -> Prepared:
    """The counters' upsert, built once per dialect (building it per change cost ~40 % of a worker's CPU), run on
    SQLite's cursor (``Prepared``: SQLAlchemy's executemany of it cost ~4 % of the workflow worker's CPU)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(work_order_counters).values({name: bindparam(name) for name in (*_KEY, "count")})
    return Prepared(statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": work_order_counters.c.count + statement.excluded.count}))


_UNBOUNDED = text("SET LOCAL lock_timeout = 0")
_BOUNDED = text("SET LOCAL lock_timeout TO DEFAULT")  # the session's own (its connection options)


def add_counts(connection: Connection, counts: Mapping[CounterKey, int]) -> None:
    """Add ``counts`` to the counters (new keys start at 0), in one execution; the rows in key order, so two
    transactions that add to the same rows lock them in the same order (no deadlock between them). On PostgreSQL
    the wait for the counters has no lock timeout (``hub.database``): ``onepoint stats rebuild`` holds the table
    for its whole transaction (a minute a million work orders) and a change committing meanwhile waits, then adds
    its counts on top; the session's bound applies again right after."""
    rows = [{**dict(zip(_KEY, key, strict=True)), "count": n} for key, n in sorted(counts.items()) if n]
    if not rows:
        return
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(_UNBOUNDED)
    _upsert(connection.dialect.name).executemany(connection, rows)
    if postgres:
        connection.execute(_BOUNDED)


def _state_entries(connection: Connection, work_order_id: str) -> int:
    """How many state entries the work order's history has (in this transaction): an incident's only, rare."""
    h = work_order_history.c
    statement = select(func.count()).where(h.work_order_id == work_order_id, h.kind == "state")
    return int(connection.execute(statement).scalar_one())


def _counted(row: Mapping[str, object], zone: tzinfo, measures: Iterable[str]) -> dict[CounterKey, int]:
    counts: dict[CounterKey, int] = {}
    for measure in measures:
        for key in counter_keys(row, zone, measure):
            counts[key] = counts.get(key, 0) + 1
    return counts


class CounterObserver:
    """A ``WorkOrderObserver``: keeps ``work_order_counters`` up to date with every creation and action."""

    def __init__(self, zone: tzinfo | str = "Asia/Shanghai") -> None:
        self.zone: tzinfo = ZoneInfo(zone) if isinstance(zone, str) else zone

    def created(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                now: datetime) -> list[FollowUp]:
        tx.add_at_commit(add_counts, _counted(created.row, self.zone,
                                              creation_measures(created.row, repeat=created.repeat)))
        return []

    def dispatch_refused(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None:
        """A ``DispatchRefusalObserver``: a dispatch refused (missing template fields, another subscriber number)."""
        tx.add_at_commit(add_counts, _counted(row, self.zone, refusal_measures(row)))

    def escalated(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None:
        """An ``EscalationObserver``: an escalation on a breach."""
        tx.add_at_commit(add_counts, _counted(row, self.zone, escalation_measures(row)))

    def reminded(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None:
        """A ``ReminderObserver``: a Remind (the state stays)."""
        tx.add_at_commit(add_counts, _counted(row, self.zone, reminder_measures(row)))

    def visit_attempted(self, tx: WorkOrderTransaction, row: Mapping[str, Any], now: datetime) -> None:
        """A ``VisitAttemptObserver``: a return visit's unreached call (the state stays)."""
        tx.add_at_commit(add_counts, _counted(row, self.zone, visit_attempt_measures(row)))

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        first = is_incident(row) and _state_entries(tx.db, str(row["id"])) == FIRST_ACTION_ENTRY
        measures = change_measures(row, request.action, changed.previous_state, first=first,
                                   resolved=request.resolved)
        if measures:
            tx.add_at_commit(add_counts, _counted(changed.row, self.zone, measures))
        return []


def count_group_named_late(tx: WorkOrderTransaction, row: Mapping[str, Any], zone: tzinfo) -> None:
    """A complaint whose group BOSS named after its creation (``hub.workflow.tier_recheck``): its creation added to
    the group grain at the commit (the rebuild reads the group from the row, wherever it came from)."""
    tx.add_at_commit(add_counts, dict.fromkeys(group_keys(row, zone), 1))


def zone_of(observers: Iterable[object], default: str = "Asia/Shanghai") -> tzinfo:
    """The time zone the counters are kept in: the engine's ``CounterObserver``'s (``default`` without one)."""
    for observer in observers:
        if isinstance(observer, CounterObserver):
            return observer.zone
    return ZoneInfo(default)
