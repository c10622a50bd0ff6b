"""A department's own hand-up (the ESCALATE action) raises the work order's escalation level but tells no role of
the SLA chain: a breach afterwards still escalates, tells the chain's next role with an OA to-do and goes on up the
chain an interval later (issue 12: "automatic escalation on breach (next level, and an OA to-do for the responsible
manager)")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, history, row

pytestmark = pytest.mark.unit
OA = "{urn:onepoint:oa:1}"


def todos(client) -> list[tuple[str | None, str | None]]:
    """(UserId, ItemId) of every PushTodo sent, in order."""
    found = []
    for envelope, *_ in client.sent:
        document = etree.fromstring(envelope.payload)
        if etree.QName(document).localname == "PushTodo":
            found.append((document.findtext(f"{OA}UserId"), document.findtext(f"{OA}ItemId")))
    return found


def test_a_breach_after_a_hand_up_tells_the_chain(runtime: WorkflowRuntime, client) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD")  # reply within 6 h; chain SHIFT_LEADER, DEPARTMENT_MANAGER, ...
    act(runtime, work_order_id, A.DISPATCH)  # the first response
    act(runtime, work_order_id, A.START)
    act(runtime, work_order_id, A.ESCALATE, ToDepartment="NETWORK_OPS")  # by hand: level 1, NETWORK_OPS told
    assert row(runtime, work_order_id)["escalation_level"] == 1
    handed_up = len(todos(client))

    clock(runtime).set(row(runtime, work_order_id)["reply_due"] + timedelta(minutes=1))
    breached = scheduler.run_pass()
    assert breached.escalations == 1
    [(user, item)] = todos(client)[handed_up:]
    assert user == "SHIFT_LEADER" and (item or "").startswith(f"{work_order_id}-esc2-")
    after = row(runtime, work_order_id)
    assert after["escalation_level"] == 2  # above the hand-up's level: the to-do's id names it
    assert [h["note"] for h in history(runtime, work_order_id) if h["action"] == "BREACH"] == []

    clock(runtime).advance(timedelta(hours=1, minutes=1))  # VIP_GOLD's escalation interval on the owner's clock
    for _ in range(72):  # (the network desk's calendar may be closed at that hour: move on to its opening)
        if scheduler.run_pass().escalations:
            break
        clock(runtime).advance(timedelta(hours=1))
    assert [user for user, _ in todos(client)[handed_up:]] == ["SHIFT_LEADER", "DEPARTMENT_MANAGER"]
    assert row(runtime, work_order_id)["escalation_level"] == 3
