"""A request leaves the ingress stamped with the time its caller stops waiting (``x-onepoint-reply-by``): the
route's ``reply_timeout`` after it was sent, so that a consumer can tell a request nobody waits for any more."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hub.envelope import Envelope
from hub.routing import BrokerRouter, RoutingTable
from hub.routing.broker_router import REPLY_BY
from hub.transport import Broker, Delivery, Message, TopologyConfig, open_broker
from hub.transport.topology import DEFAULT_CONSUMERS

pytestmark = pytest.mark.unit

TIMEOUT = 7.5


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"r{uuid.uuid4().hex[:8]}")) as opened:
        yield opened


def table(**route: object) -> RoutingTable:
    routes = [{"name": "sms logs", "commands": "dsmp.*", "to": "dsmp", **route},
              {"name": "work orders", "commands": "workorder.*", "to": "workflow"}]
    return RoutingTable.from_mapping({"routes": routes}, "test", consumers=set(DEFAULT_CONSUMERS),
                                     command_types=["dsmp.QuerySmsLog", "workorder.CreateWorkOrder"])


def test_a_request_carries_the_time_its_caller_stops_waiting(broker: Broker) -> None:
    received: list[Message] = []

    def answer(delivery: Delivery) -> None:
        received.append(delivery.message)
        broker.reply(delivery.message, b"<answer/>", content_type="application/xml").result(5)
        delivery.ack()

    router = BrokerRouter(broker, table(reply_timeout=TIMEOUT))
    with broker.consume(broker.config.queue("dsmp"), answer):
        before = datetime.now(UTC)
        result = asyncio.run(router.route(Envelope("cs-sms-000000000001", "dsmp.QuerySmsLog", "CS", b"<q/>")))
        after = datetime.now(UTC)
    assert result.reply == b"<answer/>"
    (message,) = received
    reply_by = datetime.fromisoformat(str(message.headers[REPLY_BY]))
    assert reply_by.tzinfo is not None
    assert before.timestamp() + TIMEOUT - 0.01 <= reply_by.timestamp() <= after.timestamp() + TIMEOUT


def test_a_command_nobody_waits_for_carries_no_such_time(broker: Broker) -> None:
    received: list[Message] = []
    arrived = threading.Event()

    def take(delivery: Delivery) -> None:
        received.append(delivery.message)
        delivery.ack()
        arrived.set()

    router = BrokerRouter(broker, table(reply_timeout=TIMEOUT))
    asyncio.run(router.route(Envelope("cs-wo-000000000001", "workorder.CreateWorkOrder", "CS", b"<c/>")))
    with broker.consume(broker.config.queue("workflow"), take):
        assert arrived.wait(10)
    assert received[0].message_id == "cs-wo-000000000001" and REPLY_BY not in received[0].headers
