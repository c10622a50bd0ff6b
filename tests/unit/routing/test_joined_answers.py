"""Callers who join an identical request in flight share its answer, each told of its own request: a ``c:Error``
naming the first caller's MessageId (dead-lettered, or kept while its system is down) is rewritten for each joiner
(audit of BOSS flows, repro_3)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing import BrokerRouter, RoutingTable, envelope_from_message
from hub.routing.reply_cache import joined_error
from hub.transport import Broker, Delivery, Message, TopologyConfig, open_broker
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.error_document import error_bytes
from hub.validation.namespaces import COMMON_NS
from hub.workers.caller_wait import retry_after, unavailable_answer
from hub.workers.worker import DEAD_LETTERED

pytestmark = pytest.mark.unit

LOOKUP = """<boss:QueryCustomerTier xmlns:boss="urn:onepoint:boss:1" xmlns:c="urn:onepoint:common:1">
  <boss:Header><c:MessageId>{mid}</c:MessageId><c:SourceSystem>CS</c:SourceSystem>
  <c:SentAt>2026-11-23T09:15:01+08:00</c:SentAt></boss:Header>
  <boss:Msisdn>13800138000</boss:Msisdn>
</boss:QueryCustomerTier>"""


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"j{uuid.uuid4().hex[:8]}")) as opened:
        yield opened


def lookup(mid: str) -> Envelope:
    return Envelope(mid, "boss.QueryCustomerTier", "CS", LOOKUP.format(mid=mid).encode())


def message_of(reply: bytes) -> str:
    root = etree.fromstring(reply)
    assert root.tag == f"{{{COMMON_NS}}}Error"
    return root.findtext(f"{{{COMMON_NS}}}Message") or ""


def test_joiners_of_a_dead_lettered_lookup_are_told_of_their_own_request(broker: Broker) -> None:
    answering = threading.Event()

    def dead_letter(delivery: Delivery) -> None:  # as the worker tells a dead-lettered request's requester
        assert answering.wait(20)
        mid = envelope_from_message(delivery.message).message_id
        body = error_bytes(DEAD_LETTERED, f"request {mid} could not be carried out (permanent failure) and went to "
                                          "the dead-letter queue; the operator sees why there")
        broker.reply(delivery.message, body, content_type="application/xml").result(5)
        delivery.ack()

    metrics = Metrics()
    routes = [{"name": "tier", "commands": "boss.*", "to": "boss", "reply_timeout": 10, "cache_ttl": 60}]
    table = RoutingTable.from_mapping({"routes": routes}, "test", consumers=set(DEFAULT_CONSUMERS),
                                      command_types=["boss.QueryCustomerTier"])
    router = BrokerRouter(broker, table, metrics=metrics)
    ids = ["ivr-first-000001", "crm-second-00002", "web-third-000003"]

    async def together() -> list[bytes]:
        calls = [asyncio.create_task(router.route(lookup(mid))) for mid in ids]
        while metrics.value("onepoint_reply_cache_hits_total", command_type="boss.QueryCustomerTier") < 2:
            await asyncio.sleep(0)  # until both followers joined the first lookup
        answering.set()
        return [result.reply or b"" for result in await asyncio.gather(*calls)]

    with broker.consume(broker.config.queue("boss"), dead_letter):
        first, second, third = asyncio.run(together())
    assert message_of(first).startswith("request ivr-first-000001 could not be carried out")
    for mid, reply in ((ids[1], second), (ids[2], third)):
        told = message_of(reply)
        assert f"request {mid} joined an identical request in flight" in told
        assert ids[0] not in told and "dead-letter queue" in told
        assert etree.fromstring(reply).findtext(f"{{{COMMON_NS}}}Code") == DEAD_LETTERED


def test_a_joiner_is_not_told_that_its_own_request_is_kept() -> None:
    """Only the first request waits for its system in a delay tier; the joiner's was never sent."""
    first = Message(message_id="ivr-first-000001", body=b"<q/>")
    kept = unavailable_answer(first, "boss QueryCustomerTier: circuit open", 30.0)
    told = message_of(joined_error(kept, "crm-second-00002", "ivr-first-000001"))
    assert "request crm-second-00002 joined an identical request in flight; that request is kept" in told
    assert "ivr-first-000001" not in told and "same MessageId" not in told
    assert retry_after(told) == 30  # the ingress's Retry-After still reads it
    assert joined_error(kept, "ivr-first-000001", "ivr-first-000001") == kept


@pytest.mark.parametrize("end", ["", "."])
def test_a_joiner_whose_id_begins_with_the_first_id_is_told_its_own_id_whole(end: str) -> None:
    """REQ-2026-1 first, REQ-2026-12 joining: the first id is replaced where it stands whole (also before a full
    stop), never inside the joiner's own id."""
    said = f"request REQ-2026-1 is kept; send it again then with the same MessageId REQ-2026-1{end}"
    reply = error_bytes("system-unavailable", said)
    told = etree.fromstring(joined_error(reply, "REQ-2026-12", "REQ-2026-1")).findtext(f"{{{COMMON_NS}}}Message")
    assert told == (f"request REQ-2026-12 joined an identical request in flight; that request is kept; send it "
                    f"again then that request{end}")
