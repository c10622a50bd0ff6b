"""A customer DISSATISFIED at the return visit (the Callback's wo:Satisfaction): in the visit's transaction, an OA
to-read to the holder of the tier's first escalation role for the department that last handled the work order
(its owner at the visit, as a breach looks the holder up) and for the intake desk (the hotline's lead), saying so
with the visit's note; a VIP or group customer's account manager kept on the work order is told through CRM. No
reverse flow: the work order still closes. Before, such a visit sent nothing and the Close followed at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.unit.workflow.deadline_kit import act, create, row
from tests.unit.workflow.kit import START, text
from tests.unit.workflow.kit import send_filled as send

pytestmark = pytest.mark.unit
OA, CRM = "{urn:onepoint:oa:1}", "{urn:onepoint:crm:1}"
HOLDERS = {"SHIFT_LEADER": {"CUSTOMER_SERVICE": "cs-shift-01", "NMC": "nmc-shift-01", "*": "any-shift-01"}}
NOTE = "still cannot call out"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    """The workflow conftest's runtime, with the role holders' table (the ``client`` fixture sends through it)."""
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", escalation_managers=HOLDERS)
    opened = open_runtime(settings, clock=ManualClock(START))
    yield opened
    opened.close()


def sent_since(client: WorkerTestClient, since: int) -> list[etree._Element]:
    return [etree.fromstring(sent.payload) for sent, *_ in client.sent[since:]]


def replied_vip(client: WorkerTestClient) -> str:
    """A VIP_GOLD complaint (BOSS names account manager am-0755-0042) dispatched, handled and replied unresolved."""
    work_order_id = text(send(client, "CreateWorkOrder.valid.xml"), "wo:WorkOrderId")
    assert work_order_id
    for example in ("WorkOrderAction.valid-dispatch.xml", "WorkOrderAction.valid-start.xml"):
        send(client, example, work_order_id)
    assert text(send(client, "WorkOrderAction.valid-reply.xml", work_order_id, Reply__Resolved="false"),
                "wo:State") == "REPLIED"
    return work_order_id


def test_a_dissatisfied_visit_tells_the_handling_department_the_hotline_and_the_account_manager(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = replied_vip(client)
    owner = row(runtime, work_order_id)["owner"]
    holder = HOLDERS["SHIFT_LEADER"].get(owner, "any-shift-01")
    since = len(client.sent)
    visited = send(client, "WorkOrderAction.valid-callback.xml", work_order_id,
                   Callback__Satisfaction="DISSATISFIED", Callback__Note=NOTE)
    assert text(visited, "wo:State") == "RETURN_VISITED"
    documents = sent_since(client, since)
    to_reads = [d for d in documents if d.tag == f"{OA}PushToRead"]
    assert sorted(d.findtext(f"{OA}UserId") for d in to_reads) == sorted([holder, "cs-shift-01"])  # before: none
    for document in to_reads:
        assert "dissatisfied" in (document.findtext(f"{OA}Title") or "").lower()
        assert NOTE in (document.findtext(f"{OA}Summary") or "")
        assert document.findtext(f"{OA}WorkOrderId") == work_order_id
        assert document.find(f"{OA}Due") is None  # nothing owed by a time: a to-read
    assert len({d.findtext(f"{OA}ItemId") for d in to_reads}) == 2
    notices = [d for d in documents if d.tag == f"{CRM}NotifyAccountManager"]
    assert [d.findtext(f"{CRM}AccountManagerId") for d in notices] == ["am-0755-0042"]
    summary = notices[0].findtext(f"{CRM}Summary") or ""
    assert "dissatisfied at the return visit" in summary.lower() and NOTE in summary
    assert notices[0].find(f"{CRM}DueAt") is None
    registry = CommandSetRegistry.installed()
    for document in (*to_reads, *notices):
        registry.get(etree.QName(document).namespace.rsplit(":", 2)[1]).lxml_schema.assertValid(document)
    # no reverse flow: the work order still closes
    assert text(send(client, "WorkOrderAction.valid-close.xml", work_order_id), "wo:State") == "CLOSED"
    assert text(send(client, "CreateWorkOrder.valid.xml"), "wo:RepeatComplaint") == "true"  # the customer again


def test_a_satisfied_or_unreached_visit_tells_nobody(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    for outcome in ("SATISFIED", "BASICALLY_SATISFIED", "NOT_REACHED"):
        work_order_id = replied_vip(client)
        since = len(client.sent)
        send(client, "WorkOrderAction.valid-callback.xml", work_order_id, Callback__Satisfaction=outcome)
        assert [etree.QName(d).localname for d in sent_since(client, since)] == []


def test_an_ordinary_customer_handled_by_the_desk_gets_one_to_read_and_no_crm_notice(
        runtime: WorkflowRuntime) -> None:
    work_order_id = create(runtime, "CONTRACT")  # no account manager; replied by the intake desk itself
    act(runtime, work_order_id, A.REPLY, Note="answered")
    changed = act(runtime, work_order_id, A.RETURN_VISIT, Satisfaction="DISSATISFIED", Note=NOTE)
    assert [(f.kind, f.details["manager"]) for f in changed.follow_ups] == [("oa-toread", "cs-shift-01")]
    assert act(runtime, work_order_id, A.CLOSE, ClosureCode="RESOLVED").row["state"] == "CLOSED"
