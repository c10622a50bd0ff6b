"""The work-order engine's backlog as the database holds it, for the health gauges of ``/metrics``
(``hub.workflow.health_gauges``): due deadlines not fired, events not yet published, listeners by state.

A scrape reads it (every few seconds at most), so every read is an index range or a small table, never a pass over
the work orders, however many are open:

* the due deadlines: ``WHERE fired_at IS NULL AND due_at <= now`` on the scheduler's own partial index
  ``ix_deadlines_open_due`` (only the deadlines not fired; the range only the due ones): SQLite ``SEARCH deadlines
  USING INDEX ix_deadlines_open_due (due_at<?)``, PostgreSQL an index (only) scan of it;
* the unpublished events: the partial index ``ix_work_order_events_unpublished`` (only those events), the oldest
  its first entry;
* the listeners: their table (a few rows per registered system);
* the rule files' users: their table (a row per running hub or workflow worker), those seen within ``GONE_AFTER``.

The open work orders by state are not read: counting them passes over an entry per open work order (a million:
70 ms on SQLite's state index, 240 ms on PostgreSQL), and the statistics' counters are per day of creation, not per
state. Measured with a million open work orders: SQLite 0.1 ms for the due deadlines (1,000 due), 0.3 ms to count
10,000 unpublished events; PostgreSQL 0.1 ms and 1 ms (``EXPLAIN ANALYZE``, serial: see ``_SERIAL``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.engine import Connection

from hub.workflow.store.rule_file_users import GONE_AFTER as RULE_FILE_USERS_GONE_AFTER
from hub.workflow.store.rule_file_users import versions_in_use
from hub.workflow.store.schema import deadlines, event_listeners, work_order_events

__all__ = ["StoreHealth", "due_deadlines_query", "read_health"]

_dl, _ev, _li = deadlines.c, work_order_events.c, event_listeners.c

# PostgreSQL estimates the due range from the statistics of every deadline row, the fired ones (long past) included:
# hundreds of thousands where a few are due. It then plans a parallel scan whose workers take ~35 ms to start for a
# range read in 0.1 ms (a million open work orders). This transaction's reads run in the scrape's process alone.
_SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"
# A read for /metrics that the database does not answer in 3 s gives no sample rather than holding the reading
# thread (hub.observability.scrape_cache: the scrapes do not wait for it anyway).
_BOUNDED = "SET LOCAL statement_timeout = 3000"


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """One read: the oldest due deadline not fired and how many are, the unpublished events (the oldest's time of
    writing) and the listeners by state (``active``, ``retrying``: failed at their next event, ``parked``)."""

    oldest_due: datetime | None = None
    due: int = 0
    unpublished: int = 0
    oldest_unpublished: datetime | None = None
    listeners: dict[str, int] = field(default_factory=dict)
    # (SLA table, calendars, taxonomy) versions → the processes running with them
    rule_files: dict[tuple[str, str, str], int] = field(default_factory=dict)


def due_deadlines_query(now: datetime) -> Select[datetime, int]:
    """The oldest due deadline not fired and how many there are (the scheduler's index, a range of the due)."""
    return select(func.min(_dl.due_at), func.count()).where(_dl.fired_at.is_(None), _dl.due_at <= now)


def read_health(connection: Connection, now: datetime,
                gone_after: timedelta = RULE_FILE_USERS_GONE_AFTER) -> StoreHealth:
    """The figures at ``now``, in the caller's (read-only) transaction; the rule files' users seen since ``now -
    gone_after``."""
    if connection.dialect.name == "postgresql":  # see _SERIAL and _BOUNDED
        connection.exec_driver_sql(_SERIAL)
        connection.exec_driver_sql(_BOUNDED)
    oldest_due, due = connection.execute(due_deadlines_query(now)).one()
    unpublished = connection.execute(
        select(func.count()).select_from(work_order_events).where(_ev.published_at.is_(None))).scalar_one()
    oldest_unpublished = connection.execute(
        select(_ev.created_at).where(_ev.published_at.is_(None)).order_by(_ev.position).limit(1)).scalar()
    state = case((_li.suspended_at.is_not(None), "parked"), (_li.failures > 0, "retrying"), else_="active")
    listeners = {str(s): int(n) for s, n in connection.execute(
        select(state, func.count()).select_from(event_listeners).group_by(state))}
    return StoreHealth(oldest_due, int(due), int(unpublished), oldest_unpublished, listeners,
                       versions_in_use(connection, now, gone_after))
