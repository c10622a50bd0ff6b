"""Resolving an incident resolves its children: a ``WorkOrderObserver`` told of every action, so whatever replies
to the incident (an agent's WorkOrderAction Reply, NSP's resolved answer) answers each open child with the
incident's resolution copied into its note and sends it to return visit (REPLIED, its return-visit deadline set),
each through ``engine.act`` (history, events, deadlines, the other observers). The incident's key is let go and its
window starts from zero, so a later burst opens a new incident. The key goes first: on PostgreSQL its delete waits
for a transaction linking a complaint to the incident (it read the key's row ``FOR SHARE``), so the children read
next include that complaint. Registered whatever ``mass_incidents`` says: an incident opened before the hub was
switched off still answers its children.

Children by state: ACCEPTED, DISPATCHED, IN_PROGRESS, ESCALATED are replied; PENDING is first given the incident's
resolution as the information it waited for (SUPPLY_INFO), SUSPENDED is resumed, then both are replied; a child in
DISPATCH_REJECTED (no reply from there) gets the resolution in its history for its agent; children answered or
closed already are left as they are. Each child's state is read again just before it is answered: answering one may
answer another (a held repeat is answered with its original, ``held_repeats``), which is then left as it is. A child
whose step the engine refuses (``WorkOrderRefused``, an observer's refusal too) is left as it was (its steps in a
savepoint, rolled back) with a history note for its agent naming the refusal; the others are answered and the
incident stays replied (as ``held_repeats`` follows an open one). An incident linked to an outage notice when it is
replied (the notice's clearance replies it with the recovery note) leaves the children a revision of a notice
unlinked (``handed_back``): the revision told their owners the notice no longer covers them and that they handle
them as any complaint. A cancelled incident lets its key go; its children stay open for their agents.

``reply_brought_back`` is that one step for any work order: NSP's resolved answer on an incident that is PENDING or
SUSPENDED brings the incident back the same way before replying it (``system_callbacks``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from hub.workflow.changes import ActionObserver, WorkOrderRefused
from hub.workflow.commands import ActionRequest
from hub.workflow.engine import Changed, FollowUp, WorkOrderEngine
from hub.workflow.incidents.children import child_state, children_of, handed_back
from hub.workflow.incidents.window import ComplaintWindow
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.refused_actions import nothing_written_if_refused
from hub.workflow.store import WorkOrderTransaction, within_history_text

__all__ = ["BROUGHT_BACK", "CANCELLED_FIELD", "REPLYABLE", "WAITING_ON_INCIDENT", "IncidentResolution",
           "reply_brought_back"]

log = logging.getLogger("onepoint.workflow.incidents")

A, S = LifecycleAction, WorkOrderState
CANCELLED_FIELD = "incident_cancelled"  # a child's history field when its incident is cancelled: the incident's id
# a child the incident took over and nothing has moved on since: the incident's fault report was its only dispatch
WAITING_ON_INCIDENT = frozenset({S.NEW, S.ACCEPTED})
REPLYABLE = frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.ESCALATED})
BROUGHT_BACK = {S.PENDING: A.SUPPLY_INFO, S.SUSPENDED: A.RESUME}  # one step to a state a reply leaves from


def reply_brought_back(tx: WorkOrderTransaction, engine: WorkOrderEngine, reply: ActionRequest,
                       state: WorkOrderState, now: datetime) -> tuple[WorkOrderState, list[FollowUp]]:
    """Carry out ``reply`` (a REPLY) on a work order in ``state``: a PENDING one is first given the answer as the
    information it waited for (SUPPLY_INFO), a SUSPENDED one resumed (RESUME, which carries out an answer that came
    while it was suspended), each with the reply's note; the REPLY then when the state allows it. Returns the state
    the work order is left in and the follow-ups."""
    follow_ups: list[FollowUp] = []
    step = BROUGHT_BACK.get(state)
    if step is not None:
        note = (reply.words or "resolved")[:200]
        back = engine.act(tx, ActionRequest(reply.work_order_id, step, reply.operator, reply.system, {"Note": note},
                                            message_id=reply.message_id), now)
        follow_ups += back.follow_ups
        state = S(back.row["state"])
    if state in REPLYABLE:
        replied = engine.act(tx, reply, now)
        follow_ups += replied.follow_ups
        state = S(replied.row["state"])
    return state, follow_ups


class IncidentResolution(ActionObserver):
    """The incidents' ``WorkOrderObserver``."""

    def __init__(self, engine: WorkOrderEngine, window: ComplaintWindow) -> None:
        self.engine, self.window = engine, window

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        row = changed.row
        if row.get("ticket_type") != "INCIDENT" or request.action not in (A.REPLY, A.CANCEL):
            return []
        key = self.window.release(tx.db, str(row["id"]))
        if request.action is A.CANCEL:
            told = self._cancelled(tx, str(row["id"]), request, now)
            log.info("incident cancelled", extra={"work_order_id": row["id"], "window_key": key, "children_told": told})
            return []
        follow_ups: list[FollowUp] = []
        left = handed_back(tx.db, str(row["id"]))  # told they are their owners' now, linked incident or not
        children = [child_id for child_id, _ in children_of(tx.db, str(row["id"])) if child_id not in left]
        for child_id in children:
            state = child_state(tx.db, child_id)  # now: answering an earlier child may have answered this one
            if state is not None:
                follow_ups += self._resolved_or_noted(tx, str(row["id"]), child_id, S(state), request, now)
        log.info("incident resolved", extra={"work_order_id": row["id"], "window_key": key,
                                             "children": len(children), "handed_back": len(left)})
        return follow_ups

    def _cancelled(self, tx: WorkOrderTransaction, incident_id: str, request: ActionRequest, now: datetime) -> int:
        """Tell each child still waiting on the incident (ACCEPTED: taken over, never dispatched on its own) that it
        is its agents' again: a field entry ``incident_cancelled`` (the incident's id) with a note saying so; the
        state stays. Returns how many were told."""
        waiting = [child_id for child_id, state in children_of(tx.db, incident_id) if S(state) in WAITING_ON_INCIDENT]
        reason = (request.words or "no reason given")[:200]
        for child_id in waiting:
            self.engine.note(tx, child_id, {CANCELLED_FIELD: incident_id}, actor=request.operator,
                             system=request.system, now=now, message_id=request.message_id,
                             note=within_history_text(f"incident {incident_id} cancelled ({reason}): this complaint "
                                                      "was not dispatched on its own; dispatch or answer it"))
        return len(waiting)

    def _resolved_or_noted(self, tx: WorkOrderTransaction, incident_id: str, child_id: str, state: WorkOrderState,
                           request: ActionRequest, now: datetime) -> list[FollowUp]:
        """``_resolve`` in a savepoint: a child whose step is refused is left as it was, with a note for its agent."""
        try:
            with nothing_written_if_refused(tx):
                return self._resolve(tx, incident_id, child_id, state, request, now)
        except WorkOrderRefused as exc:
            log.warning("incident child not answered", extra={"work_order_id": child_id, "incident_id": incident_id,
                                                               "code": exc.code})
            self.engine.note(tx, child_id, {"incident_resolution_refused": exc.code}, actor=request.operator,
                             system=request.system, now=now, message_id=request.message_id,
                             note=within_history_text(f"incident {incident_id} resolved, but this complaint could "
                                                      f"not be answered with it ({exc.code}: {exc}); answer it"))
            return []

    def _resolve(self, tx: WorkOrderTransaction, incident_id: str, child_id: str, state: WorkOrderState,
                 request: ActionRequest, now: datetime) -> list[FollowUp]:
        resolution = request.words or "resolved"  # the child's own REPLY says whether it resolved it
        # the incident's Result may have the whole c:LongText: its child's note keeps the start, within the limit
        note = within_history_text(f"incident {incident_id} resolved: {resolution}")
        reply = ActionRequest(child_id, A.REPLY, request.operator, request.system, {**request.details, "Note": note},
                              message_id=request.message_id)
        state, follow_ups = reply_brought_back(tx, self.engine, reply, state, now)
        if state is S.DISPATCH_REJECTED:
            self.engine.note(tx, child_id, {"incident_resolution": resolution[:2000]}, actor=request.operator,
                             system=request.system, now=now, note=note[:2000], message_id=request.message_id)
        return follow_ups
