"""The broker-backed router on the in-memory broker (the same contract as RabbitMQ)."""

import asyncio
import threading
import uuid

import pytest

from hub.envelope import Envelope
from hub.routing import BrokerRouter, RoutingTable, envelope_from_message
from hub.routing.router import MessageIdReused
from hub.transport import TopologyConfig, open_broker
from hub.transport.topology import DEFAULT_CONSUMERS

pytestmark = pytest.mark.unit


@pytest.fixture
def broker():
    opened = open_broker("memory://", TopologyConfig(prefix=f"u{uuid.uuid4().hex[:8]}"))
    yield opened
    opened.close()


def routes(*targets: str) -> RoutingTable:
    data = {"routes": [{"name": "all", "commands": "workorder.*", "to": list(targets)},
                       {"name": "notices", "commands": "nsp.OutageNotice", "to": "broadcast"}]}
    return RoutingTable.from_mapping(data, "test", consumers=set(DEFAULT_CONSUMERS),
                                     command_types=["workorder.CreateWorkOrder", "nsp.OutageNotice"])


def envelope(message_id: str, command_type: str = "workorder.CreateWorkOrder") -> Envelope:
    return Envelope(message_id, command_type, "CS", b"<x/>", headers={"ingress": "xml"})


def test_routes_to_every_target_queue_with_the_envelope_intact(broker):
    router = BrokerRouter(broker, routes("workflow", "oa"))
    sent = envelope("m-000000000001")
    result = asyncio.run(router.route(sent))
    assert result.targets == ("workflow", "oa")
    assert not result.duplicate
    config = broker.config
    assert broker.message_count(config.queue("workflow")) == 1
    assert broker.message_count(config.queue("oa")) == 1
    assert broker.message_count(config.queue("boss")) == 0
    received = []
    arrived = threading.Event()

    def handler(delivery):
        received.append(delivery.message)
        delivery.ack()
        arrived.set()

    consumer = broker.consume(config.queue("workflow"), handler)
    assert arrived.wait(10)
    consumer.close()
    assert envelope_from_message(received[0]) == sent
    assert received[0].routing_key == "workflow.workorder.CreateWorkOrder"


def test_broadcast_reaches_every_consumer_that_acts_on_it(broker):
    router = BrokerRouter(broker, routes("workflow"))
    asyncio.run(router.route(envelope("m-000000000002", "nsp.OutageNotice")))
    counts = {c: broker.message_count(broker.config.queue(c)) for c in broker.config.consumers}
    assert counts == {"boss": 0, "crm": 1, "nsp": 0, "dsmp": 0, "oa": 1, "mail": 0, "bulletin": 1, "workflow": 1}


def test_a_retry_of_a_confirmed_message_is_a_duplicate_and_not_published_again(broker):
    router = BrokerRouter(broker, routes("workflow"))
    asyncio.run(router.route(envelope("m-000000000003")))
    again = asyncio.run(router.route(envelope("m-000000000003")))
    assert again.duplicate
    assert broker.message_count(broker.config.queue("workflow")) == 1


def test_a_message_id_reused_for_another_command_is_refused_and_not_published(broker):
    router = BrokerRouter(broker, routes("workflow"))
    asyncio.run(router.route(envelope("m-000000000004")))
    other = Envelope("m-000000000004", "workorder.CreateWorkOrder", "CS", b"<y/>", headers={"ingress": "xml"})
    with pytest.raises(MessageIdReused, match="m-000000000004"):
        asyncio.run(router.route(other))
    assert broker.message_count(broker.config.queue("workflow")) == 1


def test_reload_swaps_the_table_for_later_messages(broker):
    router = BrokerRouter(broker, routes("workflow"))
    asyncio.run(router.route(envelope("m-000000000004")))
    router.reload(routes("oa"))
    asyncio.run(router.route(envelope("m-000000000005")))
    assert broker.message_count(broker.config.queue("workflow")) == 1
    assert broker.message_count(broker.config.queue("oa")) == 1
    assert asyncio.run(router.ready())


def test_the_same_message_id_from_two_systems_is_two_commands(broker):
    """OA sending under the id CS will use next does not use it up (the security review's repro): the key is
    (source system, message id); the same system's reuse stays refused and its retry a duplicate."""
    router = BrokerRouter(broker, routes("workflow"))
    squatted = Envelope("cs-20261207-000001", "workorder.CreateWorkOrder", "OA", b"<oa/>", headers={"ingress": "xml"})
    assert not asyncio.run(router.route(squatted)).duplicate
    assert not asyncio.run(router.route(envelope("cs-20261207-000001"))).duplicate
    assert broker.message_count(broker.config.queue("workflow")) == 2
    assert asyncio.run(router.route(envelope("cs-20261207-000001"))).duplicate
    other = Envelope("cs-20261207-000001", "workorder.CreateWorkOrder", "CS", b"<y/>", headers={"ingress": "xml"})
    with pytest.raises(MessageIdReused):
        asyncio.run(router.route(other))
    assert broker.message_count(broker.config.queue("workflow")) == 2
