"""The deadline scheduler: finds the due deadline rows through the store's index on the due time and acts on them.

One pass (``hub.workflow.deadline_passes``): what each kind of due row does (a warning, a suspension's end, an alarm
or a later escalation), how a pass claims its rows and sends what they owe, and what a row that fails does.

The thread first fills the statistics counters of a store that has work orders and none
(``statistics.backfill``: a store upgraded from before them), then recalculates (``hub.workflow.recalculation``)
the open work orders whose deadlines came from another SLA table or calendar, off the start path, and again
whenever the process reloaded an edited ``sla.toml`` or ``calendars.toml`` (``hub.workflow.rule_files``, looked at
before every pass). Time comes from the runtime's clock: every rule is tested by moving a ``ManualClock``, never by
sleeping.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import DBAPIError

from hub.database import stale_plan
from hub.observability.quiet import OutageLog
from hub.routing.outbound import Outbound
from hub.workflow.deadline_passes import DeadlinePasses, SchedulerPass, deadline_cause_id
from hub.workflow.recalculation import recalculate
from hub.workflow.runtime import WorkflowRuntime

__all__ = ["DeadlineScheduler", "SchedulerPass", "deadline_cause_id"]

log = logging.getLogger("onepoint.workflow.scheduler")
RETRY_AT_ONCE = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure
QUICK_RETRIES = 3


class DeadlineScheduler(DeadlinePasses):
    def __init__(self, runtime: WorkflowRuntime, outbound: Outbound | None, *, interval: float = 5.0,
                 batch: int = 200) -> None:
        super().__init__(runtime, outbound, batch=batch)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recalculated_for: tuple[str, str] | None = None  # (SLA table, calendars) versions

    # -- recalculation -------------------------------------------------------------------------------------------

    def recalculate(self) -> int:
        """Recompute the deadlines of every open work order computed from another SLA table or calendar."""
        return recalculate(self.runtime, stopping=self._stop.is_set, tell=self.tell_oa)

    def follow_rule_files(self) -> int:
        """Reload an edited SLA table or calendars file, then recalculate unless done for these versions already
        (also when an action of this process reloaded them first); how many work orders were recalculated."""
        if self.runtime.rules is not None:
            self.runtime.rules.refresh()
        engine = self.runtime.engine
        versions = (engine.sla.version, engine.calendars.version)
        if versions == self._recalculated_for:
            return 0
        changed = self.recalculate()
        if not self._stop.is_set():
            self._recalculated_for = versions
        return changed

    # -- the thread ----------------------------------------------------------------------------------------------

    def start(self) -> DeadlineScheduler:
        """Start the thread (it recalculates first: the caller, the hub's start, does not wait for it)."""
        self._thread = threading.Thread(target=self._run, name="deadline-scheduler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        recalculation = OutageLog(log, "deadline recalculation")  # an outage (the database down): a few lines
        passes = OutageLog(log, "deadline scheduler pass")
        while True:
            try:
                self.follow_rule_files()
            except Exception as exc:  # tried again before the next pass
                recalculation.failed(exc)
            else:
                recalculation.succeeded()
            if self._stop.wait(self.interval):
                return
            try:
                self.run_passes()
            except Exception as exc:  # the next pass tries again: the claimed rows were rolled back
                passes.failed(exc)
            else:
                passes.succeeded()

    def run_passes(self) -> None:
        """Passes while they come back full; one PostgreSQL aborted on a deadlock, a serialization failure or a plan
        it cached before a schema change (``stale_plan``) is run again at once (``QUICK_RETRIES`` times), not an
        interval later."""
        retries = 0
        while not self._stop.is_set():
            try:
                done = self.run_pass()
            except DBAPIError as exc:
                again = getattr(exc.orig, "sqlstate", None) in RETRY_AT_ONCE or stale_plan(exc)
                if not again or retries >= QUICK_RETRIES:
                    raise
                retries += 1
                log.warning("deadline scheduler pass rolled back, run again", extra={"reason": str(exc.orig)})
                continue
            retries = 0
            if done.fired < self.batch:
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

