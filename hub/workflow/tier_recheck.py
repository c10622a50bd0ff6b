"""A complaint taken while BOSS gave no tier is asked of BOSS again once it answers (issue 11, point 5: every flow
completes once the system is back).

CreateWorkOrder does not hold a customer on the line for a back-office outage: the work order is created with
ordinary limits and no tier (``tiers``). This thread looks, every ``interval`` seconds, for open work orders with no
tier created in the last ``window`` (``store.untiered``, one indexed read) and asks BOSS for each, through the tier
cache new work orders fill, each question waiting the ``boss.*`` route's ``reply_timeout`` (10 s), not the intake's
``tier_timeout_seconds`` (3 s): nobody is on the line, and a BOSS slower than 3 s that still answers must give the
work order its tier (``TierLookup.ask``). It asks nothing while new work orders' lookups are paused (BOSS gave
them nothing a moment ago), and after BOSS gave it nothing it waits ``retry`` or until BOSS answered a new work
order: one question per wait, not one per work order. Its own failures never pause new work orders' lookups.
When BOSS answers, the work order gets its tier (and its group customer, migration 0020), the priority and the limits
still running of that tier (the SLA table, on its owners' calendars, paused time credited:
``recalculation.recompute``), a ``TIER`` history entry, a ``TroubleTicketAttributeValueChangeEvent`` naming the
tier, priority and expected resolution date that changed (docs/event-listeners.md), and —
for VIP and group customers — the account manager's CRM notice it would have had at creation. The change is made
under the work order's lock and only if it still has no tier, so several hub processes doing the same apply it
once; the notice's message id is derived from the work order, so CRM drops a second copy.

BOSS is asked outside any transaction (SQLite's write lock is not held for a network call). A work order whose
number BOSS's side answered with an error (other than an unknown number) is not asked again for ``backoff`` (in this
process), and the others are asked meanwhile; one BOSS refused (``boss-refused``: a Client fault for that customer,
``Client.AccountFrozen``) is not asked again for ``window``, i.e. never while the recheck still looks at it (kept in
this process's memory with the back-offs; a restarted process asks it once more).
The creation statistics keep the tier known when the complaint was counted; later counters use the new tier.

A work order still open but already replied when BOSS answers (``replied_at`` set: REPLIED, RETURN_VISITED; the
hotline's first-contact reply while BOSS was down) keeps its counted columns as they are: no tier, its priority and
its limits. Its reply was counted under the tier it had (the statistics' SLA per tier), and ``onepoint stats
rebuild``, which reads the stored tier, must count it there again (docs/statistics.md, "Limits"). What BOSS said is
recorded beside them (``_record_after_reply``), with the customer's group (``group_id``, …: a mark, not a counted
column, kept as at creation): a ``TIER`` history entry of the field ``boss_tier`` (the customer's
identity; it also marks the work order as asked, so it is asked once), and, for VIP and group customers, the account
manager in ``account_manager_id`` (its own history entry). That manager gets the creation notice, and, while the
return visit is still to make (REPLIED), the return-visit notice: the manager's personal visit, due by the
return-visit limit the reply set (24 h of wall-clock time from the reply, the same for every tier, so the late tier
moves nothing; a limit already passed is said so). A work order already return-visited owes no second visit: its
manager gets the creation notice only. Both notices' message ids are derived from ``tier-recheck-<work order id>``
and their steps, so CRM drops a copy; the history entry, written under the work order's lock, keeps a second pass or
process from sending them again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, select

from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.outbound import Outbound, OutboundError
from hub.workflow.changes import FollowUp
from hub.workflow.deadline_wording import local_instant
from hub.workflow.effects import return_visit_notices
from hub.workflow.follow_ups import CREATION_NOTICE, RETURN_VISIT_NOTICE, follow_up_document
from hub.workflow.lifecycle import FINAL, WorkOrderState
from hub.workflow.passes import PassThread
from hub.workflow.recalculation import OPEN_STATES, recompute
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.statistics import count_group_named_late, zone_of
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, WorkOrderView
from hub.workflow.store.dialect import READ_ONLY
from hub.workflow.store.queries import load_work_order
from hub.workflow.store.schema import work_order_history, work_orders
from hub.workflow.store.untiered import untiered_work_orders
from hub.workflow.tiers import NoTier, TierFacts

__all__ = ["BOSS_TIER_FIELD", "RecheckPass", "TierRecheck", "replied_untiered_work_orders"]

log = logging.getLogger("onepoint.workflow.tiers")
CONSUMER = "workflow-tier-recheck"
BOSS_TIER_FIELD = "boss_tier"  # what BOSS said of a work order replied before its tier came (the tier column stays)

_wo, _history = work_orders.c, work_order_history.c


def replied_untiered_work_orders(engine: Engine, states: tuple[str, ...], *, since: datetime,
                                 limit: int) -> list[tuple[str, str]]:
    """``(id, msisdn)`` of up to ``limit`` work orders in ``states`` with no tier, replied already, created at or
    after ``since`` and not yet given what BOSS said (no ``boss_tier`` history entry), oldest first. The NULL tiers
    are read through ``ix_work_orders_tier_created``, the history through its (work order, seq) key."""
    told = exists().where(_history.work_order_id == _wo.id, _history.field == BOSS_TIER_FIELD)
    query = (select(_wo.id, _wo.msisdn)
             .where(_wo.tier.is_(None), _wo.state.in_(list(states)), _wo.created_at >= since,
                    _wo.replied_at.is_not(None), ~told)
             .order_by(_wo.created_at, _wo.id).limit(limit))
    with engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
        return [(str(r[0]), str(r[1])) for r in connection.execute(query)]


@dataclass
class RecheckPass:
    asked: int = 0
    tiered: list[str] = field(default_factory=list)  # work orders that got their tier
    recorded: list[str] = field(default_factory=list)  # replied before: what BOSS said recorded, the tier kept
    notified: int = 0  # CRM notices sent (creation and return-visit notices)
    unanswered: bool = False  # BOSS gave no tier: the pass stopped


class TierRecheck(PassThread):
    thread_name, what, first_pass_at_start = "tier-recheck", "tier recheck pass", False  # asked one interval on
    log = log  # the outage log's logger: this module's

    def __init__(self, runtime: WorkflowRuntime, outbound: Outbound | None, *, interval: float = 10.0,
                 batch: int = 50, window: timedelta = timedelta(hours=24),
                 backoff: timedelta = timedelta(minutes=10), retry: timedelta = timedelta(seconds=30)) -> None:
        super().__init__(interval)
        self.runtime, self.outbound = runtime, outbound
        self.batch, self.window = batch, window
        self.backoff, self.retry = backoff, retry
        self._not_before: dict[str, datetime] = {}  # work order -> when to ask again after BOSS refused it
        self._unanswered: tuple[datetime, float] | None = None  # the last pass BOSS gave nothing: when, answered_at

    def run_pass(self) -> RecheckPass:
        done = RecheckPass()
        tiers, now = self.runtime.tiers, self.runtime.clock.now()
        if self.outbound is None or tiers.paused or self._waiting(now):
            return done
        limit, since = self.batch + len(self._not_before), now - self.window
        found = untiered_work_orders(self.runtime.store.engine, OPEN_STATES, since=since, limit=limit)
        found += replied_untiered_work_orders(self.runtime.store.engine, OPEN_STATES, since=since, limit=limit)
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
                except NoTier as refused:  # BOSS's side answered this number with an error: the others are asked
                    # BOSS refusing the customer says the same until the window is over: not asked again
                    self._not_before[work_order_id] = now + (self.window if refused.refused_by_boss else self.backoff)
                    if refused.refused_by_boss:
                        log.info("BOSS refused this customer's tier: not asked again", extra={
                            "work_order_id": work_order_id, "error": str(refused)})
                    continue
                except (OutboundError, TimeoutError) as exc:
                    self._unanswered = (now, tiers.answered_at)
                    done.unanswered = True
                    log.info("BOSS gave no tier to the recheck: asked again later",
                             extra={"error": str(exc), "retry_seconds": self.retry.total_seconds()})
                    break
            self._unanswered = None
            self._apply(work_order_id, facts, cause, now, done)
        if done.tiered or done.recorded:
            log.info("tiers given late by BOSS", extra={"work_orders": len(done.tiered),
                                                        "replied_before": len(done.recorded),
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
            if view is None or WorkOrderState(view.row["state"]) in FINAL or view.row["tier"] is not None:
                return
            if view.row["replied_at"] is not None:  # counted under no tier: the tier stays, BOSS's word beside it
                if self._record_after_reply(tx, view, facts, cause, now, done):
                    done.recorded.append(work_order_id)
                return
            row = recompute(self.runtime, tx, view, lambda deadlines, _columns: [HistoryEntry(
                at=now, kind="field", actor="hub", system="HUB", action="TIER", field="tier", old_value=None,
                new_value=facts.tier, note=f"tier {facts.tier} from BOSS, asked again after it had given none: "
                                           f"priority {deadlines.priority}")], changes={
                "tier": facts.tier, **facts.group_columns,  # the group kept whatever tier won (migration 0020)
                "account_manager_id": facts.account_manager_id if facts.has_account_manager else None},
                reason=f"tier {facts.tier} from BOSS, asked again after it had given none")
            self._count_group(tx, view.row, row)
            if facts.has_account_manager:
                self._notify([FollowUp(CREATION_NOTICE, row, {"account_manager": facts.account_manager_id})],
                             cause, now, done)
        done.tiered.append(work_order_id)

    def _count_group(self, tx: WorkOrderTransaction, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        """A group BOSS named now: the complaint's creation counted in the group grain (docs/statistics.md)."""
        if before.get("group_id") is None and after.get("group_id"):
            count_group_named_late(tx, after, zone_of(self.runtime.engine.observers))

    def _record_after_reply(self, tx: WorkOrderTransaction, view: WorkOrderView, facts: TierFacts, cause: Envelope,
                            now: datetime, done: RecheckPass) -> bool:
        """The locked work order ``view`` was replied before BOSS gave its tier (see the module): its tier, priority
        and limits stay; BOSS's tier and account manager are recorded, and the manager told. False when a pass
        (of this process or another) recorded it already."""
        row = view.row
        if any(entry["field"] == BOSS_TIER_FIELD for entry in view.history):
            return False
        manager = facts.account_manager_id if facts.has_account_manager else None
        visit = (row["state"] == WorkOrderState.REPLIED.value and row["return_visited_at"] is None
                 and bool(return_visit_notices({**row, "tier": facts.tier})))  # a VIP or group complaint's visit
        due = row["return_visit_due"]
        kept = f"the work order keeps no tier and priority {row['priority']}: its reply was counted so"
        if manager is None:
            told = "no account manager to tell"
        elif visit:
            told = f"account manager {manager} told; the return visit is theirs" + (
                f", due by {local_instant(self.runtime.engine, due)}" if isinstance(due, datetime) else "")
        else:
            told = f"account manager {manager} told (the return visit is made already)"
        entries = [HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action="TIER", field=BOSS_TIER_FIELD,
                                old_value=None, new_value=facts.tier,
                                note=f"tier {facts.tier} from BOSS, asked again after it had given none, after the "
                                     f"reply: {kept}; {told}"[:2000])]
        changes: dict[str, object] = {"updated_at": now}
        if facts.group is not None and row.get("group_id") is None:  # a mark, not a counted column: kept (0020)
            changes.update(facts.group_columns)
        if manager is not None and manager != row["account_manager_id"]:
            changes["account_manager_id"] = manager
            entries.append(HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action="TIER",
                                        field="account_manager_id", old_value=row["account_manager_id"],
                                        new_value=manager, note=f"named by BOSS with the tier {facts.tier}"))
        tx.update(row["id"], changes, history=entries, expected_version=int(row["version"]))
        self._count_group(tx, row, {**row, **changes})
        if manager is not None:
            told_row = {**row, **changes, "tier": facts.tier}  # the documents name BOSS's tier; the row keeps none
            owed = [FollowUp(CREATION_NOTICE, told_row, {"account_manager": manager})]
            if visit:
                owed.append(FollowUp(RETURN_VISIT_NOTICE, told_row, {"account_manager": manager}))
            self._notify(owed, cause, now, done)
        return True

    def _notify(self, owed: list[FollowUp], cause: Envelope, now: datetime, done: RecheckPass) -> None:
        """Send ``owed`` CRM notices, each with a message id derived from ``cause`` and its kind (the step)."""
        if self.outbound is None:
            return
        for follow_up in owed:
            document = follow_up_document(follow_up, now, operator="hub", link_base=self.runtime.link_base,
                                          taxonomy=self.runtime.engine.taxonomy,
                                          zone=self.runtime.engine.settings.local_zone)
            self.outbound.send(document, cause=cause, step=follow_up.kind, consumer=CONSUMER)
            done.notified += 1

