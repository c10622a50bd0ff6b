"""Repeat complaints held for the open one they repeat: what the intake holds back (``intake_dispatch``) is linked,
kept off the clock, and answered or released with the open work order.

* **Held** (``hold``): the new work order's ``repeat_of`` names the open one (migration 0028, indexed: its held
  repeats are found without a scan) and it is SUSPENDED at once (ACCEPTED → SUSPENDED, no Until) with the reason
  "repeat of WO…, held until it is answered": its first-response and reply limits pause, so it never breaches nor
  escalates at the intake desk (no OA to-do, no account manager told) while the department works on the fault.
* **Answered** (``HeldRepeats``, an observer, as ``incidents.resolution`` answers an incident's children): when the
  open one is REPLIED or AUTO_ANSWERED, each held repeat still SUSPENDED is resumed and replied with its reply
  copied (note "answered with WO…'s reply: …"), each through ``engine.act`` (history, events, deadlines, the other
  observers). One return visit covers both (the customer is the same; calling twice about one fault helps no
  one): the open one's RETURN_VISIT is copied onto its answered repeats (REPLIED → RETURN_VISITED, its
  satisfaction and note), and its CLOSE closes them. A repeat has no return-visit deadline rows of its own (its
  ``return_visit_due`` stays, for the statistics), and the account manager, told of the open one's return visit,
  is not told again (an incident's children, by contrast, go to their own return visits: other customers).
* **Released**: when the open one is CANCELLED (also after its dispatch was rejected back to the desk), its held
  repeats are resumed to the intake desk (ACCEPTED, their clock running again) with a note naming the cancelled
  one; the desk dispatches them with the fields kept at intake, or answers them. Their ``repeat_of`` is cleared
  (the history keeps the link).

A held repeat is SUSPENDED, so the repeat check (``store.queries.complained_of_before``) ranks it after the open
one: a later call repeats the original. Statistics: a complaint and a repeat, never a breach (no deadline passes
while it is held); its reply out of the SLA measures and its copied visit not counted again (the open one's are).

The repeat's actions made for the open one carry ``ActionRequest.following``: the copied visit is final whatever
the repeat's own unreached calls (``visit_attempts``) and tells nobody again (``dissatisfied_visits``). A RESUME
without it (the agent took the repeat back) clears ``repeat_of``: hers from then on. The open one's CLOSE also
visits (NOT_REACHED, "closed with WO…") and closes a repeat still REPLIED.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from hub.workflow.changes import ActionObserver, WorkOrderRefused
from hub.workflow.commands import ActionRequest
from hub.workflow.effects import RETURN_VISIT_NOTICE
from hub.workflow.engine import Changed, FollowUp, WorkOrderEngine
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.store import HistoryEntry, WorkOrderTransaction, within_history_text
from hub.workflow.store.schema import work_orders

__all__ = ["HeldRepeats", "held_reason", "hold", "repeat_count"]

log = logging.getLogger("onepoint.workflow.held_repeats")

A, S = LifecycleAction, WorkOrderState
_wo = work_orders.c
_HELD = (select(_wo.id).where(_wo.repeat_of == bindparam("open_one"), _wo.state == bindparam("state"))
         .order_by(_wo.created_at, _wo.id))
# the open one's action → the state its repeats are in for it, the action they then take (None: answered or released)
_FOLLOWING = {A.REPLY: (S.SUSPENDED, None), A.AUTO_ANSWER: (S.SUSPENDED, None), A.CANCEL: (S.SUSPENDED, None),
              A.RETURN_VISIT: (S.REPLIED, A.RETURN_VISIT), A.CLOSE: (S.RETURN_VISITED, A.CLOSE)}
_LINKED = select(func.count()).select_from(work_orders).where(_wo.repeat_of == bindparam("open_one"))
_LEFT_REPLIED = "NOT_REACHED"  # the Satisfaction of a repeat still REPLIED at the open one's Close: not called


def held_reason(open_one: str) -> str:
    """The SUSPEND reason of a repeat held for ``open_one``."""
    return f"repeat of {open_one}, held until it is answered"


def hold(engine: WorkOrderEngine, tx: WorkOrderTransaction, work_order_id: str, open_one: str, *,
         message_id: str | None, now: datetime) -> list[FollowUp]:
    """Link the new work order to ``open_one`` and suspend it (see the module)."""
    tx.update(work_order_id, {"repeat_of": open_one, "updated_at": now})  # its REPEAT_OF entry says so
    suspended = engine.act(tx, ActionRequest(work_order_id, A.SUSPEND, "hub", "HUB", {"Reason": held_reason(open_one)},
                                             message_id=message_id), now)
    return list(suspended.follow_ups)


def repeat_count(connection: Connection, open_one: str) -> int:
    """How many repeats are linked to ``open_one`` (held for it, or answered with it: QueryWorkOrder's
    RepeatCount), read on the query's own connection."""
    return int(connection.execute(_LINKED, {"open_one": open_one}).scalar_one())


def held_for(tx: WorkOrderTransaction, open_one: str, state: WorkOrderState = S.SUSPENDED) -> list[str]:
    """The repeats held for ``open_one`` now in ``state`` (SUSPENDED: still held), oldest first
    (``ix_work_orders_repeat_of``)."""
    return [str(row[0]) for row in tx.db.execute(_HELD, {"open_one": open_one, "state": state.value})]


def _still(tx: WorkOrderTransaction, repeat_id: str, open_one: str, state: WorkOrderState) -> bool:
    """Whether the repeat, read again under its row lock, is still linked to ``open_one`` in ``state``: its agent
    may have taken it back (resumed it) while the open one's transaction read the list (PostgreSQL, read committed:
    the lock waits for her commit and reads what it left)."""
    row = tx.get(repeat_id)
    return row is not None and row.get("repeat_of") == open_one and row.get("state") == state.value


class HeldRepeats(ActionObserver):
    """Answers or releases the held repeats of a work order replied, auto-answered or cancelled."""

    def __init__(self, engine: WorkOrderEngine) -> None:
        self.engine = engine

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        if request.action is A.RESUME and changed.row.get("repeat_of") and request.following is None:
            return self._taken_back(tx, changed, request, now)
        following = _FOLLOWING.get(request.action)
        if following is None or changed.row.get("ticket_type") == "INCIDENT":
            return []
        open_one = str(changed.row["id"])
        state, same = following
        held = [repeat_id for repeat_id in held_for(tx, open_one, state) if _still(tx, repeat_id, open_one, state)]
        follow_ups: list[FollowUp] = []
        if request.action is A.CLOSE:  # one whose copied visit was refused: visited (not called) and closed too
            for repeat_id in held_for(tx, open_one, S.REPLIED):
                visit = ActionRequest(repeat_id, A.RETURN_VISIT, request.operator, request.system,
                                      {"Satisfaction": _LEFT_REPLIED, "Note": f"closed with {open_one}"})
                if (visited := self._followed(tx, visit, open_one, request, now)) is not None:
                    follow_ups += visited
                    held.append(repeat_id)
        for repeat_id in held:
            if same is not None:  # the open one's return visit covers its repeats: the same customer, one call
                note = within_history_text(f"as {open_one}: {request.words or same.value.lower()}")
                follow_ups += self._followed(tx, ActionRequest(
                    repeat_id, same, request.operator, request.system, {**request.details, "Note": note}),
                    open_one, request, now) or []
            elif request.action is A.CANCEL:
                follow_ups += self._released(tx, open_one, repeat_id, request, now)
            else:
                follow_ups += self._answered(tx, open_one, repeat_id, request, now)
        if held:
            log.info("held repeats", extra={"work_order_id": open_one, "action": request.action.value,
                                            "repeats": len(held)})
        return follow_ups

    def _followed(self, tx: WorkOrderTransaction, action: ActionRequest, open_one: str, request: ActionRequest,
                  now: datetime) -> list[FollowUp] | None:
        """``action`` on a repeat as the open one's (``following``: a final visit, nobody told again), or None when
        it is refused (left for its agent: the open one's action stands)."""
        try:
            changed = self.engine.act(tx, ActionRequest(
                action.work_order_id, action.action, action.operator, action.system, action.details,
                message_id=request.message_id, following=open_one), now)
        except WorkOrderRefused as exc:
            log.warning("held repeat not followed", extra={"work_order_id": action.work_order_id, "code": exc.code})
            return None
        return list(changed.follow_ups)

    def _taken_back(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                    now: datetime) -> list[FollowUp]:
        """A held repeat resumed by its agent (not by ``HeldRepeats``): hers from now on, no longer linked."""
        repeat_id, open_one = str(changed.row["id"]), str(changed.row["repeat_of"])
        tx.update(repeat_id, {"repeat_of": None, "updated_at": now}, history=[HistoryEntry(
            at=now, kind="field", actor="hub", system="HUB", field="repeat_of", old_value=open_one, new_value=None,
            note=f"no longer held: resumed by {request.operator}, no longer answered with {open_one}",
            message_id=request.message_id)])
        changed.row["repeat_of"] = None
        return []

    def _answered(self, tx: WorkOrderTransaction, open_one: str, repeat_id: str, request: ActionRequest,
                  now: datetime) -> list[FollowUp]:
        note = within_history_text(f"answered with {open_one}'s reply: {request.words or 'answered'}")
        resumed = self.engine.act(tx, ActionRequest(repeat_id, A.RESUME, request.operator, request.system,
                                                    {"Note": note[:200]}, message_id=request.message_id,
                                                    following=open_one), now)
        details = {**request.details, "Note": note} if request.action is A.REPLY else {"Note": note}
        replied = self.engine.act(tx, ActionRequest(repeat_id, A.REPLY, request.operator, request.system, details,
                                                    message_id=request.message_id, following=open_one), now)
        # the open one's return visit covers it: no limit of its own fires (no breach, to-do or manager told twice)
        tx.replace_deadlines(repeat_id, [])
        return [*resumed.follow_ups, *(f for f in replied.follow_ups if f.kind != RETURN_VISIT_NOTICE)]

    def _released(self, tx: WorkOrderTransaction, open_one: str, repeat_id: str, request: ActionRequest,
                  now: datetime) -> list[FollowUp]:
        reason = (request.words or "no reason given")[:100]
        note = (f"released to the intake desk: {open_one} it repeated was cancelled ({reason}); dispatch or answer "
                "this one")[:200]
        tx.update(repeat_id, {"repeat_of": None, "updated_at": now}, history=[HistoryEntry(
            at=now, kind="field", actor="hub", system="HUB", field="repeat_of", old_value=open_one, new_value=None,
            note=f"no longer held: {open_one} cancelled", message_id=request.message_id)])
        resumed = self.engine.act(tx, ActionRequest(repeat_id, A.RESUME, request.operator, request.system,
                                                    {"Note": note}, message_id=request.message_id), now)
        return list(resumed.follow_ups)
