"""A request its consumer did not answer in time: the caller is told its own MessageId (never the hub's AMQP
correlation id, nor the MessageId of another caller's lookup it joined) and what sending it again does: a read
records nothing, so it is asked again; a write's recorded answer is given back for the same MessageId."""

from __future__ import annotations

import asyncio
import importlib
import re
import uuid
from collections.abc import Iterator

import pytest

from hub.envelope import Envelope
from hub.ingress.outcomes import refusal_for
from hub.routing import BrokerRouter, RoutingTable
from hub.routing.reply_timeouts import READ_REQUESTS, ReplyTimedOut
from hub.transport import Broker, TopologyConfig, open_broker
from hub.transport.errors import RequestTimeoutError
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry
from tests.unit.adapters.soap_kit import command

pytestmark = pytest.mark.unit

HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"t{uuid.uuid4().hex[:8]}")) as opened:
        yield opened


def router(broker: Broker, *, cache_ttl: float | None = None) -> BrokerRouter:
    route: dict[str, object] = {"name": "boss", "commands": "boss.*", "to": "boss", "reply_timeout": 0.2}
    if cache_ttl is not None:
        route["cache_ttl"] = cache_ttl
    table = RoutingTable.from_mapping({"routes": [route]}, "test", consumers=set(DEFAULT_CONSUMERS),
                                      command_types=CommandSetRegistry.installed().command_types())
    return BrokerRouter(broker, table)


def timed_out(broker: Broker, envelope: Envelope) -> RequestTimeoutError:
    with pytest.raises(RequestTimeoutError) as failed:
        asyncio.run(router(broker).route(envelope))
    return failed.value


def test_a_read_not_answered_names_the_callers_message_id_and_says_sending_it_again_asks_again(broker) -> None:
    envelope = command("boss/QueryCustomerTier.valid.xml", message_id="cs-tier-lookup-0001")
    message = refusal_for(timed_out(broker, envelope), system="boss").message
    assert "cs-tier-lookup-0001" in message and not HEX_ID.search(message), message
    assert "asks boss again" in message and "recorded" not in message


def test_an_audited_query_keeps_no_answer_either_so_a_resend_asks_again() -> None:
    """The DSMP queries (personal data, ``hub.validation.audited``): their answers are never kept."""
    envelope = Envelope("cs-sms-log-0000001", "dsmp.QuerySmsLog", "CS", b"<x/>")
    message = refusal_for(ReplyTimedOut(envelope, 10.0), system="dsmp").message
    assert "cs-sms-log-0000001" in message and "asks dsmp again" in message and "recorded" not in message


def test_a_write_not_answered_names_the_callers_message_id_and_its_recorded_answer(broker) -> None:
    envelope = command("boss/SyncHLR.valid.xml", message_id="cs-hlr-sync-00001")
    refusal = refusal_for(timed_out(broker, envelope), system="boss")
    assert refusal.status == 504 and refusal.code == "timeout"
    assert "cs-hlr-sync-00001" in refusal.message and not HEX_ID.search(refusal.message), refusal.message
    assert "may still be carried out" in refusal.message and "same MessageId" in refusal.message
    assert "recorded" in refusal.message


def test_lookups_joining_one_in_flight_are_each_told_their_own_message_id(broker) -> None:
    shared = router(broker, cache_ttl=300.0)
    lookups = [command("boss/QueryCustomerTier.valid.xml", message_id=f"cs-joined-lookup-{n}") for n in range(3)]

    async def together() -> list[BaseException | object]:
        return await asyncio.gather(*(shared.route(e) for e in lookups), return_exceptions=True)

    outcomes = asyncio.run(together())
    assert all(isinstance(o, RequestTimeoutError) for o in outcomes)
    for envelope, outcome in zip(lookups, outcomes, strict=True):
        assert isinstance(outcome, RequestTimeoutError)
        message = refusal_for(outcome, system="boss").message
        others = [e.message_id for e in lookups if e is not envelope]
        assert envelope.message_id in message and not any(o in message for o in others), message


@pytest.mark.parametrize("package", ["boss", "crm", "dsmp", "mail", "nsp", "oa"])
def test_the_reads_named_are_the_handlers_registered_as_reads(package: str) -> None:
    from hub.workflow.handlers import CONSUMER, handlers

    adapter = importlib.import_module(f"adapters.{package}")
    registered = {spec.command_type for registry, consumer in ((adapter.handlers, adapter.CONSUMER),
                                                              (handlers, CONSUMER))
                  for spec in registry.for_consumer(consumer) if spec.reads}
    named = {t for t in READ_REQUESTS if t.startswith(("workorder.", f"{package}."))}
    assert registered == named
