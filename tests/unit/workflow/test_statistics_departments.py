"""The statistics' department grain (the assessment of each step, "the downstream rates the upstream"): each
dispatch under the department dispatched to, a dispatch marked invalid under the intake desk that sent it, a reply,
an escalation, a Remind and a return visit's satisfaction under the department that owned the work order then;
QueryStatistics answers per department (one, when asked) and the rebuild, which replays the owner from the history,
gives the same rows. The group grain: the complaints of a group customer's members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import WO, C, act, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, create

pytestmark = pytest.mark.unit

DESK = "CUSTOMER_SERVICE"  # [workflow] intake_department's default


def statistics(client: WorkerTestClient, department: str | None = None,
               message_id: str = "cs-departments-0001") -> etree._Element:
    document, _ = command("QueryStatistics.valid.xml")
    days = document.find(f"{{{WO}}}Days")
    assert days is not None
    days[0].text, days[1].text = "2026-11-23", "2026-11-23"
    area = document.find(f"{{{WO}}}AreaCode")
    assert area is not None
    document.remove(area)
    if department is not None:
        element = etree.Element(f"{{{WO}}}Department")
        element.text = department
        days.addprevious(element)
    document.find(f"{{{WO}}}Header/{{{C}}}MessageId").text = message_id  # type: ignore[union-attr]
    found = answer(client.request(envelope(document, message_id)))
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(found)
    return found


def departments(root: etree._Element) -> dict[str, dict[str, str]]:
    return {element.findtext(f"{{{WO}}}Department") or "": {etree.QName(child).localname: child.text or ""
                                                            for child in element}
            for element in root.iterfind(f"{{{WO}}}Department")}


def test_each_step_is_counted_under_the_department_that_owned_it(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    answered = create(client, Msisdn="13900139000")
    act(client, answered, "WorkOrderAction.valid-reply.xml")  # the desk answers at first contact
    handled = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")  # dispatched at intake
    owner = runtime.store.get_work_order(handled).row["owner"]  # type: ignore[union-attr]
    assert owner != DESK
    assert text(act(client, handled, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") == (
        "DISPATCH_REJECTED")  # the receiving department rates the desk's dispatch invalid
    act(client, handled, "WorkOrderAction.valid-dispatch.xml")  # to NOC-PROV
    act(client, handled, "WorkOrderAction.valid-start.xml")
    clock.advance(timedelta(days=2))
    act(client, handled, "WorkOrderAction.valid-reply.xml")  # NOC-PROV replies late
    act(client, handled, "WorkOrderAction.valid-callback.xml")  # the customer is satisfied with NOC-PROV's work

    found = departments(statistics(client))
    assert set(found) == {owner, "NOC-PROV", DESK}
    assert (found[owner]["Dispatched"], found[owner]["Replied"]) == ("1", "0")
    desk = found[DESK]
    assert (desk["InvalidDispatches"], desk["Dispatched"], desk["Replied"], desk["FirstContactResolved"]) == (
        "1", "0", "1", "1")  # before: no department at all
    noc = found["NOC-PROV"]
    assert (noc["Dispatched"], noc["Replied"], noc["RepliedLate"], noc["SlaCompliance"]) == ("1", "1", "1", "0")
    assert (noc["ReturnVisited"], noc["Satisfied"], noc["Satisfaction"]) == ("1", "1", "1")

    only = statistics(client, "NOC-PROV", "cs-departments-0002")
    assert list(departments(only)) == ["NOC-PROV"]
    assert text(only, "wo:Totals/wo:Complaints") == "2"  # the totals stay the window's
    check_rebuild(runtime)  # the rebuild replays each owner from the history: the same rows


def test_an_escalation_and_a_remind_count_under_the_department_holding_it(client: WorkerTestClient,
                                                                          runtime: WorkflowRuntime) -> None:
    held = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")
    owner = str(runtime.store.get_work_order(held).row["owner"])  # type: ignore[union-attr]
    act(client, held, "WorkOrderAction.valid-remind.xml")
    act(client, held, "WorkOrderAction.valid-start.xml")
    act(client, held, "WorkOrderAction.valid-escalate.xml")  # handed up to CS-ESCALATION
    found = departments(statistics(client))
    assert found[owner]["Reminded"] == "1"
    assert found["CS-ESCALATION"]["Escalated"] == "1"
    check_rebuild(runtime)


def test_the_complaints_of_a_group_customers_members_are_counted_per_group(client: WorkerTestClient,
                                                                           runtime: WorkflowRuntime) -> None:
    first = create(client)  # BOSS's example answer: a decision maker of group 4403001288
    create(client, Msisdn="13900139000")
    assert runtime.store.get_work_order(first).row["group_id"] == "4403001288"  # type: ignore[union-attr]
    root = statistics(client)
    assert [(text(g, "wo:GroupId"), text(g, "wo:Complaints"), text(g, "wo:Share"))
            for g in root.iterfind(f"{{{WO}}}Group")] == [("4403001288", "2", "1")]
    check_rebuild(runtime)
