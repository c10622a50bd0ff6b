"""A read answered by a release before migration 0008 was recorded with its whole answer (from 8ccdb9b behind the
request's fingerprint, before that bare); after the upgrade a repeat of it under the same MessageId is answered
afresh, as the work order is now, not with that stale answer (for keep_processed_days a front end retrying a
QueryWorkOrder was told a cancelled work order was still ACCEPTED). An id reused for another document is still
refused; a write's recorded answer is still given back. Again on PostgreSQL:
tests/integration/workflow/test_reads_kept_whole_on_postgres.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from lxml import etree
from sqlalchemy import update

from hub.envelope import Envelope
from hub.routing.codec import message_from_envelope
from hub.routing.outbound import BrokerOutbound
from hub.routing.table import RoutingTable
from hub.transport import Broker, TopologyConfig, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker, WorkerTestClient
from hub.workers.fingerprint import answered_unkept, seal
from hub.workflow import wiring
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.schema import processed_messages
from tests.support.processed_keys import key_of
from tests.unit.workflow.kit import act, answer, command, envelope, text

pytestmark = pytest.mark.unit

KEPT_WHOLE: dict[str, Callable[[bytes, Envelope], bytes]] = {
    "behind its fingerprint": lambda reply, query: seal(reply, query) or b"",  # 8ccdb9b to 0008 (f7758f4)
    "bare": lambda reply, query: reply,  # before 8ccdb9b: no fingerprint
}


def state(reply: bytes | None) -> str | None:
    return text(etree.fromstring(reply or b"<none/>"), "wo:WorkOrder/wo:State")


def created(client: WorkerTestClient) -> tuple[str, Envelope]:
    """A new work order's id and its CreateWorkOrder."""
    create = envelope(*command("CreateWorkOrder.valid.xml"))
    work_order_id = text(answer(client.request(create)), "wo:WorkOrderId")
    assert work_order_id is not None
    return work_order_id, create


def kept_whole(runtime: WorkflowRuntime, query: Envelope, reply: bytes) -> None:
    """Record ``reply`` as the older release did: the read's whole answer."""
    with runtime.store.engine.begin() as connection:
        changed = connection.execute(update(processed_messages)
                                     .where(processed_messages.c.message_id == key_of(wiring.CONSUMER, query))
                                     .values(reply=reply))
        assert changed.rowcount == 1


def answered_by_the_older_release(client: WorkerTestClient, runtime: WorkflowRuntime, work_order_id: str,
                                  kind: str) -> tuple[Envelope, bytes]:
    """QueryWorkOrder answered and recorded with its whole answer (``kind``); the query and that answer."""
    query = envelope(*command("QueryWorkOrder.valid.xml", WorkOrderId=work_order_id))
    first = client.request(query).reply
    assert first is not None and state(first) == "ACCEPTED"
    kept_whole(runtime, query, KEPT_WHOLE[kind](first, query))
    return query, first


@pytest.mark.parametrize("kind", sorted(KEPT_WHOLE))
def test_a_repeat_of_a_read_kept_whole_is_answered_afresh(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                          kind: str) -> None:
    work_order_id, _ = created(client)
    query, _ = answered_by_the_older_release(client, runtime, work_order_id, kind)
    act(client, work_order_id, "WorkOrderAction.valid-cancel.xml")
    again = client.request(query)
    assert not again.dead and state(again.reply) == "CANCELLED"


def test_an_id_of_a_read_kept_whole_reused_for_another_document_is_refused(client: WorkerTestClient,
                                                                           runtime: WorkflowRuntime) -> None:
    work_order_id, _ = created(client)
    other_id, _ = created(client)
    query, _ = answered_by_the_older_release(client, runtime, work_order_id, "behind its fingerprint")
    other = envelope(*command("QueryWorkOrder.valid.xml", WorkOrderId=other_id))
    refusal = answer(client.request(Envelope(query.message_id, other.command_type, other.source_system,
                                             other.payload)))
    assert text(refusal, "c:Code") == "message-id-reused"


def test_a_writes_recorded_answer_is_still_given_back(client: WorkerTestClient) -> None:
    work_order_id, create = created(client)
    act(client, work_order_id, "WorkOrderAction.valid-cancel.xml")
    again = answer(client.request(create))  # the creation's answer, not a second work order
    assert text(again, "wo:WorkOrderId") == work_order_id and text(again, "wo:State") == "ACCEPTED"


def test_only_a_read_runs_again_on_its_whole_record() -> None:
    query = envelope(*command("QueryWorkOrder.valid.xml"))
    other = envelope(*command("QueryWorkOrders.valid-no-filter.xml"))
    whole = seal(b"<answer/>", query)
    assert answered_unkept(query, whole, reads=True) and answered_unkept(query, b"<answer/>", reads=True)
    assert not answered_unkept(query, whole)  # a request that does not only read: its answer is given back
    assert not answered_unkept(Envelope(query.message_id, other.command_type, other.source_system, other.payload),
                               whole, reads=True)  # another request's record: answer_for refuses the reuse
    assert not answered_unkept(query, None, reads=True)


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"r{uuid.uuid4().hex[:10]}")) as opened:
        yield opened


def test_in_a_batch_a_repeat_of_a_read_kept_whole_is_answered_afresh(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime, broker: Broker) -> None:
    work_order_id, _ = created(client)
    query, _ = answered_by_the_older_release(client, runtime, work_order_id, "behind its fingerprint")
    act(client, work_order_id, "WorkOrderAction.valid-cancel.xml")
    sets = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=broker.config.consumers, command_types=sets.command_types())
    outbound = BrokerOutbound(broker, table, DocumentValidator(sets), confirm_timeout=5)
    worker = Worker(broker, wiring.CONSUMER, wiring.handlers, store=WorkOrderProcessedStore(runtime.store, max_batch=8),
                    dependencies={"workflow": runtime}, outbound=outbound)
    future = broker.request(broker.config.commands_exchange,
                            message_from_envelope(query, routing_key(wiring.CONSUMER, query.command_type),
                                                  for_request=True), timeout=15)
    delivery = broker.get(broker.config.queue(wiring.CONSUMER))
    assert delivery is not None
    worker.handle_batch([delivery])
    assert state(future.result(5).body) == "CANCELLED"
