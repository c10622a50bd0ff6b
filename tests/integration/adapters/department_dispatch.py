"""A complaint the hotline agent takes and dispatches to a department (not NSP), for the OA to-do tests: the hub
pushes that department an OA to-do, ``<work order>-dsp1``."""

from __future__ import annotations

from tests.integration.workflow.test_complaint_end_to_end import CATEGORY, HotlineAgent
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text

__all__ = ["DEPARTMENT", "dispatched_to_department"]

DEPARTMENT = "NOC-PROV"  # the example dispatch's ToDepartment


def dispatched_to_department(agent: HotlineAgent, msisdn: str) -> str:
    """A new work order of ``msisdn``, dispatched to ``DEPARTMENT`` (through BOSS, which takes no dispatch: OA);
    its id."""
    created = agent.answered(agent.document("CreateWorkOrder.valid.xml", Msisdn=msisdn, ContactNumber=msisdn,
                                            CategoryCode=CATEGORY))
    work_order_id = wo_text(created, "wo:WorkOrderId") or ""
    document = agent.document("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id,
                              **{"Dispatch/wo:ToSystem": "BOSS"})  # the example's fields: all its template wants
    assert wo_text(agent.answered(document), "wo:State") == "DISPATCHED"
    return work_order_id
