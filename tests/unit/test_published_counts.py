"""``onepoint_messages_published_total{target}`` counts every command the hub publishes (audit repro 07): the
ingress's requests (answered or not answered in time) as well as its commands, and what handlers send through
``BrokerOutbound``: commands (at once or with deferred confirms) and requests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing import BrokerRouter, RoutingTable
from hub.routing.outbound import BrokerOutbound, OutboundError
from hub.transport import Broker, Delivery, RequestTimeoutError, TopologyConfig, open_broker
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator

pytestmark = pytest.mark.unit

PUBLISHED = "onepoint_messages_published_total"


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"p{uuid.uuid4().hex[:8]}")) as opened:
        yield opened


def answering(broker: Broker) -> object:
    def answer(delivery: Delivery) -> None:
        broker.reply(delivery.message, b"<answer/>").result(5)
        delivery.ack()

    return broker.consume(broker.config.queue("boss"), answer)


def table(broker: Broker, registry: CommandSetRegistry, reply_timeout: float = 10) -> RoutingTable:
    route = {"name": "tier", "commands": "boss.*", "to": "boss", "reply_timeout": reply_timeout}
    return RoutingTable.from_mapping({"routes": [route]}, "test", consumers=set(broker.config.consumers),
                                     command_types=registry.command_types())


def lookup(examples_dir: Path) -> Envelope:
    payload = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    return Envelope(f"cs-{uuid.uuid4().hex[:16]}", "boss.QueryCustomerTier", "CS", payload)


def test_a_request_through_the_ingress_router_is_counted_for_its_target(broker, registry, examples_dir) -> None:
    metrics = Metrics()
    router = BrokerRouter(broker, table(broker, registry), metrics=metrics)
    with answering(broker):  # type: ignore[attr-defined]
        result = asyncio.run(router.route(lookup(examples_dir)))
    assert result.reply == b"<answer/>"
    assert metrics.value(PUBLISHED, target="boss") == 1


def test_a_request_published_but_not_answered_in_time_is_counted_too(broker, registry, examples_dir) -> None:
    metrics = Metrics()
    router = BrokerRouter(broker, table(broker, registry, reply_timeout=0.1), metrics=metrics)  # nobody answers
    with pytest.raises(RequestTimeoutError):
        asyncio.run(router.route(lookup(examples_dir)))
    assert metrics.value(PUBLISHED, target="boss") == 1


def outbound(broker: Broker, registry: CommandSetRegistry, metrics: Metrics) -> BrokerOutbound:
    routes = RoutingTable.load(None, consumers=broker.config.consumers, command_types=registry.command_types())
    return BrokerOutbound(broker, routes, DocumentValidator(registry), metrics=metrics, request_timeout=5)


def cause(examples_dir: Path) -> Envelope:
    payload = (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()
    return Envelope(f"cs-{uuid.uuid4().hex[:16]}", "workorder.CreateWorkOrder", "CS", payload)


def test_commands_sent_by_handlers_are_counted_when_confirmed(broker, registry, examples_dir) -> None:
    metrics = Metrics()
    path = outbound(broker, registry, metrics)
    dispatch = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes()
    path.send(dispatch, cause=cause(examples_dir), step="dispatch", consumer="workflow")
    assert metrics.value(PUBLISHED, target="nsp") == 1
    with path.deferred_confirms() as pending:  # a batch worker's sends: counted when their confirms come
        second = cause(examples_dir)
        path.send(dispatch, cause=second, step="dispatch", consumer="workflow")
        assert metrics.value(PUBLISHED, target="nsp") == 1  # held: not published yet
        pending.release(second.message_id)
        pending.wait(5)
    assert metrics.value(PUBLISHED, target="nsp") == 2
    assert broker.message_count(broker.config.queue("nsp")) == 2


def test_requests_sent_by_handlers_are_counted(broker, registry, examples_dir) -> None:
    metrics = Metrics()
    path = outbound(broker, registry, metrics)
    query = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    with answering(broker):  # type: ignore[attr-defined]
        assert path.request(query, cause=cause(examples_dir), step="tier", consumer="workflow") == b"<answer/>"
    assert metrics.value(PUBLISHED, target="boss") == 1
    with pytest.raises(OutboundError):
        path.request(query, cause=cause(examples_dir), step="tier-again", consumer="workflow", timeout=0.1)
    assert metrics.value(PUBLISHED, target="boss") == 2
