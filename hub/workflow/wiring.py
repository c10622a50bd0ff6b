"""How the workflow consumer is assembled from the settings, in the adapters' shape (``hub.system.consumers``):
``CONSUMER``, ``handlers``, ``dependencies(settings, ...)``, ``close(deps)``, ``processed_store(deps)`` (the
work-order store itself records the workflow's processed messages, in the transaction of their effects) and
``background(deps, ...)``: the deadline scheduler and the event publisher beside the worker. The processed store
runs batches of up to ``[workflow] worker_batch`` messages (``hub.workers.batch``): the ``Worker`` built on it
consumes in batches.

::

    deps = dependencies(settings)
    with Worker(broker, CONSUMER, handlers, store=processed_store(deps), dependencies=deps, outbound=...):
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.outbound import Outbound
from hub.store import ProcessedStore
from hub.validation import CommandSetRegistry
from hub.workflow.clock import Clock
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.health_gauges import track_health
from hub.workflow.publisher import EventPublisher
from hub.workflow.retention import WorkflowRetention
from hub.workflow.rule_agreement import RuleFileAgreement
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.tier_recheck import TierRecheck

__all__ = ["BATCH", "CONSUMER", "background", "close", "dependencies", "handlers", "processed_store"]

BATCH = "workflow_batch"  # the dependencies' entry naming the worker's batch size (no handler asks for it)


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None, clock: Clock | None = None) -> dict[str, Any]:
    """``workflow`` (a ``WorkflowRuntime``: loads and checks the SLA table, calendars and taxonomy, opens and
    migrates the work-order database; on ``clock``, the system's time without it) and ``workflow_batch``
    (``[workflow] worker_batch``)."""
    return {"workflow": open_runtime(settings.workflow, clock=clock, metrics=metrics,
                                     offline_mailboxes=settings.mail.offline),
            BATCH: settings.workflow.worker_batch}


def processed_store(built: Mapping[str, Any]) -> ProcessedStore:
    runtime = built["workflow"]
    if not isinstance(runtime, WorkflowRuntime):
        raise TypeError("the workflow's dependencies hold no WorkflowRuntime")
    return WorkOrderProcessedStore(runtime.store, max_batch=int(built.get(BATCH, 1)))


def background(built: Mapping[str, Any], *, outbound: Outbound | None, settings: HubSettings) -> Callable[[], None]:
    """The deadline scheduler (``[workflow] scheduler_interval_seconds``; 0: none in this process; in its thread,
    not before this returns, it recalculates the open work orders whose deadlines came from another SLA table or
    calendar, and again after it reloaded an edited file), beside it the tier recheck (``tier_recheck``: work orders
    created while BOSS gave no tier get it once BOSS answers), the purge of processed-message records older than
    ``keep_processed_days`` and of the outbox's events published longer than ``keep_events_days`` ago
    (``hub.workflow.retention``) and the event publisher (``publisher_interval_seconds``;
    retries along ``[broker] delay_tiers``); with the runtime's metrics, the engine's health gauges on ``/metrics``
    (``hub.workflow.health_gauges``: also where neither runs, the figures are the database's), and always this
    process's row among the rule files' users (``rule_agreement``: a WARNING names the processes on the database
    whose SLA table or calendars differ). Returns what stops them."""
    runtime = built["workflow"]
    if not isinstance(runtime, WorkflowRuntime):
        raise TypeError("the workflow's dependencies hold no WorkflowRuntime")
    config = settings.workflow
    stops: list[Callable[[], None]] = []
    if runtime.metrics is not None:
        stops.append(track_health(runtime.metrics, runtime.store, runtime.clock))
    stops.append(RuleFileAgreement(runtime).start().stop)
    if config.scheduler_interval_seconds > 0:
        stops.append(DeadlineScheduler(runtime, outbound, interval=config.scheduler_interval_seconds).start().stop)
        stops.append(TierRecheck(runtime, outbound, interval=config.scheduler_interval_seconds).start().stop)
        stops.append(WorkflowRetention(runtime.store, timedelta(days=config.keep_processed_days),
                                       keep_events=timedelta(days=config.keep_events_days),
                                       gap=timedelta(seconds=config.listener_gap_seconds)).start().stop)
    if config.publisher_interval_seconds > 0:
        stops.append(EventPublisher(
            runtime.store, runtime.clock, delays=[timedelta(milliseconds=t.ttl_ms) for t in settings.delay_tiers],
            connect_timeout=config.listener_connect_timeout_seconds,
            read_timeout=config.listener_read_timeout_seconds, interval=config.publisher_interval_seconds,
            gap=timedelta(seconds=config.listener_gap_seconds), settings=config.listeners,
            metrics=runtime.metrics).start().stop)

    def stop() -> None:
        for each in reversed(stops):
            each()

    return stop


def close(built: Mapping[str, Any]) -> None:
    runtime = built.get("workflow")
    if isinstance(runtime, WorkflowRuntime):
        runtime.close()
