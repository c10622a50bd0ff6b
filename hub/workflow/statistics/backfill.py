"""Counters missing beside existing work orders are filled once, when the workflow starts.

``work_order_counters`` is kept by ``CounterObserver`` in each change's transaction, from migration 0005 on. A store
whose work orders were written before it (upgraded from an older release) or by other means (an import) has work
orders and no counters at all: every figure would read zero until someone ran ``onepoint stats rebuild``. The
workflow's runtime checks it when it opens the store (two one-row reads), before its process handles a message,
and rebuilds then (``rebuild_counters``), with the workflow's statistics time zone and repeat window: a complaint
handled first would write counters of its own, and "no counter at all" would no longer show the old work orders
missing (``onepoint workorders migrate`` does the same). Counters that exist are never touched here: a rebuild of a
store that has some is the operator's decision (``onepoint stats rebuild``, docs/statistics.md).
"""

from __future__ import annotations

import logging
from datetime import timedelta, tzinfo

from sqlalchemy import Engine, select

from hub.workflow.statistics.rebuild import RebuildResult, rebuild_counters
from hub.workflow.store.schema import work_order_counters, work_orders

__all__ = ["counters_missing", "fill_missing_counters"]

log = logging.getLogger("onepoint.workflow.statistics")


def counters_missing(engine: Engine) -> bool:
    """Whether the store holds work orders and not one counter row."""
    with engine.connect() as connection:
        if connection.execute(select(work_orders.c.id).limit(1)).first() is None:
            return False
        return connection.execute(select(work_order_counters.c.day).limit(1)).first() is None


def fill_missing_counters(engine: Engine, zone: tzinfo, repeat_window: timedelta) -> RebuildResult | None:
    """Rebuild the counters when ``counters_missing``; what was counted, or None when nothing was missing."""
    if not counters_missing(engine):
        return None
    log.warning("statistics counters missing beside existing work orders (a store from before migration 0005, or "
                "filled by other means): counting them now")
    result = rebuild_counters(engine, zone, repeat_window=repeat_window)
    log.info("statistics counters filled", extra={"work_orders": result.work_orders,
                                                  "counter_rows": result.counter_rows})
    return result
