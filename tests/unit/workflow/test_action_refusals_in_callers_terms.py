"""Actions refused or taken in the caller's terms: a Suspend whose Until has passed is refused (``until-not-future``:
the scheduler would resume it at once), one more than 365 days ahead too (``until-too-far``: a year typed wrong); a
refused transition names the WorkOrderAction elements a caller can send (``Callback``, never RETURN_VISIT, ACCEPT or
AUTO_ANSWER); a contact number written as c:PhoneNumber allows it (``139-8765-4321``, ``+8613987654321``) satisfies
the dispatch template and goes to NSP as its digits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.commands import ACTION_ELEMENTS
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.taxonomy.fields import normal_number
from tests.unit.workflow.audit_kit import NSP, created, dispatch, send, state
from tests.unit.workflow.kit import START, text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("until", [START - timedelta(days=1), START])
def test_a_suspension_until_a_past_time_is_refused(client: WorkerTestClient, until: datetime) -> None:
    work_order_id = created(client)
    refused = send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
                   **{"Suspend/wo:Until": until.isoformat()})
    assert text(refused, "c:Code") == "until-not-future"
    assert (text(refused, "c:Message") or "").endswith("(it is 2026-11-23T09:15:00+08:00)")  # the operator's zone
    assert state(client, work_order_id) == "ACCEPTED"


@pytest.mark.parametrize("until", ["2062-11-25T09:00:00+08:00", "2027-11-23T09:15:01+08:00"])
def test_a_suspension_until_more_than_a_year_ahead_is_refused(client: WorkerTestClient, until: str) -> None:
    """2062 typed for 2026 hid the complaint until then: never warned of, breached or counted overdue."""
    work_order_id = created(client)
    refused = send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
                   **{"Suspend/wo:Until": until})
    assert text(refused, "c:Code") == "until-too-far"
    assert f"until {until}: more than 365 days ahead, after 2027-11-23T09:15:00+08:00" in (
        text(refused, "c:Message") or "")
    assert state(client, work_order_id) == "ACCEPTED"


def test_a_suspension_until_a_year_ahead_is_taken(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    taken = send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
                 **{"Suspend/wo:Until": (START + timedelta(days=365)).isoformat()})
    assert text(taken, "wo:State") == "SUSPENDED", text(taken, "c:Message")


@pytest.mark.parametrize("reason", [" ", " \t "])
def test_a_reason_of_blanks_is_no_reason(client: WorkerTestClient, reason: str) -> None:
    work_order_id = created(client)
    refused = send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
                   **{"Suspend/wo:Reason": reason, "Suspend/wo:Until": (START + timedelta(days=1)).isoformat()})
    assert text(refused, "c:Code") == "reason-required"
    assert state(client, work_order_id) == "ACCEPTED"


def allowed_in(message: str, state_name: str) -> list[str]:
    found = re.search(rf"allowed in {state_name}: (.*)$", message)
    assert found is not None, message
    return [name.strip() for name in found.group(1).split(",")]


def test_a_refused_transition_lists_only_elements_the_caller_can_send(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    refused = send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id)
    message = text(refused, "c:Message") or ""
    assert message.startswith(f"Close is not allowed on work order {work_order_id} in state ACCEPTED")
    assert allowed_in(message, "ACCEPTED") == ["Dispatch", "Suspend", "Escalate", "Reply", "Cancel"]
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    message = text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id), "c:Message") or ""
    assert allowed_in(message, "REPLIED") == ["Callback"] and "RETURN_VISIT" not in message
    for name in allowed_in(message, "REPLIED"):
        assert name in ACTION_ELEMENTS


@pytest.mark.parametrize(("written", "digits"), [("139-8765-4321", "13987654321"), ("+8613987654321", "13987654321"),
                                                 ("0086 139 8765 4321", "13987654321"),
                                                 ("+86-755-83765432", "075583765432"),
                                                 ("0755-83765432", "075583765432")])
def test_a_number_is_read_as_its_digits(written: str, digits: str) -> None:
    assert normal_number(written) == digits


@pytest.mark.parametrize("contact", ["139-8765-4321", "+8613987654321"])
def test_a_contact_number_as_the_schema_allows_it_is_dispatched(client: WorkerTestClient, contact: str,
                                                                runtime: WorkflowRuntime) -> None:
    work_order_id = created(client, ContactNumber=contact)
    dispatched = dispatch(client, work_order_id)
    assert text(dispatched, "wo:State") == "DISPATCHED", text(dispatched, "c:Message")
    [document] = [etree.fromstring(e.payload) for e, _ in client.sent
                  if e.command_type == "nsp.NetworkComplaintDispatch"]
    assert document.findtext(f"{{{NSP}}}ContactNumber") == "13987654321"


def test_a_complaint_with_a_dashed_contact_number_is_dispatched_at_intake(client: WorkerTestClient) -> None:
    answered = send(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", ContactNumber="139-8765-4321")
    assert text(answered, "wo:State") == "DISPATCHED"
