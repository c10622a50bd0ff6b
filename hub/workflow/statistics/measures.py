"""What a work order's creation and each of its actions add to the statistics' counters: pure functions of the row,
shared by the maintained counters (``counters``) and their rebuild from the history (``rebuild``), so both count
the same.

A count is kept under the work order's *creation* day (in the statistics' time zone) and its dimensions
(``grains``): a reply given on the 3rd to a complaint of the 1st counts on the 1st, so the shares of a
window (replied in time / replied, first-contact resolutions / complaints) relate to the same complaints.
An incident (ticket type INCIDENT, a mass complaint's parent) counts under ``incident_``-prefixed measures, never
as a complaint. The incident rule writes an incident without ``engine.create`` (no creation observer hears of it),
so an incident is counted as created with its first action — its dispatch to NSP at opening — (``first=True``:
its history's third state entry, after CREATE and ACCEPT), by the maintained counters and the rebuild alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from hub.workflow.lifecycle import LifecycleAction, WorkOrderState

__all__ = ["COUNTED_ACTIONS", "FIRST_ACTION_ENTRY", "HANDOVER_COLUMNS", "LINK_COLUMNS", "MEASURES",
           "SATISFACTION_MEASURES", "CounterKey", "Measure", "cancelled_overdue", "change_measures",
           "creation_measures", "escalation_measures", "first_contact_reply", "is_incident", "local_day",
           "refusal_measures", "reminder_measures", "visit_attempt_measures", "visited_late"]

A = LifecycleAction

# day, category, area, tier, channel, sp, department, group, measure (``grains``)
CounterKey = tuple[str, str, str, str, str, str, str, str, str]


class Measure:
    """The measure names of ``work_order_counters``."""

    CREATED = "created"  # a customer's complaint
    REPEAT = "repeat"  # of them, the customer's repeat complaint (Created.repeat)
    DISPATCHED = "dispatched"  # each dispatch (a re-dispatch after a rejection too)
    INVALID_DISPATCH = "invalid_dispatch"  # each dispatch the handling department sent back (REJECT_DISPATCH)
    DISPATCH_REFUSED = "dispatch_refused"  # each dispatch the hub refused: missing template fields, another msisdn
    AUTO_ANSWERED = "auto_answered"
    FIRST_CONTACT_RESOLVED = "first_contact_resolved"  # answered by the desk that took it: see ``first_contact_reply``
    REPLIED = "replied"
    REPLIED_IN_SLA = "replied_in_sla"  # replied_at <= reply_due (which already credits the paused time)
    REPLIED_LATE = "replied_late"
    RETURN_VISITED = "return_visited"
    RETURN_VISITED_IN_TIME = "return_visited_in_time"  # return_visited_at <= return_visit_due (or no limit)
    RETURN_VISITED_LATE = "return_visited_late"  # made after its return-visit limit had run out
    CLOSED = "closed"
    CANCELLED = "cancelled"
    CANCELLED_OVERDUE = "cancelled_overdue"  # of them, complaints cancelled unreplied after their reply limit
    ESCALATED = "escalated"
    REMINDED = "reminded"  # each Remind: the customer called back, the agent hurried the owner (workflow.reminders)
    # of the return visits, the customer's satisfaction (the Callback's wo:Satisfaction, the ``satisfaction`` column)
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    NOT_REACHED = "not_reached"  # the customer could not be reached: no judgement
    # each unreached call before a return visit's last attempt (workflow.visit_attempts): no visit, the state stayed
    RETURN_VISIT_ATTEMPT_NOT_REACHED = "return_visit_attempt_not_reached"
    INCIDENT_PREFIX = "incident_"  # an incident's measures: incident_created, incident_dispatched, …


MEASURES = (Measure.CREATED, Measure.REPEAT, Measure.DISPATCHED, Measure.INVALID_DISPATCH, Measure.DISPATCH_REFUSED,
            Measure.AUTO_ANSWERED, Measure.FIRST_CONTACT_RESOLVED, Measure.REPLIED, Measure.REPLIED_IN_SLA,
            Measure.REPLIED_LATE, Measure.RETURN_VISITED, Measure.RETURN_VISITED_IN_TIME, Measure.RETURN_VISITED_LATE,
            Measure.CLOSED, Measure.CANCELLED, Measure.CANCELLED_OVERDUE,
            Measure.ESCALATED, Measure.REMINDED, Measure.SATISFIED, Measure.BASICALLY_SATISFIED, Measure.DISSATISFIED,
            Measure.NOT_REACHED, Measure.RETURN_VISIT_ATTEMPT_NOT_REACHED)
# workorder.xsd's wo:Satisfaction, each its measure; a visit without one (written before it was required) counts none
SATISFACTION_MEASURES: dict[str, str] = {
    "SATISFIED": Measure.SATISFIED, "BASICALLY_SATISFIED": Measure.BASICALLY_SATISFIED,
    "DISSATISFIED": Measure.DISSATISFIED, "NOT_REACHED": Measure.NOT_REACHED}

_BY_ACTION: dict[LifecycleAction, str] = {
    A.DISPATCH: Measure.DISPATCHED, A.REJECT_DISPATCH: Measure.INVALID_DISPATCH, A.AUTO_ANSWER: Measure.AUTO_ANSWERED,
    A.REPLY: Measure.REPLIED, A.RETURN_VISIT: Measure.RETURN_VISITED, A.CLOSE: Measure.CLOSED,
    A.CANCEL: Measure.CANCELLED, A.ESCALATE: Measure.ESCALATED,
}
COUNTED_ACTIONS = frozenset(_BY_ACTION)
FIRST_ACTION_ENTRY = 3  # CREATE, ACCEPT, then the first action: its state entry's position in the history
# What takes a complaint beyond its first contact, as the row holds it at an action: linked to a mass complaint's
# incident or to an outage notice, held as the repeat of an open complaint (its reply is that one's, copied:
# hub.workflow.held_repeats), escalated (by a department or on a breach). The rebuild replays them from the
# history (their field entries and ESCALATE actions), since a later change may set them after the reply.
LINK_COLUMNS = ("incident_id", "outage_id", "repeat_of")
HANDOVER_COLUMNS = (*LINK_COLUMNS, "escalation_level")


def local_day(moment: datetime, zone: tzinfo) -> str:
    """The operator's calendar day of an aware instant, ``YYYY-MM-DD``."""
    return moment.astimezone(zone).date().isoformat()


def _named(row: Mapping[str, Any], measures: list[str]) -> list[str]:
    if is_incident(row):
        return [Measure.INCIDENT_PREFIX + m for m in measures if m != Measure.REPEAT]
    return measures


def refusal_measures(row: Mapping[str, Any]) -> list[str]:
    """A dispatch the hub refused for missing template fields (the ``DISPATCH_REFUSED`` history entry)."""
    return _named(row, [Measure.DISPATCH_REFUSED])


def escalation_measures(row: Mapping[str, Any]) -> list[str]:
    """An escalation on a breach (the ``ESCALATE`` field entry: the level rose, the state stayed); a department's
    ESCALATE action is counted by ``change_measures``."""
    return _named(row, [Measure.ESCALATED])


def reminder_measures(row: Mapping[str, Any]) -> list[str]:
    """A Remind (the ``REMIND`` field entry: the state stayed)."""
    return _named(row, [Measure.REMINDED])


def visit_attempt_measures(row: Mapping[str, Any]) -> list[str]:
    """A return visit's unreached call recorded as an attempt (the ``RETURN_VISIT_ATTEMPT`` field entry: the state
    stayed)."""
    return _named(row, [Measure.RETURN_VISIT_ATTEMPT_NOT_REACHED])


def creation_measures(row: Mapping[str, Any], *, repeat: bool) -> list[str]:
    """A complaint's creation (an incident is counted with its first action: see the module's note)."""
    if is_incident(row):
        return []
    return [Measure.CREATED, *([Measure.REPEAT] if repeat else [])]


def is_incident(row: Mapping[str, Any]) -> bool:
    return row.get("ticket_type") == "INCIDENT"


def first_contact_reply(row: Mapping[str, Any], previous: WorkOrderState, *, resolved: bool = True) -> bool:
    """A reply is a first-contact resolution when the desk that took the complaint answered it itself and resolved
    it (a Reply saying ``Resolved`` false answered the customer without resolving the complaint): never
    dispatched, and before the reply neither linked to an incident (its resolution answers the children hours
    later), nor held as a repeat (the open one's reply answers it), nor to an outage notice (a late notice's
    complaints are answered at its clearance), nor escalated.
    A complaint the outage rule answered at intake counted with its AUTO_ANSWER; its recovery reply is not another.
    ``row``: the work order at the reply (``HANDOVER_COLUMNS`` as they stood then)."""
    return (resolved and previous is not WorkOrderState.AUTO_ANSWERED and row.get("dispatch_fields") is None
            and not row.get("incident_id") and not row.get("outage_id") and not row.get("repeat_of")
            and not int(row.get("escalation_level") or 0))


def change_measures(row: Mapping[str, Any], action: LifecycleAction, previous: WorkOrderState, *,
                    first: bool = False, resolved: bool = True) -> list[str]:
    """The measures an action adds; ``row`` is the work order after it (``replied_at``, ``reply_due`` and
    ``dispatch_fields`` are final once it is replied: no pause, handover or dispatch comes after a reply).
    ``first``: the work order's first action after its acceptance (what counts an incident as created). The
    ``HANDOVER_COLUMNS`` must be as they stood at the action (the rebuild replays them from the history).
    ``resolved``: a reply's ``Resolved`` (the request's, or its ``reply_resolved`` history entry). A return visit
    counts in time or late (``visited_late``) and the customer's satisfaction (``SATISFACTION_MEASURES``: a work
    order is visited once); not a held repeat's (still linked at it: ``repeat_of``), the open one's visit copied."""
    opened = [Measure.CREATED] if first and is_incident(row) else []
    measure = _BY_ACTION.get(action)
    if measure is None or (action is A.RETURN_VISIT and row.get("repeat_of")):
        return _named(row, opened)  # a held repeat's visit is the open one's, counted once there
    found = [*opened, measure]
    if action is A.AUTO_ANSWER:
        found.append(Measure.FIRST_CONTACT_RESOLVED)  # only NEW or ACCEPTED can be auto-answered: never dispatched
    elif action is A.REPLY:  # an auto-answered complaint still linked was answered at intake, off the clock: in
        # time; one a revision of its notice unlinked is back on its reply limit (docs/outages.md) and judged by it
        due, replied = row.get("reply_due"), row.get("replied_at")
        off_clock = previous is WorkOrderState.AUTO_ANSWERED and row.get("outage_id") is not None
        late = not off_clock and due is not None and replied is not None and replied > due
        if not row.get("repeat_of"):  # a held repeat answered with the open one's reply: one fault, judged once
            found.append(Measure.REPLIED_LATE if late else Measure.REPLIED_IN_SLA)
        if first_contact_reply(row, previous, resolved=resolved):
            found.append(Measure.FIRST_CONTACT_RESOLVED)
    elif action is A.CANCEL and cancelled_overdue(row, previous):
        found.append(Measure.CANCELLED_OVERDUE)
    elif action is A.RETURN_VISIT:
        found.append(Measure.RETURN_VISITED_LATE if visited_late(row) else Measure.RETURN_VISITED_IN_TIME)
        if str(row.get("satisfaction") or "") in SATISFACTION_MEASURES:
            found.append(SATISFACTION_MEASURES[str(row["satisfaction"])])  # the row after the visit: its outcome
    return _named(row, found)


def visited_late(row: Mapping[str, Any]) -> bool:
    """A return visit made after its limit had run out, as a reply is judged against its own: ``row`` the work order
    after the visit (``return_visited_at``: when it was made, the Callback's VisitedAt when given; ``return_visit_due``:
    the limit it was made against, kept from then on: ``limit_columns``). A visit without a limit (none was running)
    is in time."""
    due, visited = row.get("return_visit_due"), row.get("return_visited_at")
    return due is not None and visited is not None and visited > due


def cancelled_overdue(row: Mapping[str, Any], previous: WorkOrderState) -> bool:
    """A complaint cancelled unreplied after its reply limit had run out: the limit was breached, and cancelling it
    must not take the breach out of SLA compliance (else cancelling the overdue would raise the figure). ``row``:
    the work order after the CANCEL (``closed_at`` the cancellation; ``reply_due`` with every pause credited, as a
    pause ended by the cancellation leaves it; a limit still paused or not reached is not breached). An incident
    or an auto-answered complaint is off the reply clock."""
    due, closed = row.get("reply_due"), row.get("closed_at")
    return (not is_incident(row) and previous is not WorkOrderState.AUTO_ANSWERED and row.get("replied_at") is None
            and due is not None and closed is not None and closed > due)
