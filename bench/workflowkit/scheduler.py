"""The scheduler row of ``bench/workflow.py``: one ``DeadlineScheduler.run_pass`` (claiming ``batch`` due alarms,
each escalating its work order) timed on a store of ``small`` and of ``large`` open work orders, in this process,
with no outbound path (what a pass sends is the broker's cost, not the store's)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from hub.config.workflow import WorkflowSettings
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.scheduler import DeadlineScheduler

__all__ = ["pass_seconds"]


def pass_seconds(database: Path, batch: int, rounds: int) -> list[float]:
    """The duration of ``rounds`` passes (each must fire ``batch`` deadlines)."""
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{database}", scheduler_interval_seconds=0),
                           clock=ManualClock(datetime.now(UTC)))
    scheduler = DeadlineScheduler(runtime, None, batch=batch)
    try:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            done = scheduler.run_pass()
            times.append(time.perf_counter() - started)
            if done.fired != batch:
                raise RuntimeError(f"a pass fired {done.fired} deadlines, not {batch}")
        return times
    finally:
        runtime.close()


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000
