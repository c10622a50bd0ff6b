"""What a notice's arrival does to complaints taken before it: an active notice links the open ones it explains and
tells their owners; a clearance sends the linked ones still open the recovery notice and on to the return visit.

Linking reads the open complaints of the notice's area codes (``ix_work_orders_area_created``, then the state and the
notice's Start), once per notice revision; the open incident of any complaint it links is linked too, whatever the
incident's own area (its clearance then answers every child and lets the window key go). Clearing reads the notice's
linked work orders (``ix_work_orders_outage``).
A linked work order another active notice explains is not replied at clearance: it moves to that notice (the one
that explains it best; an incident also to the one its children moved to: ``moving``), which replies it when it
clears. A revision that explains again an AUTO_ANSWERED complaint an earlier one unlinked links it again
(``relinking``). Clearance per state (docs/outages.md): AUTO_ANSWERED,
ACCEPTED, DISPATCHED, IN_PROGRESS, ESCALATED are REPLIED with the recovery wording; PENDING is given the
information (SUPPLY_INFO) and SUSPENDED resumed first, then replied; DISPATCH_REJECTED cannot be replied: the
history notes the recovery and its owner gets an OA to-read. A newer ACTIVE revision first unlinks what it no
longer explains (``revision``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, select

from hub.workflow.clock import operator_instant
from hub.workflow.commands import ActionRequest
from hub.workflow.engine import FollowUp, WorkOrderEngine
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.outages.link_counts import LINK
from hub.workflow.outages.matching import ComplaintFacts, explains
from hub.workflow.outages.moving import OPEN_OR_ANSWERED, moved
from hub.workflow.outages.notice_counts import add_counts
from hub.workflow.outages.notices import NoticeArrival, StoredNotice, active_notices
from hub.workflow.outages.relinking import relink_answered
from hub.workflow.outages.services import OutageServices
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.schema import work_orders

__all__ = ["LINKABLE", "LINKED_OPEN", "NoticeOutcome", "clear_linked", "link_entry", "link_open", "told"]

log = logging.getLogger("onepoint.workflow.outages")

S = WorkOrderState
A = LifecycleAction
# Taken, not yet answered: a late notice links these (an answered or finished one keeps its own story).
LINKABLE = (S.ACCEPTED, S.DISPATCHED, S.DISPATCH_REJECTED, S.IN_PROGRESS, S.PENDING, S.SUSPENDED, S.ESCALATED)
_ANSWERED_DIRECTLY = {S.AUTO_ANSWERED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.ESCALATED}
_wo = work_orders.c
# complaints and mass-complaint incidents alike: an incident the notice explains is its children's fault, and left
# open it would keep its window key and take every later complaint of its key as a child (docs/incidents.md)
_OPEN_IN_AREAS = (
    select(work_orders)
    .where(_wo.area_code.in_(bindparam("areas", expanding=True)), _wo.state.in_([s.value for s in LINKABLE]),
           _wo.outage_id.is_(None), _wo.created_at >= bindparam("since"))
    .order_by(_wo.id)
)
_INCIDENTS_OPEN = (  # the incidents of children a notice explains: linked with them whatever their own facts
    select(work_orders)
    .where(_wo.id.in_(bindparam("ids", expanding=True)), _wo.ticket_type == "INCIDENT",
           _wo.state.in_([s.value for s in LINKABLE]), _wo.outage_id.is_(None))
    .order_by(_wo.id)
)
LINKED_OPEN = (  # the complaints first: an incident replied before its children would reply them itself
    select(work_orders)
    .where(_wo.outage_id == bindparam("nid"), _wo.state.in_([s.value for s in OPEN_OR_ANSWERED]))
    .order_by(_wo.ticket_type, _wo.id)  # COMPLAINT < INCIDENT
)


@dataclass
class NoticeOutcome:
    """What a notice message did: its arrival, the work orders linked, unlinked (a revision no longer explains them),
    moved to another active notice, replied, left for their owners, and the follow-ups to send (OA to-reads) with
    the message's transaction."""

    arrival: NoticeArrival
    linked: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    replied: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    def summary(self) -> str:
        """The processed message's outcome (kept whole: TEXT since migration 0024)."""
        stored = self.arrival.stored
        if not self.arrival.applied:
            if stored.withdrawn:
                return f"{stored.notice_id}: r{stored.revision} WITHDRAWN kept, nothing after a withdrawal applied"
            return f"{stored.notice_id}: r{stored.revision} kept, older revision ignored"
        others = "".join(f", {len(ids)} {what}" for what, ids in (("unlinked", self.unlinked), ("moved", self.moved))
                         if ids)
        return (f"{stored.notice_id} r{stored.revision} {stored.status}: {len(self.linked)} linked, "
                f"{len(self.replied)} replied, {len(self.left)} left{others}")


def link_entry(notice: StoredNotice, now: datetime, *, note: str) -> HistoryEntry:
    """The history's field entry of a work order linked to ``notice``."""
    return HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action=LINK, field="outage_id",
                        new_value=notice.notice_id, note=f"{note}: {notice.kind} notice {notice.title}"[:500])


def told(row: dict[str, Any], notice: StoredNotice, reason: str) -> FollowUp:
    """An OA to-read for the work order's owner about ``notice`` (the outage rule's "a person must act")."""
    return FollowUp("oa-toread", row, {"manager": row["owner"], "step": f"{notice.notice_id}.{notice.revision}",
                                       "reason": reason[:1000]})


def link_open(tx: WorkOrderTransaction, services: OutageServices, notice: StoredNotice, now: datetime,
              outcome: NoticeOutcome) -> None:
    """Link the open complaints taken since the notice's Start that it explains; their owners are told."""
    areas = sorted({area.code for area in notice.areas})
    rows = tx.db.execute(_OPEN_IN_AREAS, {"areas": areas, "since": notice.start_at}).mappings().all()
    complaints = dispatched = 0
    for found in rows:
        row = dict(found)
        if not explains(notice, services, ComplaintFacts.of_row(row)):
            continue
        tx.update(row["id"], {"outage_id": notice.notice_id, "updated_at": now},
                  history=[link_entry(notice, now, note="linked when the notice arrived")])
        row["outage_id"] = notice.notice_id
        outcome.linked.append(row["id"])
        complaints += row["ticket_type"] == "COMPLAINT"  # the notice's counters are of complaints
        dispatched += row["ticket_type"] == "COMPLAINT" and row["dispatch_fields"] is not None
        outcome.follow_ups.append(told(row, notice, f"Outage notice {notice.notice_id} ({notice.title}) explains "
                                                     f"this complaint. Agreed wording: {notice.customer_wording}"))
    again = relink_answered(tx, services, notice, now, link_entry(
        notice, now, note="linked again: a revision explains it again, its customer was answered with the wording"))
    for row in again:
        outcome.linked.append(row["id"])
        outcome.follow_ups.append(told(row, notice, f"Outage notice {notice.notice_id} ({notice.title}) revision "
                                                     f"{notice.revision} explains this complaint again: it is "
                                                     "linked again, its clearance replies it (no reply is due now)."))
    incident_ids = {str(row["incident_id"]) for row in [*map(dict, rows), *again]
                    if row["id"] in outcome.linked and row["incident_id"] is not None}
    _link_incidents(tx, notice, now, outcome, incident_ids)
    add_counts(tx.db, notice.notice_id, linked=complaints + len(again), auto_answered=len(again),
               dispatched=dispatched)
    if outcome.linked:
        log.info("open complaints linked to an outage notice",
                 extra={"notice_id": notice.notice_id, "work_orders": len(outcome.linked), "dispatched": dispatched})


def _link_incidents(tx: WorkOrderTransaction, notice: StoredNotice, now: datetime, outcome: NoticeOutcome,
                    incident_ids: set[str]) -> None:
    """Link the open incidents of the children just linked: the notice explains their mass complaint (the
    incident's own area and district are those of one complaint, the one that crossed the threshold), and its
    clearance must reply the incident, which lets the window key go and answers the children the notice does not
    explain (docs/outages.md)."""
    ids = sorted(incident_ids - set(outcome.linked))
    if not ids:
        return
    for found in tx.db.execute(_INCIDENTS_OPEN, {"ids": ids}).mappings().all():
        row = dict(found)
        tx.update(row["id"], {"outage_id": notice.notice_id, "updated_at": now},
                  history=[link_entry(notice, now, note="linked with its complaints when the notice arrived")])
        row["outage_id"] = notice.notice_id
        outcome.linked.append(row["id"])
        outcome.follow_ups.append(told(row, notice, f"Outage notice {notice.notice_id} ({notice.title}) explains "
                                                     f"complaints of this incident. Agreed wording: "
                                                     f"{notice.customer_wording}"))


def recovery_note(notice: StoredNotice, zone: tzinfo) -> str:
    """The recovery reply's note: the notice's wording, and when it cleared in the operator's ``zone``."""
    cleared = operator_instant(notice.cleared_at, zone) if notice.cleared_at is not None else "now"
    return f"{notice.customer_wording} (outage {notice.notice_id} cleared at {cleared})"


def clear_linked(tx: WorkOrderTransaction, engine: WorkOrderEngine, services: OutageServices,
                 notice: StoredNotice, now: datetime, outcome: NoticeOutcome, *, message_id: str | None) -> None:
    """Reply the recovery notice to every linked work order still open (see the module's list per state), except
    those another active notice explains: they move to it and are replied when it clears."""
    note = recovery_note(notice, engine.settings.local_zone)
    others = [other for other in active_notices(tx.db) if other.notice_id != notice.notice_id]
    rows = tx.db.execute(LINKED_OPEN, {"nid": notice.notice_id}).mappings().all()
    for found in rows:
        row = dict(found)
        state = S(row["state"])
        if others and moved(tx, services, notice, others, row, now) is not None:
            outcome.moved.append(row["id"])
            continue

        def act(action: LifecycleAction, text: str, work_order_id: str = row["id"]) -> S:
            request = ActionRequest(work_order_id, action, "hub", "HUB", {"Note": text[:2000]},
                                    message_id=message_id)
            changed = engine.act(tx, request, now)
            outcome.follow_ups.extend(changed.follow_ups)
            return S(changed.row["state"])

        if state is S.PENDING:
            state = act(A.SUPPLY_INFO, f"outage {notice.notice_id} cleared: the customer's problem is explained")
        elif state is S.SUSPENDED:
            state = act(A.RESUME, f"outage {notice.notice_id} cleared")
        if state in _ANSWERED_DIRECTLY:
            act(A.REPLY, note)
            outcome.replied.append(row["id"])
            continue
        tx.append_history(row["id"], [HistoryEntry(at=now, kind="field", actor="hub", system="HUB",
                                                   action="OUTAGE_CLEARED", field="outage_id",
                                                   new_value=notice.notice_id, note=note[:2000])])
        outcome.left.append(row["id"])
        outcome.follow_ups.append(told(row, notice, f"Outage notice {notice.notice_id} is cleared; work order "
                                                     f"{row['id']} is {state.value}: reply to the customer. {note}"))
    log.info("outage notice cleared", extra={"notice_id": notice.notice_id, "replied": len(outcome.replied),
                                             "left": len(outcome.left)})
