"""``DueAt`` is absent while the clock is paused (PENDING, SUSPENDED), as docs/work-order-queries.md and the schema
say, even when the reply limit had passed before the pause: the deadline is not known until the work order resumes
(``Deadlines/Paused`` says true meanwhile); once resumed it is shown again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NS, created, dispatch, query, send
from tests.unit.workflow.kit import START, text

pytestmark = pytest.mark.unit


def shown(client: WorkerTestClient, work_order_id: str) -> list[tuple[str | None, str | None, str | None]]:
    one = send(client, "QueryWorkOrder.valid.xml", WorkOrderId=work_order_id).find("wo:WorkOrder", NS)
    many = query(client, Msisdn="13800138000").find("wo:WorkOrder", NS)
    assert isinstance(one, etree._Element) and isinstance(many, etree._Element)
    return [(text(e, "wo:State"), text(e, "wo:DueAt"), text(e, "wo:Deadlines/wo:Paused")) for e in (one, many)]


@pytest.mark.parametrize("late", [False, True])
def test_no_due_at_while_pending(client: WorkerTestClient, runtime: WorkflowRuntime, late: bool) -> None:
    assert isinstance(runtime.clock, ManualClock)
    work_order_id = created(client)  # VIP: a reply limit of 6 hours
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-start.xml", WorkOrderId=work_order_id)
    runtime.clock.advance(timedelta(hours=8 if late else 1))
    send(client, "WorkOrderAction.valid-pend.xml", WorkOrderId=work_order_id)
    assert shown(client, work_order_id) == [("PENDING", None, "true")] * 2
    runtime.clock.advance(timedelta(hours=1))
    send(client, "WorkOrderAction.valid-supply-info.xml", WorkOrderId=work_order_id)
    assert all(due is not None and paused == "false" for _, due, paused in shown(client, work_order_id))


def test_no_due_at_while_suspended_after_the_limit(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    work_order_id = created(client)
    runtime.clock.advance(timedelta(hours=8))
    send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id,
         **{"Suspend/wo:Until": (START + timedelta(days=2)).isoformat()})
    assert shown(client, work_order_id) == [("SUSPENDED", None, "true")] * 2
