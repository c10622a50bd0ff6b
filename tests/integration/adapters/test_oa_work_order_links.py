"""The whole system on memory://: OA's credential reads through ``GET /workorders/ID`` (its items' links) and
QueryWorkOrder only the work orders the hub pushed OA an item of (``hub.workflow.work_order_readers``). A work order
it holds no to-do or to-read of is 404 ``unknown-work-order``, as one that does not exist; once the hub pushed a
department's to-do of it, the link shows it. The complaint front end reads any. Before, OA read every work order,
the customer's numbers and whole history included."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from emulators.population import generate_population
from tests.integration.adapters.department_dispatch import dispatched_to_department
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    SEED,
    SUBSCRIBERS,
    HotlineAgent,
    seeded_emulators,
)
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text

pytestmark = pytest.mark.integration

OA_TOKEN, CS_TOKEN = "oa-dev-token", "cs-dev-token"  # the development callers (hub/config/defaults.toml)
UNKNOWN = "WO20260101AAAAAAAA"


def link(base_url: str, work_order_id: str, token: str) -> httpx.Response:
    return httpx.get(f"{base_url}/workorders/{work_order_id}", headers={"Authorization": f"Bearer {token}"},
                     timeout=30)


def query_as_oa(base_url: str, agent: HotlineAgent, work_order_id: str) -> httpx.Response:
    """QueryWorkOrder over the XML ingress with OA's token and SourceSystem."""
    document = agent.document("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id,
                              **{"Header/c:SourceSystem": "OA"})
    return httpx.post(f"{base_url}/xml/workorder", content=etree.tostring(document, xml_declaration=True,
                                                                          encoding="UTF-8"),
                      headers={"Authorization": f"Bearer {OA_TOKEN}", "Content-Type": "application/xml"},
                      timeout=30)


def test_oa_reads_only_the_work_orders_of_its_items(tmp_path: Path, emulator_factory: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "oa-work-order-links-e2e-audit-key-0123456789")
    monkeypatch.chdir(tmp_path)
    customer = generate_population(SEED, SUBSCRIBERS).subscribers[0]
    start_emulator = seeded_emulators(emulator_factory)
    with running_system("memory://", tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        created = agent.answered(agent.document("CreateWorkOrder.valid.xml", Msisdn=customer.msisdn,
                                                ContactNumber=customer.msisdn, CategoryCode=CATEGORY))
        kept = wo_text(created, "wo:WorkOrderId")  # ACCEPTED, never dispatched nor escalated: no OA item
        unknown = link(hub.base_url, UNKNOWN, OA_TOKEN)
        hidden = link(hub.base_url, kept, OA_TOKEN)
        queried = query_as_oa(hub.base_url, agent, kept)
        shown_to_cs = link(hub.base_url, kept, CS_TOKEN)
        dispatched = dispatched_to_department(agent, customer.msisdn)  # the department's OA to-do <id>-dsp1
        shown_to_oa = link(hub.base_url, dispatched, OA_TOKEN)
    assert (unknown.status_code, hidden.status_code) == (404, 404)
    assert "<c:Code>unknown-work-order</c:Code>" in hidden.text
    assert hidden.text.replace(kept, "ID") == unknown.text.replace(UNKNOWN, "ID")  # nothing tells it exists
    assert customer.msisdn not in hidden.text and customer.msisdn not in queried.text
    assert queried.status_code == 422 and b"unknown-work-order" in queried.content
    assert shown_to_cs.status_code == 200 and f"<wo:WorkOrderId>{kept}</wo:WorkOrderId>" in shown_to_cs.text
    assert shown_to_oa.status_code == 200 and f"<wo:WorkOrderId>{dispatched}</wo:WorkOrderId>" in shown_to_oa.text
