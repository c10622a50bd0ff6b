"""The ingress's reply cache: a repeat tier lookup is answered by the BrokerRouter without a publish."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.ingress.replies import checked_reply
from hub.observability.metrics import Metrics
from hub.routing import BrokerRouter, RoutingTable, envelope_from_message
from hub.routing.broker_router import REPLAYED, BrokerUnavailableError
from hub.routing.reply_cache import request_key
from hub.routing.router import MessageIdReused
from hub.transport import Broker, Delivery, TopologyConfig, open_broker
from hub.transport.errors import RequestTimeoutError
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.error_document import error_bytes
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits

pytestmark = pytest.mark.unit

BOSS = "urn:onepoint:boss:1"
TTL = 300.0
REFUSED_MSISDN = "13900000000"  # the fake BOSS refuses this one (c:Error)

REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<boss:QueryCustomerTier xmlns:boss="urn:onepoint:boss:1" xmlns:c="urn:onepoint:common:1">
  <boss:Header>
    <c:MessageId>{message_id}</c:MessageId>{correlation}
    <c:SourceSystem>CS</c:SourceSystem>
    <c:SentAt>{sent_at}</c:SentAt>
  </boss:Header>
  <boss:Msisdn>{msisdn}</boss:Msisdn>
</boss:QueryCustomerTier>
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeBoss:
    """Answers tier lookups on the boss queue like the BOSS adapter: its own Ack naming the request's ids."""

    def __init__(self, broker: Broker, examples_dir) -> None:
        self.broker = broker
        self.answering = threading.Event()  # cleared: requests wait (held in the queue) until it is set
        self.answering.set()
        self.template = (examples_dir / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()
        self.asked: list[str] = []  # every MSISDN that reached BOSS
        self.replaying: set[str] = set()  # MSISDNs answered as a worker answers a resent request (REPLAYED)
        self._lock = threading.Lock()

    def __call__(self, delivery: Delivery) -> None:
        assert self.answering.wait(20)
        envelope = envelope_from_message(delivery.message)
        msisdn = etree.fromstring(envelope.payload).findtext(f"{{{BOSS}}}Msisdn") or ""
        with self._lock:
            self.asked.append(msisdn)
        if msisdn == REFUSED_MSISDN:
            body = error_bytes("subscriber-not-found", "no such subscriber")
        else:
            answer = etree.fromstring(self.template)
            answer.find(f"{{{BOSS}}}Msisdn").text = msisdn
            stamp = answer.find(f"{{{BOSS}}}Ack")
            stamp.find(f"{{{COMMON_NS}}}MessageId").text = envelope.message_id
            correlation = stamp.find(f"{{{COMMON_NS}}}CorrelationId")
            if envelope.correlation_id is None:
                stamp.remove(correlation)
            else:
                correlation.text = envelope.correlation_id
            body = etree.tostring(answer, xml_declaration=True, encoding="UTF-8")
        headers = {REPLAYED: True} if msisdn in self.replaying else {}
        self.broker.reply(delivery.message, body, content_type="application/xml", headers=headers).result(5)
        delivery.ack()


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"c{uuid.uuid4().hex[:8]}")) as opened:
        yield opened


@pytest.fixture
def boss(broker: Broker, examples_dir) -> Iterator[FakeBoss]:
    fake = FakeBoss(broker, examples_dir)
    with broker.consume(broker.config.queue("boss"), fake):
        yield fake


def table(registry: CommandSetRegistry, cache_ttl: float | None = TTL, reply_timeout: float = 10) -> RoutingTable:
    route: dict[str, object] = {"name": "tier", "commands": "boss.*", "to": "boss", "reply_timeout": reply_timeout}
    if cache_ttl is not None:
        route["cache_ttl"] = cache_ttl
    return RoutingTable.from_mapping({"routes": [route]}, "test", consumers=set(DEFAULT_CONSUMERS),
                                     command_types=registry.command_types())


def lookup(msisdn: str = "13800138000", correlation: str | None = "cs-20261123-000001",
           sent_at: str = "2026-11-23T09:15:01+08:00") -> Envelope:
    message_id = f"cs-{uuid.uuid4().hex[:16]}"
    extra = "" if correlation is None else f"\n    <c:CorrelationId>{correlation}</c:CorrelationId>"
    payload = REQUEST.format(message_id=message_id, correlation=extra, sent_at=sent_at, msisdn=msisdn).encode()
    received = datetime.now(UTC).replace(microsecond=0)
    return Envelope(message_id, "boss.QueryCustomerTier", "CS", payload, correlation, received)


def ack(reply: bytes) -> dict[str, str | None]:
    found = etree.fromstring(reply).find(f"{{{BOSS}}}Ack")
    assert found is not None
    return {name: found.findtext(f"{{{COMMON_NS}}}{name}") for name in ("MessageId", "CorrelationId", "ReceivedAt")}


def route(router: BrokerRouter, envelope: Envelope) -> bytes:
    result = asyncio.run(router.route(envelope))
    assert result.reply is not None and result.targets == ("boss",)
    return result.reply


def test_a_repeat_lookup_is_answered_from_the_cache_without_a_publish(broker, boss, registry) -> None:
    metrics = Metrics()
    router = BrokerRouter(broker, table(registry), metrics=metrics, clock=FakeClock())
    first, second = lookup(), lookup(correlation="ivr-000000000042")
    answered = route(router, first)
    again = route(router, second)
    assert boss.asked == ["13800138000"]  # one round trip to BOSS
    assert ack(answered)["MessageId"] == first.message_id
    assert ack(again) == {"MessageId": second.message_id, "CorrelationId": "ivr-000000000042",
                          "ReceivedAt": second.received_at.isoformat(timespec="milliseconds")}
    tree = etree.fromstring(again)
    assert tree.findtext(f"{{{BOSS}}}Msisdn") == "13800138000"
    assert tree.findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"
    checked_reply(registry.get("boss"), "QueryCustomerTier", again, ParserLimits())  # valid against boss.xsd
    assert metrics.value("onepoint_reply_cache_hits_total", command_type="boss.QueryCustomerTier") == 1
    assert metrics.value("onepoint_reply_cache_misses_total", command_type="boss.QueryCustomerTier") == 1


def test_a_cached_answer_drops_the_correlation_id_a_new_request_has_not(broker, boss, registry) -> None:
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    route(router, lookup())
    bare = lookup(correlation=None)
    assert ack(route(router, bare)) == {"MessageId": bare.message_id, "CorrelationId": None,
                                        "ReceivedAt": bare.received_at.isoformat(timespec="milliseconds")}
    assert len(boss.asked) == 1


def test_an_answer_expires_after_the_ttl(broker, boss, registry) -> None:
    clock = FakeClock()
    router = BrokerRouter(broker, table(registry), clock=clock)
    route(router, lookup())
    clock.now += TTL - 1
    route(router, lookup())
    assert len(boss.asked) == 1
    clock.now += 2  # TTL + 1 after the answer was kept
    route(router, lookup())
    assert len(boss.asked) == 2


def test_a_replayed_answer_goes_to_its_caller_and_is_not_kept(broker, boss, registry) -> None:
    """A resend after a 504 is answered with the answer recorded then (maybe days old): the cache must not serve
    it to every other caller for a whole TTL (audit of the BOSS and CRM flows)."""
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    boss.replaying.add("13800138000")
    assert etree.fromstring(route(router, lookup())).findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"
    route(router, lookup())
    assert boss.asked == ["13800138000", "13800138000"]  # not answered from the cache


def test_a_message_id_reused_for_another_number_is_refused_though_that_answer_is_cached(broker, boss,
                                                                                       registry) -> None:
    """The same misuse gets one answer: 409, as the consumer gives a reused id, also when the other number's answer
    is in the cache (it was answered 200 from there); the very request again is answered (audit of the BOSS and
    CRM flows)."""
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    route(router, lookup("13900139000"))  # now in the cache
    first = lookup("13800138000")
    route(router, first)
    reused = lookup("13900139000")
    reused = Envelope(first.message_id, reused.command_type, reused.source_system, reused.payload.replace(
        reused.message_id.encode(), first.message_id.encode()), reused.correlation_id, reused.received_at)
    with pytest.raises(MessageIdReused):
        asyncio.run(router.route(reused))
    assert ack(route(router, first))["MessageId"] == first.message_id  # a retry of the same request: answered
    assert boss.asked == ["13900139000", "13800138000"]


def test_refusals_are_never_cached(broker, boss, registry) -> None:
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    for _ in range(2):
        reply = route(router, lookup(REFUSED_MSISDN))
        assert etree.fromstring(reply).tag == f"{{{COMMON_NS}}}Error"
    assert boss.asked == [REFUSED_MSISDN, REFUSED_MSISDN]
    assert len(router.replies) == 0


def test_different_msisdns_never_share_an_answer(broker, boss, registry) -> None:
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    one, other = route(router, lookup("13800138000")), route(router, lookup("13912345678"))
    assert boss.asked == ["13800138000", "13912345678"]
    assert etree.fromstring(one).findtext(f"{{{BOSS}}}Msisdn") == "13800138000"
    assert etree.fromstring(other).findtext(f"{{{BOSS}}}Msisdn") == "13912345678"
    assert etree.fromstring(route(router, lookup("13912345678"))).findtext(f"{{{BOSS}}}Msisdn") == "13912345678"
    assert len(boss.asked) == 2


def test_the_key_ignores_the_header_and_the_layout_but_not_the_fields() -> None:
    pretty = lookup(sent_at="2026-11-23T09:15:01+08:00")
    compact = Envelope("cs-0000000000000099", "boss.QueryCustomerTier", "CS", (
        b'<q:QueryCustomerTier xmlns:q="urn:onepoint:boss:1" xmlns:k="urn:onepoint:common:1"><q:Header>'
        b"<k:MessageId>cs-0000000000000099</k:MessageId><k:SourceSystem>CS</k:SourceSystem>"
        b"<k:SentAt>2026-12-01T00:00:00Z</k:SentAt></q:Header><q:Msisdn>13800138000</q:Msisdn>"
        b"</q:QueryCustomerTier>"))
    assert request_key(pretty) == request_key(compact)
    assert request_key(lookup("13800138001")) != request_key(pretty)
    other_command = Envelope("x-00000001", "boss.QuerySubscriber", "CS", pretty.payload)
    assert request_key(other_command) != request_key(pretty)
    assert request_key(Envelope("x-00000002", "boss.QueryCustomerTier", "CS", b"not xml")) is None


def test_two_systems_never_share_an_answer() -> None:
    """What a system is answered may depend on who asks (QueryWorkOrder answers OA only the work orders it was
    pushed an item for): a cached answer to CS is never OA's."""
    from_cs = lookup()
    from_oa = Envelope("oa-0000000000000099", from_cs.command_type, "OA", from_cs.payload)
    assert request_key(from_cs) != request_key(from_oa)


def test_a_route_without_cache_ttl_sends_every_request(broker, boss, registry) -> None:
    router = BrokerRouter(broker, table(registry, cache_ttl=None), clock=FakeClock())
    route(router, lookup())
    route(router, lookup())
    assert len(boss.asked) == 2


def test_a_reload_forgets_the_cached_answers(broker, boss, registry) -> None:
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    route(router, lookup())
    router.reload(table(registry))
    route(router, lookup())
    assert len(boss.asked) == 2


def test_a_cached_answer_is_served_while_the_broker_is_unreachable(broker, boss, registry, monkeypatch) -> None:
    router = BrokerRouter(broker, table(registry), clock=FakeClock())
    route(router, lookup())
    monkeypatch.setattr(router, "connected", lambda: False)
    fresh = lookup()
    assert ack(route(router, fresh))["MessageId"] == fresh.message_id
    with pytest.raises(BrokerUnavailableError):
        asyncio.run(router.route(lookup("13912345678")))
    assert len(boss.asked) == 1


def test_identical_lookups_in_flight_share_one_round_trip_each_with_its_own_ack(broker, boss, registry) -> None:
    metrics = Metrics()
    router = BrokerRouter(broker, table(registry), metrics=metrics, clock=FakeClock())
    lookups = [lookup(), lookup(correlation="ivr-000000000007"), lookup(correlation=None)]
    boss.answering.clear()

    async def together() -> list[bytes]:
        calls = [asyncio.create_task(router.route(e)) for e in lookups]
        while metrics.value("onepoint_reply_cache_hits_total", command_type="boss.QueryCustomerTier") < 2:
            await asyncio.sleep(0)  # until both followers joined the first lookup's round trip
        boss.answering.set()
        return [r.reply for r in await asyncio.gather(*calls)]

    replies = asyncio.run(together())
    assert boss.asked == ["13800138000"]
    assert [ack(r)["MessageId"] for r in replies] == [e.message_id for e in lookups]
    assert [ack(r)["CorrelationId"] for r in replies] == ["cs-20261123-000001", "ivr-000000000007", None]
    assert metrics.value("onepoint_reply_cache_misses_total", command_type="boss.QueryCustomerTier") == 1
    route(router, lookup())  # and the answer was kept
    assert len(boss.asked) == 1


def test_lookups_in_flight_share_the_failure_too_and_it_is_not_kept(broker, registry) -> None:
    router = BrokerRouter(broker, table(registry, reply_timeout=0.2), clock=FakeClock())  # nobody answers

    async def together() -> list[BaseException | object]:
        return await asyncio.gather(*(router.route(lookup()) for _ in range(3)), return_exceptions=True)

    outcomes = asyncio.run(together())
    assert all(isinstance(o, RequestTimeoutError) for o in outcomes)
    assert broker.message_count(broker.config.queue("boss")) == 1  # one request published for the three
    assert len(router.replies) == 0


@pytest.mark.parametrize("cache_ttl", [TTL, None])
def test_a_command_reusing_the_id_of_a_request_answered_here_is_refused(broker, boss, registry,
                                                                        cache_ttl: float | None) -> None:
    """A read (here a tier lookup) and then the same system's command with the same id: the workflow's store keeps
    the read's id, so the command would be accepted 202 and dead-lettered `message-id-reused` by its worker. The
    hub process that answered the read refuses the command 409 instead, so its sender sends a new id (audit of the
    hostile inputs: a CS QueryWorkOrders id); also for a route without a reply cache. Another system's command with
    that id is another message (the key is the source system and the id): routed."""
    routes = [{"name": "tier", "commands": "boss.*", "to": "boss", "reply_timeout": 10},
              {"name": "workflow", "commands": "workorder.*", "to": "workflow"}]
    if cache_ttl is not None:
        routes[0]["cache_ttl"] = cache_ttl
    routing = RoutingTable.from_mapping({"routes": routes}, "test", consumers=set(DEFAULT_CONSUMERS),
                                        command_types=registry.command_types())
    router = BrokerRouter(broker, routing, clock=FakeClock())
    read = lookup()
    route(router, read)
    command = Envelope(read.message_id, "workorder.CreateWorkOrder", "CS", b"<other/>", None, read.received_at)
    with pytest.raises(MessageIdReused, match=read.message_id):
        asyncio.run(router.route(command))
    assert broker.message_count(broker.config.queue("workflow")) == 0
    assert ack(route(router, read))["MessageId"] == read.message_id  # the read again: answered
    elsewhere = Envelope(read.message_id, "workorder.CreateWorkOrder", "NSP", b"<other/>", None, read.received_at)
    assert not asyncio.run(router.route(elsewhere)).duplicate
    assert broker.message_count(broker.config.queue("workflow")) == 1


@pytest.mark.parametrize("cache_ttl", [TTL, None])
def test_another_system_s_request_under_the_same_id_gets_its_own_answer(broker, boss, registry,
                                                                        cache_ttl: float | None) -> None:
    """The id of a request is (source system, message id): another system's request with the same MessageId and
    another document is not refused `MessageIdReused`, and is answered for its own number; the first system's
    request with another document under that id still is."""
    router = BrokerRouter(broker, table(registry, cache_ttl=cache_ttl), clock=FakeClock())
    read = lookup()
    route(router, read)
    other = read.payload.replace(b"13800138000", b"13800138111")
    theirs = Envelope(read.message_id, read.command_type, "OA", other.replace(b">CS<", b">OA<"), None,
                      read.received_at)
    answer = route(router, theirs)
    assert b"13800138111" in answer and boss.asked == ["13800138000", "13800138111"]
    with pytest.raises(MessageIdReused):
        asyncio.run(router.route(Envelope(read.message_id, read.command_type, "CS", other, None, read.received_at)))
