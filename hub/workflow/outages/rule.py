"""The outage auto-answer rule: an intake rule (``name = "outage"``), the handler of NSP's notices, and an engine
observer that keeps auto-answered work orders off the SLA clock.

At intake a complaint an ACTIVE notice explains (``matching``) is answered at once: AUTO_ANSWER with the notice's
CustomerWording as the note, linked to the notice (``outage_id``), not dispatched, counted on the notice. Which
notices are active is read in the complaint's own transaction (``ActiveNotices``: ids and revisions through the
status index, the parsed notices kept per process; skipped for categories no outage explains): every hub process
sees a notice the moment it commits, which a per-process cache with a time to live would not.

The intake and a notice's arrival never miss each other (``dialect.share_outage_notices`` /
``lock_outage_notices``, PostgreSQL): an intake holds the outage notices lock shared from its read of the active
notices to its commit, a notice's arrival takes it exclusive before it records the notice. A notice therefore links
(or, cleared, replies to) every complaint whose transaction read the notices before it, and every complaint read
after it sees it. Without the lock a batch transaction that read the notices before a notice committed and
committed after the notice's linking pass (or clearance) was neither answered nor linked (or stayed AUTO_ANSWERED).
"""

from __future__ import annotations

import logging
from datetime import datetime

from hub.bulletin.notice import OutageNotice
from hub.workflow.commands import ActionRequest, Complaint
from hub.workflow.engine import Changed, Created, FollowUp, WorkOrderEngine
from hub.workflow.intake import IntakeOutcome
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.outages.arrival import NoticeOutcome, clear_linked, link_entry, link_open
from hub.workflow.outages.matching import ComplaintFacts, best_notice
from hub.workflow.outages.notice_counts import hold_counts
from hub.workflow.outages.notices import ACTIVE, CLEARED, WITHDRAWN, ActiveNotices, record_notice
from hub.workflow.outages.revision import unlink_unexplained
from hub.workflow.outages.services import OutageServices
from hub.workflow.outages.withdrawal import withdraw
from hub.workflow.store import WorkOrderTransaction
from hub.workflow.store.dialect import lock_outage_notices, share_outage_notices

__all__ = ["OFF_THE_CLOCK", "OutageRule"]

log = logging.getLogger("onepoint.workflow.outages")

# Answered from a notice and not replied since: no first-response, reply or escalation deadline may fire (a return
# visit made straight from AUTO_ANSWERED leaves the reply limit unmet too: nothing is due any more).
OFF_THE_CLOCK = frozenset({WorkOrderState.AUTO_ANSWERED, WorkOrderState.RETURN_VISITED})


class OutageRule:
    """Outage auto-answer; ``services`` is the checked category-to-service data."""

    name = "outage"

    def __init__(self, engine: WorkOrderEngine, services: OutageServices) -> None:
        self.engine, self.services = engine, services
        self.active = ActiveNotices()

    # -- intake (IntakeRule) -------------------------------------------------------------------------------------

    def at_intake(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                  now: datetime) -> IntakeOutcome | None:
        if not self.services.services_of(complaint.category_code):
            return None  # no outage explains this category (billing, service quality, …): nothing to read
        facts = ComplaintFacts(complaint.category_code, complaint.area_code, complaint.district,
                               complaint.occurred_at, now)
        share_outage_notices(tx.db)  # a notice arriving now waits for this commit; one arriving before is read
        notice = best_notice(self.active.read(tx.db), self.services, facts)
        if notice is None:
            return None
        work_order_id = created.row["id"]
        request = ActionRequest(work_order_id, LifecycleAction.AUTO_ANSWER, "hub", "HUB",
                                {"Note": notice.customer_wording}, message_id=complaint.message_id)
        changed = self.engine.act(tx, request, now, view=created.view)
        link = {"outage_id": notice.notice_id, "reply_due": None, "updated_at": now}
        tx.update(work_order_id, link, history=[link_entry(notice, now, note="answered at intake")])
        hold_counts(tx, notice.notice_id, linked=1, auto_answered=1)
        log.info("complaint answered from an outage notice",
                 extra={"work_order_id": work_order_id, "notice_id": notice.notice_id})
        return IntakeOutcome(handled=True, row={**changed.row, **link}, follow_ups=list(changed.follow_ups),
                             answer={"OutageNoticeId": notice.notice_id, "AutoAnswer": notice.customer_wording})

    # -- NSP's notices -------------------------------------------------------------------------------------------

    def notice_received(self, tx: WorkOrderTransaction, notice: OutageNotice, now: datetime, *,
                        message_id: str | None = None) -> NoticeOutcome:
        """Keep the revision; an active one unlinks the work orders it no longer explains (``revision``) and links
        the open complaints it explains, a clearance replies to the linked ones (or moves them to another active
        notice explaining them), a withdrawal moves them likewise or else unlinks them (``withdrawal``). An older or
        repeated revision, a second clearance, or anything after a withdrawal changes nothing. The intakes in flight
        commit first (``lock_outage_notices``): their complaints are linked or replied to here."""
        lock_outage_notices(tx.db)
        arrival = record_notice(tx.db, notice, now)
        outcome = NoticeOutcome(arrival)
        stored = arrival.stored
        if not arrival.applied:
            if stored.status == WITHDRAWN and notice.status != WITHDRAWN:
                log.info("a version of a withdrawn outage notice ignored",
                         extra={"notice_id": notice.notice_id, "status": notice.status, "revision": notice.revision})
            return outcome
        if stored.status == ACTIVE:
            if arrival.previous_status == ACTIVE:  # a newer revision: what it no longer explains is let go first
                unlink_unexplained(tx, self.engine, self.services, stored, now, outcome)
            link_open(tx, self.services, stored, now, outcome)
        elif stored.status == WITHDRAWN:
            withdraw(tx, self.engine, self.services, stored, arrival.previous_status, now, outcome,
                     reason=notice.withdrawal_reason)
        elif stored.status == CLEARED and arrival.previous_status == ACTIVE:
            clear_linked(tx, self.engine, self.services, stored, now, outcome, message_id=message_id)
        return outcome

    # -- off the SLA clock (WorkOrderObserver) -------------------------------------------------------------------

    def created(self, tx: WorkOrderTransaction, created: Created, complaint: Complaint,
                now: datetime) -> list[FollowUp]:
        return []

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        """An answered-from-notice work order has no deadline left: the engine recomputed the open reply limit's
        warning and alarm (its reply is the clearance's); they are taken back in the same transaction. Its reply
        keeps no reply limit either (the return visit's limit counts from it as for any reply)."""
        row = changed.row
        if WorkOrderState(row["state"]) in OFF_THE_CLOCK and row.get("replied_at") is None:
            tx.replace_deadlines(row["id"], [])
        elif (changed.previous_state is WorkOrderState.AUTO_ANSWERED and row.get("outage_id") is not None
              and row.get("reply_due") is not None):
            # its reply (the clearance's recovery notice) had no limit: the one the engine recomputed is dropped;
            # one a revision unlinked was back on its reply limit (``reply_clock``), which its owner's reply keeps
            tx.update(row["id"], {"reply_due": None})
            row["reply_due"] = None
        return []
