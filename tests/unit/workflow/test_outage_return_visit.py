"""A return visit of a complaint answered at intake from an outage notice waits for the notice's clearance
(docs/outages.md, "Off the SLA clock"): the customer was told the notice's wording, not that the fault is fixed, and
a visit recorded while the outage is on took the complaint out of the outage's handling (RETURN_VISITED is neither
replied by the clearance nor unlinked by a withdrawal: the customer kept a false explanation and nobody was told).
The clearance's recovery reply makes it REPLIED and the visit is due as for any reply; one a withdrawal or revision
unlinked may be visited straight from AUTO_ANSWERED, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.kit import act, text
from tests.unit.workflow.test_outage_rule import NOTICE_ID, cleared_envelope, clock, complain, notice_envelope
from tests.unit.workflow.test_outage_withdrawal import withdrawn_envelope

pytestmark = pytest.mark.unit
VISIT = "WorkOrderAction.valid-callback.xml"


def answered(client: WorkerTestClient) -> str:
    """A complaint the active notice answers at intake."""
    created = complain(client)
    assert text(created, "wo:State") == "AUTO_ANSWERED" and text(created, "wo:OutageNoticeId") == NOTICE_ID
    return text(created, "wo:WorkOrderId") or ""


def test_a_visit_while_the_outage_is_on_is_refused_and_the_clearance_lets_it(client: WorkerTestClient,
                                                                            runtime: WorkflowRuntime) -> None:
    assert client.send(notice_envelope()).processed
    work_order_id = answered(client)
    clock(runtime).advance(timedelta(minutes=30))
    refused = act(client, work_order_id, VISIT)
    assert text(refused, "c:Code") == "outage-not-cleared"
    assert text(refused, "c:Message") == (
        f"Callback is not allowed on work order {work_order_id} in state AUTO_ANSWERED while its outage notice "
        f"{NOTICE_ID} is active: the customer was told the notice's wording, not a fix; the return visit comes "
        "after the outage's clearance replies it (REPLIED)")
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["state"] == "AUTO_ANSWERED" and view.row["satisfaction"] is None
    assert client.send(cleared_envelope()).processed  # the recovery reply
    assert text(act(client, work_order_id, VISIT), "wo:State") == "RETURN_VISITED"


def test_a_complaint_the_withdrawal_unlinked_is_visited_as_before(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    assert client.send(notice_envelope()).processed
    work_order_id = answered(client)
    assert client.send(withdrawn_envelope()).processed  # unlinked: back on its reply limit
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["outage_id"] is None and view.row["state"] == "AUTO_ANSWERED"
    # a return visit straight from AUTO_ANSWERED (the reply limit never met): nothing is due any more
    assert text(act(client, work_order_id, VISIT), "wo:State") == "RETURN_VISITED"
    clock(runtime).advance(timedelta(days=3))
    assert scheduler.run_pass().fired == 0
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.deadlines == []
