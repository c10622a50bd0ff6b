"""The return-visit notice at a VIP or group customer's reply goes to the account manager kept on the work order
(migration 0010): no question to BOSS at the reply, so a reply while BOSS is down still tells the manager, and an
incident's reply tells each of its many VIP children's managers (each asked BOSS with the same outbound step, and
the second was refused: the whole reply dead-lettered)."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.routing.outbound import OutboundError, RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from tests.unit.workflow import test_incidents
from tests.unit.workflow.kit import EXAMPLES, START, answer, command, envelope, text

pytestmark = pytest.mark.unit

TIER = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()  # VIP_GOLD, a manager


def client_with_boss(boss_up: dict[str, bool]) -> tuple[WorkerTestClient, WorkflowRuntime]:
    def answers(sent: Envelope) -> bytes:
        if sent.command_type == "boss.QueryCustomerTier" and not boss_up["up"]:
            raise OutboundError("BOSS: connection refused")
        return TIER

    folder = Path(tempfile.mkdtemp())
    runtime = open_runtime(WorkflowSettings(database=f"sqlite:///{folder / 'wo.db'}"), clock=ManualClock(START))
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=answers)
    client = WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                              store=WorkOrderProcessedStore(runtime.store), outbound=outbound)
    return client, runtime


def sent_since(client: WorkerTestClient, before: int) -> Counter[str]:
    return Counter(e.command_type for e, _ in client.sent[before:])


def test_a_vip_reply_while_boss_is_down_still_tells_the_account_manager() -> None:
    boss = {"up": True}
    client, runtime = client_with_boss(boss)
    try:
        document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode="01.02.03", Msisdn="13800005001")
        work_order_id = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""
        assert runtime.store.get_work_order(work_order_id).row["account_manager_id"]  # type: ignore[union-attr]
        runtime.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
        runtime.tiers._cache.clear()  # what the cache's 5-minute ttl does by then
        boss["up"] = False
        before = len(client.sent)
        document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
        assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "REPLIED"
        assert sent_since(client, before) == Counter({"crm.NotifyAccountManager": 1})
    finally:
        runtime.close()


def test_an_incidents_reply_tells_each_vip_childs_manager(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    incident, children = test_incidents.opened(client, runtime)
    runtime.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    runtime.tiers._cache.clear()
    before = len(client.sent)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=incident)
    result = client.request(envelope(document, message_id))
    assert result.reply is not None, result.final
    states = Counter(runtime.store.get_work_order(c).row["state"] for c in children)  # type: ignore[union-attr]
    assert states == Counter({"REPLIED": len(children)})
    assert sent_since(client, before)["crm.NotifyAccountManager"] == len(children)
