"""The step each follow-up of one message is sent at: with the causing message and the consumer, its message id
(``hub.routing.message_ids.derive_message_id``), so a redelivered message sends each follow-up under the id it had
the first time, and the receiving system (or its worker's processed store) drops the copy.

The step says what the follow-up is for, never where it stands in the list alone: a redelivery may owe fewer
follow-ups than the first attempt did (a child of an incident replied by its agent in between), and a position
would then hand one work order's notice the id another's had, which CRM would drop as a repeat.

- A follow-up for the message's own work order (the one a WorkOrderAction or NSP's reply names, the complaint a
  CreateWorkOrder takes) is ``<kind>-<n>``, ``n`` its place among the follow-ups for that work order: the steps
  hubs before this one gave them (every follow-up of most messages is for their own work order). Only that work
  order's own changes can change them, and those are decided under its lock. (The ids themselves changed when the
  cause's source system became part of them: CHANGELOG, "A MessageId is its system's".)
- A follow-up for another work order (an incident's child, an outage's linked complaint, the incident a complaint
  opened) is ``<kind>-<its work order id>``, and a to-do closed in OA ``<kind>-<work order id>-<item id>`` (one
  change may close several of one work order's to-dos); a second one of the same kind for the same work order,
  which no change owes today, gets ``-2``, ``-3`` ... A work order's id (``WO`` + date + 8 characters) never reads
  as a number, so the two forms never meet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hub.workflow.changes import FollowUp
from hub.workflow.todos import CLOSE_TODO
from hub.workflow.withdrawn_to_reads import WITHDRAW_TO_READ

__all__ = ["follow_up_steps", "other_work_order_step"]


def other_work_order_step(kind: str, work_order_id: str) -> str:
    """The step of the follow-up of ``kind`` a message owes a work order other than its own (the first of that
    kind; a to-do's closing adds its item id): e.g. the fault report of the incident a complaint opened."""
    return f"{kind}-{work_order_id}"


def follow_up_steps(follow_ups: Sequence[FollowUp], work_order_id: str | None) -> list[str]:
    """The step of each of ``follow_ups``, in order, for a message whose own work order is ``work_order_id`` (None:
    a message of no work order, an outage notice); see the module."""
    own = 0
    taken: Counter[str] = Counter()
    steps = []
    for follow_up in follow_ups:
        concerns = str(follow_up.work_order.get("id") or "")
        if work_order_id is not None and concerns == work_order_id and follow_up.kind == WITHDRAW_TO_READ:
            steps.append(f"{follow_up.kind}-{follow_up.details['item_id']}")  # by its item, whatever else is owed
            continue
        if work_order_id is not None and concerns == work_order_id:
            steps.append(f"{follow_up.kind}-{own}")
            own += 1
            continue
        step = other_work_order_step(follow_up.kind, concerns)
        if follow_up.kind in (CLOSE_TODO, WITHDRAW_TO_READ):
            step = f"{step}-{follow_up.details['item_id']}"
        taken[step] += 1
        steps.append(step if taken[step] == 1 else f"{step}-{taken[step]}")
    return steps
