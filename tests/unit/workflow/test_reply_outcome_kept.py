"""What a Reply and a Close say is kept: the Reply's Cause, Action and Resolved and the Close's ClosureCode are field
entries of the history (QueryWorkOrder shows them; a reply that did not resolve the complaint says so in its note
too), and a reply saying ``Resolved`` false is no first-contact resolution, in the maintained counters and in their
rebuild from the history alike (docs/statistics.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NS, SCHEMA, created, send
from tests.unit.workflow.kit import answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, measures

pytestmark = pytest.mark.unit

CAUSE = "Transmission fault at base station SZ-FT-0412"
ACTION = "Replaced the faulty transmission board and reset the cell."


def statistics(client: WorkerTestClient) -> etree._Element:
    return answer(client.request(envelope(*command("QueryStatistics.valid-no-window.xml"))))


@pytest.mark.parametrize("written", ["false", "0", " false "])
def test_a_reply_that_did_not_resolve_the_complaint_is_no_first_contact_resolution(
        client: WorkerTestClient, runtime: WorkflowRuntime, written: str) -> None:
    work_order_id = created(client)  # taken at the hotline, never dispatched, answered by the desk itself
    replied = send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id,
                   **{"Reply/wo:Resolved": written, "Reply/wo:Result": "Cause not found; visit a business hall."})
    assert text(replied, "wo:State") == "REPLIED"
    counted = measures(runtime)
    assert counted["replied"] == 1 and counted["first_contact_resolved"] == 0
    figures = statistics(client)
    assert text(figures, "wo:Totals/wo:FirstContactResolved") == "0"
    assert text(figures, "wo:Shares/wo:FirstContactResolution") in (None, "0")
    check_rebuild(runtime)  # the rebuild reads the reply's Resolved from its history entry


def test_only_the_resolved_replies_count_and_the_rebuild_agrees(client: WorkerTestClient,
                                                               runtime: WorkflowRuntime) -> None:
    for number, written in (("13800138001", "true"), ("13800138002", "false"), ("13800138003", "1")):
        work_order_id = created(client, Msisdn=number)
        send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id, **{"Reply/wo:Resolved": written})
        assert isinstance(runtime.clock, ManualClock)
        runtime.clock.advance(timedelta(minutes=5))
    counted = measures(runtime)
    assert counted["replied"] == 3 and counted["first_contact_resolved"] == 2
    assert text(statistics(client), "wo:Totals/wo:FirstContactResolved") == "2"
    check_rebuild(runtime)


def test_the_reply_and_the_closure_are_kept_in_the_history(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id, **{"Reply/wo:Resolved": "false"})
    send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id)
    send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id)
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    assert SCHEMA.validate(shown), SCHEMA.error_log
    entries = list(shown.iterfind("wo:WorkOrder/wo:History", NS))
    fields = {text(e, "wo:Field"): text(e, "wo:NewValue") for e in entries if text(e, "wo:Field")}
    assert fields["reply_cause"] == CAUSE and fields["reply_action"] == ACTION
    assert fields["reply_resolved"] == "false" and fields["closure_code"] == "RESOLVED-NETWORK"
    replies = [e for e in entries if text(e, "wo:Action") == "REPLY"]
    assert len(replies) == 1 and text(replies[0], "wo:State") == "REPLIED"  # the action's one entry: its state's
    assert (text(replies[0], "wo:Note") or "").endswith("(Resolved: false)")
    closes = [e for e in entries if text(e, "wo:Action") == "CLOSE"]
    assert len(closes) == 1
    assert text(closes[0], "wo:Note") == "Network fault repaired, customer satisfied at return visit."


def test_a_resolved_reply_keeps_its_result_as_its_note(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    shown = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    entries = list(shown.iterfind("wo:WorkOrder/wo:History", NS))
    assert [text(e, "wo:NewValue") for e in entries if text(e, "wo:Field") == "reply_resolved"] == ["true"]
    reply = next(e for e in entries if text(e, "wo:Action") == "REPLY")
    assert text(reply, "wo:Note") == "Calls from the area work again since 11:05; tested with the customer's number."


@pytest.mark.parametrize(("written", "meant"), [("true", True), ("1", True), (" true\n", True), (None, True),
                                                ("false", False), ("0", False), ("\tfalse ", False)])
def test_resolved_is_read_as_xs_boolean(written: str | None, meant: bool) -> None:
    from hub.workflow.commands import resolved  # here: the module's other tests run on a hub without it

    assert resolved(written) is meant
