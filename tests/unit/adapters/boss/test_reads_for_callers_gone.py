"""A read (QueryCustomerTier, QuerySubscriber) whose caller stopped waiting (the ingress's reply-by passed: a lookup
held back while BOSS's circuit was open, its caller told at once BOSS is unavailable) is not asked of BOSS: answered
``caller-stopped-waiting`` to nobody, so a BOSS coming back is not sent the outage's abandoned lookups. A resend
with the same MessageId is asked afresh; a SyncHLR (a write) is carried out whenever it runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.envelope import Envelope
from hub.routing.broker_router import REPLY_BY
from hub.routing.codec import message_from_envelope
from hub.transport import routing_key
from hub.transport.message import Message
from hub.workers import SendResult
from tests.unit.adapters.boss.tier_kit import BOSS, Boss, answer_of, boss_behind_respx, identity, tier_answer
from tests.unit.adapters.soap_kit import C, command, echoing, example, soap_answer

pytestmark = pytest.mark.unit

GONE = datetime.now(UTC) - timedelta(seconds=1)


@pytest.fixture
def boss() -> Iterator[Boss]:
    with boss_behind_respx(breaker_fail_max=1) as running:
        yield running


def as_published(envelope: Envelope, reply_by: datetime | None) -> Message:
    """``envelope`` as the ingress publishes a request: a reply-to, and when its caller stops waiting."""
    message = message_from_envelope(envelope, routing_key("boss", envelope.command_type), for_request=True)
    if reply_by is not None:
        message = message.with_headers(**{REPLY_BY: reply_by.isoformat(timespec="milliseconds")})
    return replace(message, reply_to="amq.rabbitmq.reply-to", correlation_id=envelope.message_id)


def error_code(result: SendResult) -> str | None:
    return answer_of(result.reply).findtext(f"{{{C}}}Code")


@pytest.mark.parametrize("path", ["boss/QueryCustomerTier.valid.xml", "boss/QuerySubscriber.valid.xml"])
def test_a_read_whose_caller_stopped_waiting_is_not_asked_of_boss(boss: Boss, path: str) -> None:
    boss.route.side_effect = echoing(tier_answer(identity("VIP_GOLD"), "VIP_GOLD", 1))
    result = boss.client.send(as_published(command(path), GONE))
    assert result.processed and not result.dead and boss.route.call_count == 0
    assert error_code(result) == "caller-stopped-waiting"
    assert "BOSS not asked" in (answer_of(result.reply).findtext(f"{{{C}}}Message") or "")


def test_a_lookup_held_back_by_the_open_circuit_is_dropped_when_boss_is_back_and_its_caller_gone(boss: Boss) -> None:
    boss.route.respond(503)  # BOSS down: its circuit opens, the lookup waits in a delay tier
    held = boss.client.send(as_published(command("boss/QueryCustomerTier.valid.xml"),
                                         datetime.now(UTC) + timedelta(minutes=5)), follow_retries=False)
    assert held.waiting and held.waiting_copy is not None and boss.route.call_count == 1
    boss.route.side_effect = echoing(tier_answer(identity("VIP_GOLD"), "VIP_GOLD", 1))  # BOSS is back ...
    copy = held.waiting_copy.with_headers(**{REPLY_BY: GONE.isoformat(timespec="milliseconds")})  # ... too late
    again = boss.client.send(copy)
    assert again.processed and error_code(again) == "caller-stopped-waiting"
    assert boss.route.call_count == 1  # the recovering BOSS was not asked a lookup nobody waits for


def test_a_resend_with_the_same_message_id_is_asked_afresh(boss: Boss) -> None:
    boss.route.side_effect = echoing(tier_answer(identity("VIP_GOLD"), "VIP_GOLD", 1))
    lookup = command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-resent-01")
    assert error_code(boss.client.send(as_published(lookup, GONE))) == "caller-stopped-waiting"
    resent = boss.client.send(as_published(lookup, datetime.now(UTC) + timedelta(seconds=10)))
    assert resent.processed and boss.route.call_count == 1
    assert answer_of(resent.reply).findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"


def test_a_lookup_whose_caller_still_waits_is_answered(boss: Boss) -> None:
    boss.route.side_effect = echoing(tier_answer(identity("VIP_GOLD"), "VIP_GOLD", 1))
    result = boss.client.send(as_published(command("boss/QueryCustomerTier.valid.xml"),
                                           datetime.now(UTC) + timedelta(seconds=10)))
    assert boss.route.call_count == 1 and answer_of(result.reply).findtext(f"{{{BOSS}}}EffectiveTier") == "VIP_GOLD"


def test_a_hlr_sync_whose_caller_stopped_waiting_is_still_carried_out(boss: Boss) -> None:
    boss.route.side_effect = echoing(soap_answer(example("boss/responses/SyncHLRResponse.xml")))
    result = boss.client.send(as_published(command("boss/SyncHLR.valid.xml"), GONE))
    assert result.processed and boss.route.call_count == 1  # a write: accepted, so done once
    assert answer_of(result.reply).findtext(f"{{{BOSS}}}Changed") == "true"
