"""How the workflow consumer is assembled from the settings, in the adapters' shape (``hub.system.consumers``):
``CONSUMER``, ``handlers``, ``dependencies(settings, ...)``, ``close(deps)``, ``processed_store(deps)`` (the
work-order store itself records the workflow's processed messages, in the transaction of their effects) and
``background(deps, ...)``: the deadline scheduler beside the worker.

::

    deps = dependencies(settings)
    with Worker(broker, CONSUMER, handlers, store=processed_store(deps), dependencies=deps, outbound=...):
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.routing.outbound import Outbound
from hub.store import ProcessedStore
from hub.validation import CommandSetRegistry
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store import WorkOrderProcessedStore

__all__ = ["CONSUMER", "background", "close", "dependencies", "handlers", "processed_store"]


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None) -> dict[str, Any]:
    """``workflow`` (a ``WorkflowRuntime``: loads and checks the SLA table, calendars and taxonomy, opens and
    migrates the work-order database)."""
    return {"workflow": open_runtime(settings.workflow)}


def processed_store(built: Mapping[str, Any]) -> ProcessedStore:
    runtime = built["workflow"]
    if not isinstance(runtime, WorkflowRuntime):
        raise TypeError("the workflow's dependencies hold no WorkflowRuntime")
    return WorkOrderProcessedStore(runtime.store)


def background(built: Mapping[str, Any], *, outbound: Outbound | None, settings: HubSettings) -> Callable[[], None]:
    """The deadline scheduler (``[workflow] scheduler_interval_seconds``; 0: none in this process). It first
    recalculates the open work orders whose deadlines came from another SLA table or calendar."""
    interval = settings.workflow.scheduler_interval_seconds
    if interval <= 0:
        return lambda: None
    runtime = built["workflow"]
    if not isinstance(runtime, WorkflowRuntime):
        raise TypeError("the workflow's dependencies hold no WorkflowRuntime")
    return DeadlineScheduler(runtime, outbound, interval=interval).start().stop


def close(built: Mapping[str, Any]) -> None:
    runtime = built.get("workflow")
    if isinstance(runtime, WorkflowRuntime):
        runtime.close()
