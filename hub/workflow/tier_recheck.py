"""A complaint taken while BOSS gave no tier is asked of BOSS again once it answers (issue 11, point 5: every flow
completes once the system is back).

CreateWorkOrder does not hold a customer on the line for a back-office outage: the work order is created with
ordinary limits and no tier (``tiers``). This thread looks, every ``interval`` seconds, for open work orders with no
tier created in the last ``window`` (``store.untiered``, one indexed read) and asks BOSS for each, through the tier
cache new work orders fill. It asks nothing while new work orders' lookups are paused (BOSS gave them nothing a
moment ago), and after BOSS gave it nothing it waits ``retry`` or until BOSS answered a new work order: one question
per wait, not one per work order. Its own failures never pause new work orders' lookups.
When BOSS answers, the work order gets its tier, the priority and the limits still running of that tier (the SLA
table, on its owners' calendars, paused time credited: ``recalculation.recompute``), a ``TIER`` history entry, and —
for VIP and group customers — the account manager's CRM notice it would have had at creation. The change is made
under the work order's lock and only if it still has no tier, so several hub processes doing the same apply it
once; the notice's message id is derived from the work order, so CRM drops a second copy.

BOSS is asked outside any transaction (SQLite's write lock is not held for a network call). A work order whose
number BOSS's side answered with an error (other than an unknown number) is not asked again for ``backoff`` (in this
process), and the others are asked meanwhile.
The creation statistics keep the tier known when the complaint was counted; later counters use the new tier. A work
order already replied (``replied_at`` set: REPLIED, RETURN_VISITED, or finished) is left without a tier: its reply
was counted under the tier it had (the statistics' SLA per tier), and ``onepoint stats rebuild``, which reads the
stored tier, must count it there again (docs/statistics.md, "Limits"); nor is its account manager told any more.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.envelope import HUB_SYSTEM, Envelope
from hub.observability.quiet import OutageLog
from hub.routing.outbound import Outbound, OutboundError
from hub.workflow.changes import FollowUp
from hub.workflow.follow_ups import follow_up_document
from hub.workflow.lifecycle import FINAL, WorkOrderState
from hub.workflow.recalculation import OPEN_STATES, recompute
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import HistoryEntry
from hub.workflow.store.queries import load_work_order
from hub.workflow.store.untiered import untiered_work_orders
from hub.workflow.tiers import NoTier, TierFacts

__all__ = ["RecheckPass", "TierRecheck"]

log = logging.getLogger("onepoint.workflow.tiers")
CONSUMER = "workflow-tier-recheck"


@dataclass
class RecheckPass:
    asked: int = 0
    tiered: list[str] = field(default_factory=list)  # work orders that got their tier
    notified: int = 0  # CRM notices sent
    unanswered: bool = False  # BOSS gave no tier: the pass stopped


class TierRecheck:
    def __init__(self, runtime: WorkflowRuntime, outbound: Outbound | None, *, interval: float = 10.0,
                 batch: int = 50, window: timedelta = timedelta(hours=24),
                 backoff: timedelta = timedelta(minutes=10), retry: timedelta = timedelta(seconds=30)) -> None:
        self.runtime, self.outbound = runtime, outbound
        self.interval, self.batch, self.window = interval, batch, window
        self.backoff, self.retry = backoff, retry
        self._not_before: dict[str, datetime] = {}  # work order -> when to ask again after BOSS refused it
        self._unanswered: tuple[datetime, float] | None = None  # the last pass BOSS gave nothing: when, answered_at
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pass(self) -> RecheckPass:
        done = RecheckPass()
        tiers, now = self.runtime.tiers, self.runtime.clock.now()
        if self.outbound is None or tiers.paused or self._waiting(now):
            return done
        found = untiered_work_orders(self.runtime.store.engine, OPEN_STATES, since=now - self.window,
                                     limit=self.batch + len(self._not_before))
        self._not_before = {k: v for k, v in self._not_before.items() if v > now}
        for work_order_id, msisdn in found:
            if work_order_id in self._not_before:
                continue
            if done.asked >= self.batch:
                break
            cause = Envelope(f"tier-recheck-{work_order_id}", "workflow.TierRecheck", HUB_SYSTEM, b"")
            facts = tiers.cached(msisdn)  # a new complaint of the same customer asked already
            if facts is None:
                done.asked += 1
                question = Envelope(f"{cause.message_id}-{now.timestamp():.0f}", cause.command_type, HUB_SYSTEM, b"")
                try:
                    facts = tiers.ask(msisdn, self.outbound.bind(question, CONSUMER), now)
                except NoTier:  # BOSS's side answered this number with an error: the others are asked
                    self._not_before[work_order_id] = now + self.backoff
                    continue
                except (OutboundError, TimeoutError) as exc:
                    self._unanswered = (now, tiers.answered_at)
                    done.unanswered = True
                    log.info("BOSS gave no tier to the recheck: asked again later",
                             extra={"error": str(exc), "retry_seconds": self.retry.total_seconds()})
                    break
            self._unanswered = None
            self._apply(work_order_id, facts, cause, now, done)
        if done.tiered:
            log.info("tiers given late by BOSS", extra={"work_orders": len(done.tiered),
                                                        "crm_notices": done.notified})
        return done

    def _waiting(self, now: datetime) -> bool:
        """BOSS gave the last pass nothing: wait ``retry``, or less if BOSS answered a new work order since."""
        if self._unanswered is None:
            return False
        failed_at, answered_at = self._unanswered
        return now < failed_at + self.retry and self.runtime.tiers.answered_at == answered_at

    def _apply(self, work_order_id: str, facts: TierFacts, cause: Envelope, now: datetime,
               done: RecheckPass) -> None:
        with self.runtime.store.transaction() as tx:
            view = load_work_order(tx.db, work_order_id, for_update=True)
            if (view is None or WorkOrderState(view.row["state"]) in FINAL or view.row["tier"] is not None
                    or view.row["replied_at"] is not None):  # replied meanwhile: counted under no tier, left so
                return
            row = recompute(self.runtime, tx, view, lambda deadlines: HistoryEntry(
                at=now, kind="field", actor="hub", system="HUB", action="TIER", field="tier", old_value=None,
                new_value=facts.tier, note=f"tier {facts.tier} from BOSS, asked again after it had given none: "
                                           f"priority {deadlines.priority}"), changes={
                "tier": facts.tier,
                "account_manager_id": facts.account_manager_id if facts.has_account_manager else None})
            if facts.has_account_manager and self.outbound is not None:
                follow_up = FollowUp("crm-notify", row, {"account_manager": facts.account_manager_id})
                document = follow_up_document(follow_up, now, operator="hub", link_base=self.runtime.link_base)
                self.outbound.send(document, cause=cause, step="crm-notify", consumer=CONSUMER)
                done.notified += 1
        done.tiered.append(work_order_id)

    # -- the thread ----------------------------------------------------------------------------------------------

    def start(self) -> TierRecheck:
        self._thread = threading.Thread(target=self._run, name="tier-recheck", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        failures = OutageLog(log, "tier recheck pass")  # an outage (the database down): a few lines, not one a pass
        while not self._stop.wait(self.interval):
            try:
                self.run_pass()
            except Exception as exc:  # asked again at the next interval: nothing was half applied
                failures.failed(exc)
            else:
                failures.succeeded()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
