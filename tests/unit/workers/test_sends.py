"""Handlers send commands through the outbound path: validated, routed, ids derived from the cause and step."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.routing.outbound import BrokerOutbound, OutboundError, derive_message_id
from hub.routing.table import RoutingTable
from hub.store import MemoryProcessedStore
from hub.transport import TopologyConfig, open_broker
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Classifier, HandlerRegistry, Processor, Sender, TransientError, WorkerTestClient
from tests.support.worker_handlers import dispatching, example

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"


def work_order() -> Envelope:
    mid = f"cs-{uuid.uuid4().hex[:16]}"
    return Envelope(mid, "workorder.CreateWorkOrder", "CS", example("workorder/CreateWorkOrder.valid.xml"),
                    correlation_id="cs-corr-000042")


def test_a_sent_command_is_routed_with_an_id_derived_from_the_cause_and_the_step() -> None:
    client = WorkerTestClient(dispatching, consumer="workflow")
    cause = work_order()
    assert client.send(cause).processed
    [(sent, targets)] = client.sent
    assert targets == ("nsp",)
    assert sent.command_type == "nsp.NetworkComplaintDispatch" and sent.source_system == "HUB"
    assert sent.message_id == derive_message_id(cause.message_id, "dispatch-nsp", "workflow", cause.source_system)
    header = etree.fromstring(sent.payload)[0]
    assert header.findtext(f"{{{C}}}MessageId") == sent.message_id
    assert sent.headers["caused-by"] == cause.message_id and sent.headers["step"] == "dispatch-nsp"


def test_a_handler_run_again_sends_the_same_ids() -> None:
    failures = [TransientError("crm timed out after the dispatch went out")]
    handlers = HandlerRegistry()

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(env: Envelope, outbound: Sender) -> str:
        outbound.send(example("nsp/NetworkComplaintDispatch.valid.xml"), step="dispatch-nsp")
        if failures:
            raise failures.pop(0)
        return "dispatched"

    client = WorkerTestClient(handlers, consumer="workflow")
    assert client.send(work_order()).attempts == 2
    first, again = client.sent
    assert first[0].message_id == again[0].message_id


def test_derived_ids_differ_by_step_cause_and_consumer_and_fit_the_schema() -> None:
    ids = {derive_message_id("m1", "a", "workflow"), derive_message_id("m1", "b", "workflow"),
           derive_message_id("m2", "a", "workflow"), derive_message_id("m1", "a", "crm")}
    assert len(ids) == 4
    assert all(len(i) == 32 and i.isalnum() for i in ids)


def test_the_same_message_id_from_two_systems_derives_two_ids() -> None:
    """The same MessageId from two systems is two messages (hub.store.keys): the sends of one must not carry the
    other's ids, or the downstream consumer would drop one as the other's repeat."""
    ids = {derive_message_id("m1", "nsp-dispatch-0", "workflow", source) for source in ("CS", "OA", "")}
    assert len(ids) == 3


def test_a_sent_commands_id_follows_its_causes_source_system() -> None:
    client = WorkerTestClient(dispatching, consumer="workflow")
    cs = work_order()
    assert client.send(cs).processed and client.send(replace(cs, source_system="OA")).processed
    (from_cs, _), (from_oa, _) = client.sent
    assert from_cs.message_id != from_oa.message_id


def test_an_invalid_command_is_not_sent_and_the_message_is_dead_lettered() -> None:
    handlers = HandlerRegistry()

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(env: Envelope, outbound: Sender) -> None:
        outbound.send(example("nsp/NetworkComplaintDispatch.invalid-bad-area-code.xml"), step="dispatch-nsp")

    client = WorkerTestClient(handlers, consumer="workflow")
    result = client.send(work_order())
    assert result.dead and result.attempts == 1 and "DocumentRefused" in (result.reason or "")
    assert client.sent == []


def test_the_same_step_twice_in_one_run_is_a_defect() -> None:
    handlers = HandlerRegistry()

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(env: Envelope, outbound: Sender) -> None:
        for _ in range(2):
            outbound.send(example("nsp/NetworkComplaintDispatch.valid.xml"), step="dispatch-nsp")

    client = WorkerTestClient(handlers, consumer="workflow")
    result = client.send(work_order())
    assert result.dead and "already sent" in (result.reason or "")
    assert len(client.sent) == 1


def test_outbound_is_a_built_in_not_a_dependency() -> None:
    with pytest.raises(ValueError, match="built-in"):
        WorkerTestClient(dispatching, consumer="workflow", dependencies={"outbound": object()})


def test_a_handler_asking_for_outbound_needs_a_worker_with_one() -> None:
    with pytest.raises(LookupError, match="outbound"):
        Processor("workflow", dispatching, MemoryProcessedStore(), tiers=())


def test_a_send_the_broker_does_not_confirm_is_a_transient_outbound_error(registry: CommandSetRegistry) -> None:
    topology = TopologyConfig(prefix="nonsp", consumers=("boss", "crm", "workflow"))  # no queue takes nsp.*
    table = RoutingTable.load(None, consumers=DEFAULT_CONSUMERS, command_types=registry.command_types())
    with open_broker("memory://", topology) as broker:
        outbound = BrokerOutbound(broker, table, DocumentValidator(registry), confirm_timeout=5)
        with pytest.raises(OutboundError, match="UnroutableError") as failed:
            outbound.send(example("nsp/NetworkComplaintDispatch.valid.xml"), cause=work_order(), step="dispatch")
    assert Classifier()(failed.value).transient


def _sent_header(document: etree._Element, cause: Envelope) -> list[tuple[str, str]]:
    handlers = HandlerRegistry()

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(env: Envelope, outbound: Sender) -> str:
        outbound.send(document, step="dispatch-nsp")
        return "dispatched"

    client = WorkerTestClient(handlers, consumer="workflow")
    assert client.send(cause).processed
    [(sent, _)] = client.sent
    return [(etree.QName(field).localname, field.text or "") for field in etree.fromstring(sent.payload)[0]]


def test_the_header_gets_our_ids_and_the_causes_correlation_id_only_when_it_has_none() -> None:
    cause = work_order()
    given = etree.fromstring(example("nsp/NetworkComplaintDispatch.valid.xml"))
    before = etree.tostring(given)
    derived = derive_message_id(cause.message_id, "dispatch-nsp", "workflow", cause.source_system)
    assert _sent_header(given, cause)[:3] == [("MessageId", derived), ("CorrelationId", "cs-20261123-000100"),
                                              ("SourceSystem", "HUB")]
    assert etree.tostring(given) == before  # the caller's element is not changed
    header = given[0]
    header.remove(header.find(f"{{{C}}}CorrelationId"))
    header.find(f"{{{C}}}SourceSystem").text = "CS"
    assert _sent_header(given, cause)[:3] == [("MessageId", derived), ("CorrelationId", "cs-corr-000042"),
                                              ("SourceSystem", "HUB")]
