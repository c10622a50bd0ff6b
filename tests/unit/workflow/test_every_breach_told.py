"""Every limit's breach is told (issue 12.4: "automatic escalation on breach (next level, and an OA to-do for the
responsible manager) ... VIP and group customers' account managers are told through CRM"), also when an earlier
limit's breach took the chain to that level already. Before, such a breach got a ``BREACH`` note, "already
escalated to level n", and nobody was told: no OA to-do, no CRM notice, no event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.breach_roles import breach_step
from hub.workflow.calendars import load_calendars
from hub.workflow.deadlines import DeadlineKind, TimingFacts, compute_deadlines, next_escalation
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.lifecycle import WorkOrderState
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.schedule import deadline_rows
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.sla import load_sla_table
from hub.workflow.todos import open_todos
from tests.unit.workflow.audit_kit import complete_todo
from tests.unit.workflow.deadline_kit import act, clock, create, fire_every_row_until, history, row
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit
OA, CRM = "{urn:onepoint:oa:1}", "{urn:onepoint:crm:1}"


def sent(client: WorkerTestClient, since: int = 0) -> list[tuple[str, etree._Element]]:
    """(command type, document) of everything sent from ``since`` on."""
    return [(envelope.command_type, etree.fromstring(envelope.payload)) for envelope, *_ in client.sent[since:]]


def pushed(client: WorkerTestClient, since: int = 0) -> list[tuple[str, str]]:
    """(UserId, ItemId) of each escalation to-do pushed from ``since`` on."""
    return [(document.findtext(f"{OA}UserId") or "", document.findtext(f"{OA}ItemId") or "")
            for kind, document in sent(client, since) if kind == "oa.PushTodo"]


def test_a_reply_breach_after_a_dealt_with_first_response_breach_tells_the_role_again(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    """The first response 5 minutes late: SHIFT_LEADER told, completes the to-do. Days later the reply limit runs
    out: SHIFT_LEADER gets a new to-do for this breach (its earlier one is dealt with), at once, not the next role
    4 business hours later."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "PREPAID")  # first response 1 h, reply 32 h; SHIFT_LEADER, DEPARTMENT_MANAGER...
    clock(runtime).set(row(runtime, work_order_id)["first_response_due"] + timedelta(minutes=5))
    scheduler.run_pass()
    assert complete_todo(client, f"{work_order_id}-esc1-0", user="SHIFT_LEADER").processed
    act(runtime, work_order_id, A.DISPATCH)  # the first response
    act(runtime, work_order_id, A.START)
    before = len(client.sent)

    clock(runtime).set(row(runtime, work_order_id)["reply_due"] + timedelta(minutes=1))
    breached = scheduler.run_pass()
    assert breached.escalations == 1
    assert pushed(client, before) == [("SHIFT_LEADER", f"{work_order_id}-esc2-0")]
    assert [h for h in history(runtime, work_order_id) if h["action"] == "BREACH"] == []
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    assert [d["kind"] for d in view.deadlines if d["fired_at"] is None] == ["REPLY:ESCALATE2"]  # its own next level


@pytest.mark.parametrize(("level", "told", "open_notices", "first", "role"), [
    (2, 1, {"SHIFT_LEADER"}, False, "DEPARTMENT_MANAGER"),  # the chain climbs as before
    (1, 1, {"SHIFT_LEADER"}, True, "DEPARTMENT_MANAGER"),  # a new breach, the reached role sitting on one: above
    (1, 1, set(), True, "SHIFT_LEADER"),  # a new breach, the reached role's notice dealt with: that role again
    (1, 3, set(), True, "SERVICE_DIRECTOR"),  # the chain used up: its last role again
    (1, 3, {"SERVICE_DIRECTOR"}, True, None),  # ... unless it has this work order's notice open still
    (3, 3, set(), True, "SERVICE_DIRECTOR"),  # a new breach caught up to level 3 after an outage
    (2, 2, {"DEPARTMENT_MANAGER"}, False, "SERVICE_DIRECTOR"),  # a breach unanswered an interval on: the role above
    (2, 3, set(), False, None),  # ... none once the chain is used up: its last role was told of this breach
    (3, 3, {"SERVICE_DIRECTOR"}, False, None),
])
def test_who_a_breach_tells(level: int, told: int, open_notices: set[str], first: bool, role: str | None) -> None:
    step = breach_step(load_sla_table().row("PREPAID"), level, told, open_notices, first=first)
    assert (None if step is None else step.role) == role


def test_a_return_visit_missed_after_the_chain_was_used_up_tells_the_last_role_and_the_account_manager(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    """A VIP's reply breach climbed all four roles, then the agent replied (every to-do closed). The return visit
    is missed: the chain's last role gets a new to-do and the account manager, who makes the visit, a CRM notice;
    the return visit's later levels, the chain used up, tell nobody more."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD", manager="AM0001")
    act(runtime, work_order_id, A.DISPATCH)
    act(runtime, work_order_id, A.START)
    clock(runtime).set(row(runtime, work_order_id)["reply_due"] + timedelta(minutes=1))
    for _ in range(96):  # (the network desk's business hours)
        scheduler.run_pass()
        if row(runtime, work_order_id)["escalation_level"] == 4:
            break
        clock(runtime).advance(timedelta(hours=1))
    act(runtime, work_order_id, A.REPLY, Cause="c", Action="a", Resolved="true")
    before = len(client.sent)

    clock(runtime).set(row(runtime, work_order_id)["return_visit_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    assert pushed(client, before) == [("DEPUTY_GENERAL_MANAGER", f"{work_order_id}-esc5-0")]
    [notice] = [document for kind, document in sent(client, before) if kind == "crm.NotifyAccountManager"]
    assert notice.findtext(f"{CRM}AccountManagerId") == "AM0001"
    assert "RETURN_VISIT" in (notice.findtext(f"{CRM}Summary") or "")
    after = len(client.sent)
    clock(runtime).advance(timedelta(hours=4))
    scheduler.run_pass()
    assert pushed(client, after) == []


def test_each_limit_climbs_from_its_own_breach() -> None:
    """The first response's breach climbed the whole chain (level 3); the reply's alarm fired since: the reply's
    level 2 is still due, an escalation interval after the reply limit (before, the next level was counted from the
    chain's level 3, past the chain's end, and the reply's breach never went up)."""
    sla, calendars = load_sla_table(), load_calendars()
    facts = TimingFacts(created_at=START, tier="PREPAID", department="CUSTOMER_SERVICE")
    deadlines = compute_deadlines(facts, sla, calendars)
    fired = {"FIRST_RESPONSE:ALARM", "FIRST_RESPONSE:ESCALATE2", "FIRST_RESPONSE:ESCALATE3", "REPLY:ALARM"}
    rows = dict(deadline_rows(deadlines, facts, sla, calendars, state=WorkOrderState.DISPATCHED, fired=fired))
    second = next_escalation(facts, sla, calendars, DeadlineKind.REPLY, 1)
    assert second is not None and second.level == 2
    assert rows["REPLY:ESCALATE2"] == second.due.at
    assert not any(kind.startswith("FIRST_RESPONSE:ESCALATE") for kind in rows)  # its chain is used up


def test_the_first_response_given_late_leaves_the_reply_breachs_notice_open(runtime: WorkflowRuntime,
                                                                          client: WorkerTestClient) -> None:
    """The first-response breach climbs the whole chain (the director sits on its notice); the reply limit then
    runs out: a notice of its own, to the director. The first response given late closes the first-response
    notices only: the reply is still owed and still has its notice (regression audit, repro_2: the reply's breach
    was only noted because the director sat on the other limit's notice, and once that was closed nobody knew)."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "PREPAID")
    reply_due = row(runtime, work_order_id)["reply_due"]
    fire_every_row_until(runtime, scheduler, work_order_id, reply_due)
    clock(runtime).set(reply_due + timedelta(minutes=5))
    act(runtime, work_order_id, A.DISPATCH)  # the first response, late; the reply still owed
    still_open = open_todos(row(runtime, work_order_id), history(runtime, work_order_id))
    assert [(todo.role, todo.limit) for todo in still_open] == [("SERVICE_DIRECTOR", "REPLY")]
