"""How the workflow consumer is assembled from the settings, in the adapters' shape (``hub.system.consumers``):
``CONSUMER``, ``handlers``, ``dependencies(settings, ...)``, ``close(deps)`` and ``processed_store(deps)``: the
work-order store itself records the workflow's processed messages, in the transaction of their effects.

::

    deps = dependencies(settings)
    with Worker(broker, CONSUMER, handlers, store=processed_store(deps), dependencies=deps, outbound=...):
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.store import ProcessedStore
from hub.validation import CommandSetRegistry
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore

__all__ = ["CONSUMER", "close", "dependencies", "handlers", "processed_store"]


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


def close(built: Mapping[str, Any]) -> None:
    runtime = built.get("workflow")
    if isinstance(runtime, WorkflowRuntime):
        runtime.close()
