"""The work-order engine's health on ``/metrics``: the store's backlog (``WorkOrderStore.health``) read at scrape
time, as ``hub.observability.work_order_health``'s gauges.

The figures live in the work-order database, not in a process: each process running the workflow (``onepoint
serve`` with its in-process workers, ``onepoint worker workflow``) exposes the same values, so it does not matter
which one Prometheus scrapes, nor whether the scheduler or the publisher runs in it. The lag is measured on the
workflow's clock (the one the scheduler compares due times with). ``wiring.background`` starts exposing them beside
the scheduler and the publisher, and stops when they stop (the store is closed after).

::

    stop = track_health(metrics, runtime.store, runtime.clock)
    ...
    stop()
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hub.observability.metrics import Metrics
from hub.observability.work_order_health import WORK_ORDER_HEALTH_MAX_AGE, WorkOrderHealth
from hub.workflow.clock import Clock
from hub.workflow.store import StoreHealth, WorkOrderStore

__all__ = ["health_of", "health_read", "track_health"]


def _seconds_since(then: datetime | None, now: datetime) -> float:
    return 0.0 if then is None else max((now - then).total_seconds(), 0.0)


def health_of(found: StoreHealth, now: datetime) -> WorkOrderHealth:
    """The gauges' figures of one read of the store at ``now``."""
    return WorkOrderHealth(deadline_lag_seconds=_seconds_since(found.oldest_due, now), deadlines_due=found.due,
                           outbox_unpublished=found.unpublished,
                           outbox_oldest_unpublished_seconds=_seconds_since(found.oldest_unpublished, now),
                           listeners=dict(found.listeners), rule_files=dict(found.rule_files))


def health_read(store: WorkOrderStore, clock: Clock) -> Callable[[], WorkOrderHealth]:
    """What a scrape calls (through the cache): the store read now, on ``clock``."""

    def read() -> WorkOrderHealth:
        now = clock.now()
        return health_of(store.health(now), now)

    return read


def track_health(metrics: Metrics, store: WorkOrderStore, clock: Clock, *,
                 max_age: float = WORK_ORDER_HEALTH_MAX_AGE) -> Callable[[], None]:
    """Expose ``store``'s health on ``metrics`` from now on; returns what stops exposing it."""
    return metrics.track_work_orders(health_read(store, clock), max_age=max_age)
