"""A read's answer is not kept with its processed record (QueryWorkOrder — the link of OA's items —,
QueryWorkOrders, QueryStatistics): the record holds the request's fingerprint alone, so a repeat of the request is
answered afresh and an id reused for another document is still refused; an answer of a write stays recorded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.routing.outbound import BrokerOutbound
from hub.routing.table import RoutingTable
from hub.store.keys import processed_key
from hub.transport import Broker, TopologyConfig, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker, WorkerTestClient
from hub.workflow import wiring
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderProcessedStore
from tests.support.answers import recorded_answer
from tests.support.processed_keys import key_of
from tests.unit.workflow.kit import act, answer, command, envelope, text

pytestmark = pytest.mark.unit

UNKEPT = b"\x00unkept-sha256:"


def record(client: WorkerTestClient, message_id: str) -> bytes:
    found = client.store.reply(processed_key(wiring.CONSUMER, "CS", message_id))
    assert found is not None
    return found


def create(client: WorkerTestClient) -> tuple[str, bytes, str]:
    document, message_id = command("CreateWorkOrder.valid.xml")
    result = client.request(envelope(document, message_id))
    assert result.reply is not None
    work_order_id = text(answer(result), "wo:WorkOrderId")
    assert work_order_id is not None
    return work_order_id, result.reply, message_id


def test_a_query_keeps_no_answer_and_its_repeat_is_answered_afresh(client: WorkerTestClient) -> None:
    work_order_id, created, created_id = create(client)
    query = envelope(*command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id))
    first = answer(client.request(query))
    state = text(first, "wo:WorkOrder/wo:State")
    assert state is not None
    assert record(client, query.message_id).startswith(UNKEPT)  # the fingerprint, no answer
    assert len(record(client, query.message_id)) < 100
    act(client, work_order_id, "WorkOrderAction.valid-escalate.xml")
    again = client.request(query)  # a resend of the same read: run again, the work order as it is now
    assert text(answer(again), "wo:WorkOrder/wo:State") == "ESCALATED" != state
    assert record(client, query.message_id).startswith(UNKEPT)
    assert recorded_answer(record(client, created_id)) == created  # a write's answer stays


def test_an_id_of_a_query_reused_for_another_document_is_refused(client: WorkerTestClient) -> None:
    work_order_id, _, _ = create(client)
    other_id, _, _ = create(client)
    query = envelope(*command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id))
    answer(client.request(query))
    other = envelope(*command("QueryWorkOrder.valid.xml", WorkOrderId=other_id))
    reused = Envelope(query.message_id, other.command_type, other.source_system, other.payload)
    refusal = answer(client.request(reused))
    assert text(refusal, "c:Code") == "message-id-reused"


def test_query_work_orders_and_statistics_keep_no_answer(client: WorkerTestClient) -> None:
    create(client)
    for example in ("QueryWorkOrders.valid-no-filter.xml", "QueryStatistics.valid.xml"):
        query = envelope(*command(example))
        first = client.request(query)
        assert first.reply is not None and etree.fromstring(first.reply) is not None
        assert record(client, query.message_id).startswith(UNKEPT)
        again = client.request(query)
        assert again.reply is not None and etree.QName(etree.fromstring(again.reply)).localname == etree.QName(
            etree.fromstring(first.reply)).localname


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"r{uuid.uuid4().hex[:10]}")) as opened:
        yield opened


def test_in_a_batch_copies_of_a_query_are_each_answered(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                        broker: Broker) -> None:
    work_order_id, _, _ = create(client)
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=broker.config.consumers, command_types=sets.command_types())
    outbound = BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=5)
    store = WorkOrderProcessedStore(runtime.store, max_batch=8)
    worker = Worker(broker, wiring.CONSUMER, wiring.handlers, store=store, dependencies={"workflow": runtime},
                    outbound=outbound)
    query = envelope(*command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id))
    listing = envelope(*command("QueryWorkOrders.valid-no-filter.xml"))
    futures = [broker.request(broker.config.commands_exchange,
                              message_from_envelope(env, routing_key(wiring.CONSUMER, env.command_type),
                                                    for_request=True), timeout=15)
               for env in (query, query, listing)]
    queue = broker.config.queue(wiring.CONSUMER)
    deliveries = [broker.get(queue) for _ in futures]
    worker.handle_batch([d for d in deliveries if d is not None])
    answers = [etree.fromstring(future.result(5).body) for future in futures]
    assert [etree.QName(a).localname for a in answers] == ["QueryWorkOrderResponse"] * 2 + [
        "QueryWorkOrdersResponse"]
    for env in (query, listing):
        assert (store.reply(key_of(wiring.CONSUMER, env)) or b"").startswith(UNKEPT)
