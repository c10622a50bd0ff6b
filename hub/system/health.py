"""What ``/readyz`` and ``/metrics`` learn of the hub's own dependencies beyond the broker: the work-order database
of the workflow worker in this process, checked in the background (``hub.observability.probes``), never by a
request. ``checks.database`` in ``/readyz`` (failing: status ``degraded``, the reason under ``failing``) and
``onepoint_dependency_up{dependency="database"}`` read its last outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, text

from hub.observability.probes import PROBE_INTERVAL, PROBE_TIMEOUT, BackgroundProbe

__all__ = ["DATABASE", "database_probe", "ping"]

DATABASE = "database"  # the name of the work-order store's check in /readyz and /metrics


def ping(engine: Engine) -> None:
    """``SELECT 1`` on a connection of ``engine``'s pool (the one the workflow's worker uses)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def database_probe(dependencies: Mapping[str, Any], *, interval: float = PROBE_INTERVAL,
                   timeout: float = PROBE_TIMEOUT) -> BackgroundProbe | None:
    """The probe of the work-order database of a consumer's ``dependencies`` (the workflow's: its
    ``WorkflowRuntime``), not started; None for a consumer without one."""
    from hub.workflow.runtime import WorkflowRuntime

    runtime = dependencies.get("workflow")
    if not isinstance(runtime, WorkflowRuntime):
        return None
    engine = runtime.store.engine
    return BackgroundProbe(DATABASE, lambda: ping(engine), interval=interval, timeout=timeout)
