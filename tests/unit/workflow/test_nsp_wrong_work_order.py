"""NSP's NetworkComplaintReply correlated with the dispatch the hub sent for one work order but naming another (NSP's
operator answered one ticket under the other's id) is refused as ``wrong-work-order``, naming both, nothing written:
the hub keeps the MessageId of every dispatch it sends with its work order (``store.nsp_dispatches``)."""

from __future__ import annotations

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import created, dispatch, history, send, state
from tests.unit.workflow.kit import text
from tests.unit.workflow.test_nsp_stale_reply import dispatch_ids, opened_incident, refused, reply_to

pytestmark = pytest.mark.unit


def test_a_reply_naming_one_work_order_but_answering_anothers_dispatch_is_refused(client: WorkerTestClient) -> None:
    first, second = created(client), created(client)
    dispatch(client, first)
    dispatch(client, second)
    (seconds,) = dispatch_ids(client, second)
    before = history(client, first)
    result = reply_to(client, first, seconds)
    refused(result, "wrong-work-order")
    assert first in (result.reason or "") and second in (result.reason or "")
    assert (state(client, first), history(client, first)) == ("DISPATCHED", before)
    assert reply_to(client, second, seconds).processed  # the right one is still taken
    assert state(client, second) == "IN_PROGRESS"


def test_a_reply_naming_another_work_order_than_its_dispatch_at_intake_is_refused(client: WorkerTestClient) -> None:
    first = text(send(client, "CreateWorkOrder.valid-dispatch-at-intake.xml"), "wo:WorkOrderId") or ""
    second = text(send(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13900139000"),
                  "wo:WorkOrderId") or ""  # another customer's: a repeat of the first would not be dispatched
    (firsts,) = dispatch_ids(client, first)
    refused(reply_to(client, second, firsts), "wrong-work-order")
    assert state(client, second) == "DISPATCHED"


def test_a_childs_reply_correlated_with_its_incidents_fault_report_is_refused(client: WorkerTestClient,
                                                                               runtime: WorkflowRuntime) -> None:
    incident_id = opened_incident(client, runtime)
    (report_id,) = dispatch_ids(client, incident_id)
    child = next(e.payload for e, _ in client.sent if e.command_type == "nsp.NetworkComplaintDispatch")
    child_id = child.split(b"<nsp:WorkOrderId>")[1].split(b"<")[0].decode()
    refused(reply_to(client, child_id, report_id), "wrong-work-order")
    assert reply_to(client, incident_id, report_id).processed
