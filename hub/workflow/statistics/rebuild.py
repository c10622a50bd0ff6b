"""``rebuild_counters``: the statistics' counters recomputed from the work orders and their history — after a
restore, or for a store filled by other means — with the same measure functions the maintained counters use.

PostgreSQL: one transaction that takes the counters over first (``LOCK TABLE … IN EXCLUSIVE MODE``, so a change
committing meanwhile waits and then adds its own counts on top). A SQLite file has one write lock, which every
change of the hub needs: there the rebuild counts in a read snapshot and takes the lock only to replace the rows,
adding what was committed meanwhile (``rebuild_on_sqlite``; a memory database, one connection: one transaction).

The counting streams the work orders in customer order (the repeat mark is the one the engine kept on the work
order; for one created before it was kept, recomputed as the engine marks it: an earlier complaint, not an
incident, of the same number and phenomenon created within ``repeat_window``), reads the counted actions of each
chunk of them from the history — with the incident and outage links and the escalations replayed up to each
action, as the row held them then, and each reply's ``Resolved`` (its ``reply_resolved`` field entry, written just
before the REPLY's state entry): what a first-contact resolution depends on; and the owner right after each counted
event, the department grain's (``replay``) — and replaces every counter row.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text

from hub.workflow.statistics.counters import KEY_COLUMNS
from hub.workflow.statistics.grains import counter_keys
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
from hub.workflow.statistics.rebuild_on_sqlite import rebuild_beside_writers
from hub.workflow.statistics.replay import A_ESCALATE, History, histories
from hub.workflow.store.dialect import shares_one_connection
from hub.workflow.store.schema import work_order_counters, work_orders

__all__ = ["RebuildResult", "rebuild_counters"]

log = logging.getLogger("onepoint.workflow.statistics")

_w = work_orders.c
CHUNK = 2_000
INSERT_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class RebuildResult:
    work_orders: int
    counter_rows: int


def rebuild_counters(engine: Engine, zone: tzinfo, *, repeat_window: timedelta = timedelta(days=7),
                     progress: Callable[[int, int], None] | None = None) -> RebuildResult:
    """``progress(counted, total)``: told after each chunk of work orders counted (a million take minutes)."""

    def count(connection: Connection) -> tuple[Counter[CounterKey], int]:
        total = int(connection.execute(select(func.count()).select_from(work_orders)).scalar_one())
        return _count(connection, zone, repeat_window,
                      (lambda done: progress(done, total)) if progress is not None else None)

    if engine.dialect.name == "sqlite" and not shares_one_connection(engine):
        written, seen = rebuild_beside_writers(engine, count, _replace)
    else:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE work_order_counters IN EXCLUSIVE MODE"))
            counts, seen = count(connection)
            written = _replace(connection, counts)
    log.info("statistics counters rebuilt", extra={"work_orders": seen, "counter_rows": written})
    return RebuildResult(seen, written)


def _replace(connection: Connection, counts: Counter[CounterKey]) -> int:
    """Every counter row replaced by ``counts`` (its zero ones left out); how many rows were written."""
    connection.execute(delete(work_order_counters))
    rows = [{**dict(zip(KEY_COLUMNS, key, strict=True)), "count": n} for key, n in counts.items() if n]
    for start in range(0, len(rows), INSERT_CHUNK):
        connection.execute(work_order_counters.insert(), rows[start:start + INSERT_CHUNK])
    return len(rows)


def _count(connection: Connection, zone: tzinfo, window: timedelta,
           progress: Callable[[int], None] | None) -> tuple[Counter[CounterKey], int]:
    """Every work order's measures, counted per creation day, dimensions, owner at the event and measure first
    (many work orders share them), then spread over the counter rows (``grains.counter_keys``) once per distinct
    combination."""
    bases: Counter[tuple[date, str, str, str, str, str, str, str, str]] = Counter()
    statement = (select(_w.id, _w.msisdn, _w.created_at, _w.category_code, _w.area_code, _w.tier, _w.channel,
                        _w.sp_code, _w.ticket_type, _w.replied_at, _w.reply_due, _w.closed_at,
                        _w.return_visited_at, _w.return_visit_due, _w.repeat_complaint,
                        _w.owner, _w.group_id, _w.satisfaction, _w.dispatch_fields.is_not(None).label("dispatched"))
                 .order_by(_w.msisdn, _w.created_at, _w.id))
    recent: deque[tuple[datetime, str]] = deque()  # the customer's complaints within the repeat window
    customer: str | None = None
    seen = 0
    result = connection.execute(statement.execution_options(yield_per=CHUNK))  # streamed (server-side on PG)
    for partition in result.mappings().partitions():
        rows = [dict(r) for r in partition]
        found = histories(connection, [r["id"] for r in rows], {r["id"]: r["owner"] for r in rows})
        for row in rows:
            if row["msisdn"] != customer:
                customer = row["msisdn"]
                recent.clear()
            phenomenon = str(row["category_code"])[:8]
            since = row["created_at"] - window
            while recent and recent[0][0] < since:  # rows come in creation order: what left the window stays out
                recent.popleft()
            marked = row.pop("repeat_complaint")  # as the engine marked it (store migration 0009), else recomputed
            repeat = any(earlier == phenomenon for _, earlier in recent) if marked is None else bool(marked)
            if not is_incident(row):  # an incident carries a complainant's number but is no complaint of theirs
                recent.append((row["created_at"], phenomenon))
            row["dispatch_fields"] = "" if row.pop("dispatched") else None
            dims = (row["created_at"].astimezone(zone).date(), str(row["category_code"]),
                    str(row["area_code"] or ""), str(row["tier"] or ""), str(row["channel"]),
                    str(row["sp_code"] or ""), str(row["group_id"] or ""))
            history = found.get(row["id"], History())
            for measure in creation_measures(row, repeat=repeat):
                bases[(*dims, str(row["owner"] or ""), measure)] += 1
            for counted in history.actions:
                first = counted.position == FIRST_ACTION_ENTRY
                at_action = {**row, **counted.handovers}
                for measure in change_measures(at_action, counted.action, counted.previous, first=first,
                                               resolved=counted.resolved):
                    bases[(*dims, str(counted.owner or ""), measure)] += 1
            for action, measures_of in _FIELD_MEASURES:
                for owner, n in history.events_of(action).items():
                    for measure in measures_of(row):
                        bases[(*dims, str(owner or ""), measure)] += n
        seen += len(rows)
        if progress is not None:
            progress(seen)
    counts: Counter[CounterKey] = Counter()
    for (day, category, area, tier, channel, sp, group, owner, measure), n in bases.items():
        created_at = datetime.combine(day, time(12), zone)  # any instant of the local day
        row = {"created_at": created_at, "category_code": category, "area_code": area, "tier": tier,
               "channel": channel, "sp_code": sp, "group_id": group, "owner": owner}
        for key in counter_keys(row, zone, measure):
            counts[key] += n
    return counts, seen


_FIELD_MEASURES: tuple[tuple[str, Callable[[dict[str, Any]], list[str]]], ...] = (
    ("DISPATCH_REFUSED", refusal_measures), (A_ESCALATE, escalation_measures), ("REMIND", reminder_measures),
    ("RETURN_VISIT_ATTEMPT", visit_attempt_measures))
