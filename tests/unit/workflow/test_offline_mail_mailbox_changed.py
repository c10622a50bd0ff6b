"""The mailbox an e-mailed dispatch went to is recorded with it (history entry ``mail_sent_to``), so its withdrawal
goes there even when ``[mail.offline.<dept>] mailbox`` changed (or the department is no longer offline) between the
dispatch and the move that ends it: the handler who holds the work order is the one told, not the new mailbox."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from tests.unit.workflow.kit import EXAMPLES, START, WO, act, answer, command, envelope, template_dispatch, text

pytestmark = pytest.mark.unit

MAIL = "urn:onepoint:mail:1"
OLD, NEW = "billing-desk@example.com", "billing-team@example.com"
BILLING_FIELDS = {"bill_month": "2026-10", "charge_item": "International roaming data", "amount": "268.50"}


@pytest.fixture
def database(tmp_path: Path, migrated_store: Path) -> Path:
    copied = tmp_path / "workorders.db"
    shutil.copyfile(migrated_store, copied)
    return copied


@pytest.fixture
def opened() -> Iterator[list[WorkflowRuntime]]:
    runtimes: list[WorkflowRuntime] = []
    yield runtimes
    for runtime in runtimes:
        runtime.close()


def _client(database: Path, opened: list[WorkflowRuntime], offline: dict[str, str]) -> WorkerTestClient:
    """A workflow worker on ``database`` with ``[mail.offline]`` as ``offline`` (a restart after a config change)."""
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{database}"), clock=ManualClock(START),
                           offline_mailboxes=offline)
    opened.append(runtime)
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    tier_answer = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=lambda envelope: tier_answer)
    return WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                            store=WorkOrderProcessedStore(runtime.store), outbound=outbound)


def _dispatched(client: WorkerTestClient, msisdn: str) -> str:
    document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode="05.01.01", Msisdn=msisdn)
    work_order_id = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""
    document, message_id = template_dispatch(work_order_id, BILLING_FIELDS)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"
    return work_order_id


def _mail_documents(client: WorkerTestClient, before: int, name: str) -> list[etree._Element]:
    sent = [etree.fromstring(e.payload) for e, _ in client.sent[before:]]
    return [doc for doc in sent if etree.QName(doc).localname == name]


def test_the_withdrawal_goes_to_the_mailbox_the_dispatch_went_to(database: Path,
                                                                 opened: list[WorkflowRuntime]) -> None:
    before_change = _client(database, opened, {"BILLING": OLD})
    work_order_id = _dispatched(before_change, "13800004201")
    (dispatch_mail,) = _mail_documents(before_change, 0, "DispatchMail")
    assert dispatch_mail.findtext(f"{{{MAIL}}}Mailbox") == OLD
    shown = act(before_change, work_order_id, "QueryWorkOrder.valid.xml")
    recorded = [e.findtext(f"{{{WO}}}NewValue") for e in shown.iter(f"{{{WO}}}History")
                if e.findtext(f"{{{WO}}}Field") == "mail_sent_to"]
    assert recorded == [f"{work_order_id}-dsp1: b***@example.com"]  # masked in the answer, as in the logs
    assert OLD not in etree.tostring(shown).decode()
    after_change = _client(database, opened, {"BILLING": NEW})  # the desk's mailbox changed, the hub restarted
    act(after_change, work_order_id, "WorkOrderAction.valid-cancel.xml")
    (withdrawal,) = _mail_documents(after_change, 0, "WithdrawMail")
    assert withdrawal.findtext(f"{{{MAIL}}}Mailbox") == OLD  # the holder, not the new mailbox


def test_the_holder_hears_even_when_the_department_is_no_longer_offline(database: Path,
                                                                        opened: list[WorkflowRuntime]) -> None:
    work_order_id = _dispatched(_client(database, opened, {"BILLING": OLD}), "13800004202")
    online_now = _client(database, opened, {})
    act(online_now, work_order_id, "WorkOrderAction.valid-cancel.xml")
    (withdrawal,) = _mail_documents(online_now, 0, "WithdrawMail")
    assert withdrawal.findtext(f"{{{MAIL}}}Mailbox") == OLD
