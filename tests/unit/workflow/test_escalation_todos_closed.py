"""Escalation to-dos are closed in OA (``oa:CompleteTodo`` from the hub, routed to the OA adapter) once they are no
longer wanted: the work order is cancelled or closed, or a higher level of their own kind supersedes them (a
department's second ESCALATE the first one's, a breach told higher up the chain the lower breach notices; neither
closes the other kind). Each closing is an ``oa_todo_closed`` entry of the history; a to-do the
manager completed, or the hub closed already, is not closed again (before, nothing in the hub closed them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.audit_kit import complete_todo, created, send
from tests.unit.workflow.deadline_kit import clock
from tests.unit.workflow.incident_kit import complain, query
from tests.unit.workflow.kit import text

pytestmark = pytest.mark.unit

OA = "{urn:onepoint:oa:1}"


def closings(client: WorkerTestClient, since: int = 0) -> list[tuple[str, str]]:
    """(ItemId, UserId) of each CompleteTodo the hub sent, and where the routing table sent it."""
    found = []
    for envelope, targets in client.sent[since:]:
        if envelope.command_type == "oa.CompleteTodo":
            assert envelope.source_system == "HUB" and targets == ("oa",)
            document = etree.fromstring(envelope.payload)
            found.append((document.findtext(f"{OA}ItemId") or "", document.findtext(f"{OA}UserId") or ""))
    return found


def state(runtime: WorkflowRuntime, work_order_id: str) -> str:
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    return str(view.row["state"])


def escalate(client: WorkerTestClient, work_order_id: str, department: str = "CS-ESCALATION") -> None:
    assert text(send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id,
                     **{"Escalate/wo:ToDepartment": department}), "wo:State") == "ESCALATED"


def test_cancelling_an_escalated_order_closes_its_todo_in_oa(client: WorkerTestClient,
                                                             runtime: WorkflowRuntime) -> None:
    work_order_id = created(client)
    escalate(client, work_order_id)
    assert closings(client) == []
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert closings(client) == [(f"{work_order_id}-esc1-0", "CS-ESCALATION")]
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    (entry,) = [h for h in view.history if h["field"] == "oa_todo_closed"]
    assert entry["new_value"] == f"{work_order_id}-esc1-0" and "cancelled" in entry["note"]
    shown = query(client, work_order_id)  # valid against the schema, the closing among its history
    assert f"{work_order_id}-esc1-0".encode() in etree.tostring(shown)


def test_a_higher_level_closes_the_lower_ones_and_closing_the_order_the_rest(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    escalate(client, work_order_id)
    assert complete_todo(client, f"{work_order_id}-esc1-0").processed  # the manager took it: IN_PROGRESS
    escalate(client, work_order_id, "NOC-PROV")  # level 2: level 1's was completed already, nothing to close
    assert closings(client) == []
    escalate(client, work_order_id, "CS-DIRECTOR")  # level 3 supersedes level 2's
    assert closings(client) == [(f"{work_order_id}-esc2-0", "NOC-PROV")]
    before = len(client.sent)
    for example in ("valid-reply", "valid-callback", "valid-close"):
        send(client, f"WorkOrderAction.{example}.xml", WorkOrderId=work_order_id)
    assert closings(client, before) == [(f"{work_order_id}-esc3-0", "CS-DIRECTOR")]


def test_a_breach_after_a_hand_up_leaves_the_hand_ups_todo_open(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    """The department handed up to owns the ESCALATED work order: a breach tells the chain's role but closes
    nothing of the department's (before, it closed the hand-up's to-do, and the department completing it was
    dead-lettered ``stale-todo``); the department's completion takes the work order up, its START the first
    response, which closes the first-response breach's notice."""
    work_order_id = created(client)
    escalate(client, work_order_id)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    clock(runtime).set(view.row["first_response_due"] + timedelta(minutes=1))
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().escalations == 1
    assert closings(client) == []
    role = runtime.engine.sla.row(view.row["tier"]).escalation[0]
    taken = complete_todo(client, f"{work_order_id}-esc1-0", user="CS-ESCALATION")
    assert taken.processed and not taken.dead, taken.reason
    assert state(runtime, work_order_id) == "IN_PROGRESS"  # its START the first response: the breach's to-do closed
    assert closings(client) == [(f"{work_order_id}-esc2-0", role)]


def test_a_hand_up_leaves_a_breach_notice_open_and_its_completion_does_not_take_the_order_up(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """A hand-up does not answer the breached limit a chain role was told of: its notice stays open (before, the
    hand-up closed it); the role completing it is recorded, and the work order stays with the department handed
    up to, whose own to-do takes it up."""
    work_order_id = created(client)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    clock(runtime).set(view.row["first_response_due"] + timedelta(minutes=1))
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().escalations == 1
    role = runtime.engine.sla.row(view.row["tier"]).escalation[0]
    escalate(client, work_order_id)  # level 2: CS-ESCALATION's to-do
    assert closings(client) == []
    noted = complete_todo(client, f"{work_order_id}-esc1-0", user=role)
    assert noted.processed and not noted.dead, noted.reason
    assert state(runtime, work_order_id) == "ESCALATED"
    assert complete_todo(client, f"{work_order_id}-esc2-0", user="CS-ESCALATION").processed
    assert state(runtime, work_order_id) == "IN_PROGRESS"


def test_a_cancelled_incident_closes_its_managers_todo(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    incident_id = None
    for number in range(10):
        clock(runtime).advance(timedelta(minutes=1))
        incident_id = text(complain(client, number), "wo:IncidentId") or incident_id
    assert incident_id is not None
    before = len(client.sent)
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=incident_id)
    role = runtime.engine.sla.row("VIP_DIAMOND").escalation[0]
    assert closings(client, before) == [(f"{incident_id}-esc1-0", role)]


def test_replying_the_customer_closes_the_breach_todo(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """A manager is not left a to-do for a complaint already answered (before, it stayed open until CLOSE, a return
    visit later); OA's completion of it after that is only noted (``test_todo_completed_after_close``)."""
    work_order_id = created(client)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    clock(runtime).set(view.row["first_response_due"] + timedelta(minutes=1))
    assert DeadlineScheduler(runtime, client.outbound, batch=50).run_pass().escalations == 1
    role = runtime.engine.sla.row(view.row["tier"]).escalation[0]
    before = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id), "wo:State") == "REPLIED"
    assert closings(client, before) == [(f"{work_order_id}-esc1-0", role)]
    after = runtime.store.get_work_order(work_order_id)
    assert after is not None
    (entry,) = [h for h in after.history if h["field"] == "oa_todo_closed"]
    assert "replied" in entry["note"]
    late = complete_todo(client, f"{work_order_id}-esc1-0", user=role)
    assert late.processed and not late.dead
    assert state(runtime, work_order_id) == "REPLIED"
    before = len(client.sent)
    for example in ("valid-callback", "valid-close"):
        send(client, f"WorkOrderAction.{example}.xml", WorkOrderId=work_order_id)
    assert closings(client, before) == []  # closed once
