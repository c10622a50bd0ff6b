"""The rebuild's reading of the history: each work order's counted events, with what the counts depend on as it
stood at each — replayed from the history, since the final row holds only what the last change left.

* actions (state entries after the acceptance): the state each left, its position (1: CREATE, 2: ACCEPT, 3: the
  first action), the ``HANDOVER_COLUMNS`` up to it (the incident and outage links, the escalation level: an ESCALATE
  action or breach entry raises it), a reply's ``Resolved`` (its ``reply_resolved`` entry, written just before the
  REPLY's state entry; none: resolved), and the owner right after it (an action that changes the owner writes its
  ``owner`` field entry right after its state entry: the department dispatched to, the intake desk a REJECT_DISPATCH
  gives it back to, the department handed up to);
* field events that change no state: a dispatch the hub refused for missing template fields (``DISPATCH_REFUSED``),
  an escalation on a breach (the ``ESCALATE`` field entry), a Remind (``REMIND``), a return visit's unreached call
  (``RETURN_VISIT_ATTEMPT``), each with the owner then; but a
  missed return visit's escalation (its note ``RETURN_VISIT deadline …``) with the intake desk, which owes the visit
  (``escalation_managers.owing_department``), as the live count has it.

The owner before the first ``owner`` entry is that entry's old value (the intake desk); a work order without one
kept its owner throughout: the row's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from hub.workflow.commands import REPLY_RESOLVED
from hub.workflow.deadlines import DeadlineKind
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.statistics.measures import LINK_COLUMNS
from hub.workflow.store.schema import work_order_history

__all__ = ["A_ESCALATE", "FIELD_EVENTS", "CountedAction", "FieldEvent", "History", "histories"]

_ACTIONS = {a.value: a for a in LifecycleAction}
A_ESCALATE = LifecycleAction.ESCALATE.value  # a department's ESCALATE action, or an escalation on a breach
# field entries counted, the state unchanged (a return visit's unreached call: workflow.visit_attempts' entry)
FIELD_EVENTS = ("DISPATCH_REFUSED", A_ESCALATE, "REMIND", "RETURN_VISIT_ATTEMPT")
OWNER = "owner"
_VISIT_BREACH = f"{DeadlineKind.RETURN_VISIT.value} "  # the note's start of a missed return visit's escalation
_h = work_order_history.c


@dataclass(frozen=True, slots=True)
class CountedAction:
    """An action of the history after the acceptance (see the module)."""

    action: LifecycleAction
    previous: WorkOrderState
    position: int
    handovers: dict[str, Any]
    resolved: bool = True
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class FieldEvent:
    action: str  # one of FIELD_EVENTS
    owner: str | None


@dataclass(slots=True)
class History:
    """One work order's counted events, in history order."""

    actions: list[CountedAction] = field(default_factory=list)
    events: list[FieldEvent] = field(default_factory=list)

    def events_of(self, action: str) -> Counter[str | None]:
        """How many field events of ``action`` there were, per owner then."""
        return Counter(event.owner for event in self.events if event.action == action)


def _entries() -> ColumnElement[bool]:
    """The entries the replay reads: every state entry; of the field entries the incident and outage links, a
    reply's ``Resolved``, the owner changes and the ``FIELD_EVENTS``."""
    return or_(_h.kind == "state", and_(_h.kind == "field", or_(
        _h.field.in_((*LINK_COLUMNS, REPLY_RESOLVED, OWNER)), _h.action.in_(FIELD_EVENTS))))


def histories(connection: Connection, ids: Sequence[str], owners: Mapping[str, str | None]) -> dict[str, History]:
    """The counted events of these work orders (``owners``: each one's owner now, the row's)."""
    statement = (select(_h.work_order_id, _h.kind, _h.action, _h.from_state, _h.field, _h.old_value, _h.new_value,
                        _h.note)
                 .where(_h.work_order_id.in_(list(ids)), _entries())
                 .order_by(_h.work_order_id, _h.seq))
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for work_order_id, *entry in connection.execute(statement):
        rows.setdefault(str(work_order_id), []).append(tuple(entry))
    return {work_order_id: _replay(entries, owners.get(work_order_id)) for work_order_id, entries in rows.items()}


def _replay(entries: list[tuple[Any, ...]], owner_now: str | None) -> History:
    first_change = next((old for kind, _a, _f, name, old, _n, _t in entries if kind == "field" and name == OWNER),
                        None)
    owner = first_change if any(kind == "field" and name == OWNER for kind, _a, _f, name, _o, _n, _t in entries) \
        else owner_now
    desk = owner  # the intake desk: the owner the work order was created with
    found = History()
    held: dict[str, Any] = {**dict.fromkeys(LINK_COLUMNS), "escalation_level": 0}
    resolved: bool | None = None  # a reply's Resolved, written before its state entry
    position = 0
    after_action = False  # the previous entry was a counted action's state entry
    for kind, action, from_state, name, _old, new_value, note in entries:
        if kind == "field" and name == OWNER:
            owner = new_value
            if after_action:  # the action's own owner change: the owner right after it
                found.actions[-1] = replace(found.actions[-1], owner=owner)
            continue
        after_action = False
        if action == A_ESCALATE:
            held["escalation_level"] += 1
        if kind == "field":
            if action in FIELD_EVENTS:
                visit = action == A_ESCALATE and str(note or "").startswith(_VISIT_BREACH)  # the hotline owes it
                found.events.append(FieldEvent(str(action), desk if visit else owner))
            elif name == REPLY_RESOLVED:
                resolved = new_value != "false"
            elif name in LINK_COLUMNS:
                held[name] = new_value
            continue
        position += 1
        given, resolved = (True if resolved is None else resolved), None
        if from_state is None or action not in _ACTIONS:
            continue
        found.actions.append(CountedAction(_ACTIONS[action], WorkOrderState(from_state), position, dict(held), given,
                                           owner))
        after_action = True
    return found
