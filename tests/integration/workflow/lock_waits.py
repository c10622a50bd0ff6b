"""Two transactions at once on PostgreSQL, for the tests of what they do to each other: the second run in a thread
until it waits on a lock the first holds (or has finished, if it never had to), its outcome reported back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text as sql

from hub.workflow.runtime import WorkflowRuntime

__all__ = ["SecondTransaction", "waiting_for_a_lock"]


def waiting_for_a_lock(runtime: WorkflowRuntime) -> bool:
    """Whether a session of the runtime's database waits on a lock now."""
    with runtime.store.engine.connect() as connection:
        waiting = connection.execute(sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()")).scalar_one()
        return int(waiting) > 0


class SecondTransaction:
    """``work()`` in a thread of its own, started by ``start_and_wait``: it returns once the work waits on a lock
    or has finished. ``result()`` joins it and gives what ``work`` returned (or raises what it raised)."""

    def __init__(self, runtime: WorkflowRuntime, work: Callable[[], Any]) -> None:
        self.runtime = runtime
        self.outcome: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._run, args=(work,))

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self.outcome["result"] = work()
        except BaseException as exc:  # reported to the test thread
            self.outcome["error"] = exc

    def start_and_wait(self) -> None:
        self.thread.start()
        for _ in range(2000):
            if waiting_for_a_lock(self.runtime) or not self.thread.is_alive():
                break
            self.thread.join(0.005)

    def result(self, timeout: float = 60) -> Any:
        self.thread.join(timeout)
        assert not self.thread.is_alive()
        if "error" in self.outcome:
            raise self.outcome["error"]
        return self.outcome["result"]
