"""Helpers of the mass-complaint incident tests: complaints at an intake point, what NSP was sent, the store's
incident tables read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, select

from hub.config.workflow import WorkflowSettings
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.schema import complaint_windows, open_incidents, work_orders
from tests.unit.workflow.kit import EXAMPLES, WO, answer, command, envelope, text

NSP = "urn:onepoint:nsp:1"
HALL = "HALL-0755-FT01"  # a business hall in Futian
CALLS = "01.02.03"  # cannot originate calls (the example's phenomenon, its template filled at intake)
SMS = "03.01.02"  # cannot receive SMS


def settings(database: str, **changes: Any) -> WorkflowSettings:
    return WorkflowSettings(database=database, **changes)


def client_of(runtime: WorkflowRuntime) -> WorkerTestClient:
    """A WorkerTestClient as tests/unit/workflow/conftest.py builds it, for a runtime of the test's own."""
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    tier_answer = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=lambda envelope: tier_answer)
    return WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                            store=WorkOrderProcessedStore(runtime.store), outbound=outbound)


def complaint_document(number: int, *, intake: str = HALL, category: str = CALLS) -> tuple[etree._Element, str]:
    """CreateWorkOrder from the dispatch-at-intake example: customer ``number``, taken at ``intake``."""
    document, message_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn=f"1380013{number:04d}",
                                   CategoryCode=category)
    taken_by = document.find(f"{{{WO}}}TakenBy")
    assert taken_by is not None
    point = etree.Element(f"{{{WO}}}IntakePoint")
    point.text = intake
    taken_by.addnext(point)
    return document, message_id


def complain(client: WorkerTestClient, number: int, *, intake: str = HALL,
             category: str = CALLS) -> etree._Element:
    """Send one complaint; its CreateWorkOrderResponse."""
    return answer(client.request(envelope(*complaint_document(number, intake=intake, category=category))))


def nsp_dispatches(client: WorkerTestClient) -> list[etree._Element]:
    return [etree.fromstring(e.payload) for e, _ in client.sent if e.command_type == "nsp.NetworkComplaintDispatch"]


def mass_dispatches(client: WorkerTestClient) -> list[etree._Element]:
    return [d for d in nsp_dispatches(client) if d.findtext(f"{{{NSP}}}MassComplaint") == "true"]


def query(client: WorkerTestClient, work_order_id: str) -> etree._Element:
    document, message_id = command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id)
    found = answer(client.request(envelope(document, message_id)))
    schema = CommandSetRegistry.installed().get("workorder").lxml_schema
    assert schema.validate(found), schema.error_log
    return found


def field(root: etree._Element, name: str) -> str | None:
    return text(root, f"wo:WorkOrder/wo:{name}")


def incidents(runtime: WorkflowRuntime) -> list[dict[str, Any]]:
    with runtime.store.engine.connect() as connection:
        found = connection.execute(select(work_orders).where(work_orders.c.ticket_type == "INCIDENT")
                                   .order_by(work_orders.c.created_at))
        return [dict(row) for row in found.mappings()]


def children(runtime: WorkflowRuntime, incident_id: str) -> list[dict[str, Any]]:
    with runtime.store.engine.connect() as connection:
        found = connection.execute(select(work_orders).where(work_orders.c.incident_id == incident_id))
        return [dict(row) for row in found.mappings()]


def open_incident_rows(runtime: WorkflowRuntime) -> list[tuple[str, str]]:
    with runtime.store.engine.connect() as connection:
        return [(str(r[0]), str(r[1])) for r in connection.execute(
            select(open_incidents.c.window_key, open_incidents.c.incident_id))]


def window_rows(runtime: WorkflowRuntime) -> int:
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(complaint_windows)).scalar_one())


def database_file(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'incidents.db'}"
