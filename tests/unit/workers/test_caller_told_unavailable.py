"""A request held back because its system is down tells its caller at once when the wait outlasts the caller's
(``hub.workers.caller_wait``): ``c:Error`` ``system-unavailable`` instead of a 504 at the caller's timeout; the
request itself still waits and is carried out once the system is back. Before, an IVR asking a tier while BOSS's
circuit was open waited its whole 10 s for a 504."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.ingress.outcomes import refusal_for
from hub.ingress.replies import ReplyRefusal
from hub.routing.broker_router import REPLY_BY, reply_by
from hub.routing.codec import message_from_envelope
from hub.store import MemoryProcessedStore
from hub.transport import Broker, open_broker, routing_key
from hub.validation.namespaces import COMMON_NS
from hub.workers import HandlerRegistry, Reply, RetryPolicy, Worker
from hub.workers.caller_wait import SYSTEM_UNAVAILABLE, CallerWait, retry_after
from tests.unit.workers.kit import envelope, short_config, wait_until
from tests.unit.workers.test_waiting import SystemHeldBack

pytestmark = pytest.mark.unit

@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config((50, 60_000))) as b:  # tiers of 50 ms and one minute
        yield b


def down_then_up(refusals: int, retry_in: float, done: Counter[str]) -> HandlerRegistry:
    """BOSS's circuit open for the first ``refusals`` calls (next trial in ``retry_in`` seconds)."""
    handlers = HandlerRegistry()
    left = [refusals]

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> Reply:
        if left[0] > 0:
            left[0] -= 1
            raise SystemHeldBack("boss QueryCustomerTier", retry_in)
        done[env.message_id] += 1
        return Reply(b"<QueryCustomerTierResponse/>")

    return handlers


def ask(broker: Broker, env: Envelope, caller_waits: float) -> bytes:
    """The request as the ingress sends it, stamped with when its caller stops waiting; its reply."""
    message = message_from_envelope(env, routing_key("boss", env.command_type))
    message = message.with_headers(**{REPLY_BY: reply_by(caller_waits)})
    return broker.request(broker.config.commands_exchange, message, timeout=caller_waits).result(caller_waits + 5).body


def test_a_caller_whose_wait_the_outage_outlasts_is_told_at_once_and_the_request_waits(broker: Broker) -> None:
    done: Counter[str] = Counter()
    env = envelope()
    with Worker(broker, "boss", down_then_up(1, 30.0, done), store=MemoryProcessedStore(),
                policy=RetryPolicy(initial=0.0)):
        # the next trial in 30 s: the message waits in the one-minute tier, its caller for 10 s: told now (before,
        # nothing came and this request raised RequestTimeoutError after its 10 s)
        error = etree.fromstring(ask(broker, env, caller_waits=10.0))
        assert error.tag == f"{{{COMMON_NS}}}Error"
        assert error.findtext(f"{{{COMMON_NS}}}Code") == SYSTEM_UNAVAILABLE
        message = error.findtext(f"{{{COMMON_NS}}}Message") or ""
        assert "boss QueryCustomerTier: circuit open" in message and env.message_id in message
        assert retry_after(message) == 60  # tried again when the one-minute tier ends
        refusal = refusal_for(ReplyRefusal(error), system="boss")  # the ingress: Retry-After that long, not 5 s
        assert (refusal.status, refusal.headers) == (503, {"Retry-After": "60"})
        waiting = broker.config.delay_exchange("t1")  # the tier's queue has the tier's name
        wait_until(lambda: broker.message_count(waiting) == 1, "the request kept, waiting for BOSS")
    assert done == {}


def test_a_caller_whose_wait_the_tier_fits_is_answered_when_the_system_is_back(broker: Broker) -> None:
    done: Counter[str] = Counter()
    env = envelope()
    with Worker(broker, "boss", down_then_up(1, 0.05, done), store=MemoryProcessedStore(),
                policy=RetryPolicy(initial=0.0)):
        assert ask(broker, env, caller_waits=10.0) == b"<QueryCustomerTierResponse/>"  # the 50 ms tier, then done
    assert done == {env.message_id: 1}


@pytest.mark.parametrize(("reply_by_in", "wait", "outlasted"), [
    (10.0, 30.0, True),  # the caller stops in 10 s, the message waits 30 s: told now
    (10.0, 5.0, False),  # the wait fits: answered when the system is back
    (-1.0, 30.0, False),  # the caller has gone already: nobody to tell
    (None, 30.0, False),  # no stamp: how long the caller waits is unknown
])
def test_when_a_wait_outlasts_the_caller(reply_by_in: float | None, wait: float, outlasted: bool) -> None:
    now = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    caller = CallerWait(None if reply_by_in is None else now + timedelta(seconds=reply_by_in))
    assert caller.outlasted_by(wait, now) is outlasted


@pytest.mark.parametrize("reads", [False, True])
def test_a_read_is_not_said_to_be_kept_for_its_caller(broker: Broker, reads: bool) -> None:
    """A read's answer is never kept (its resend is asked afresh, and the BOSS adapter does not ask BOSS for a
    caller gone): its caller is told to send it again, not that it "is kept and carried out" for a resend with
    the same MessageId (what a command is told)."""
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier", reads=reads)
    def query(env: Envelope) -> Reply:
        raise SystemHeldBack("boss QueryCustomerTier", 30.0)

    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0)):
        message = etree.fromstring(ask(broker, envelope(), caller_waits=10.0)).findtext(f"{{{COMMON_NS}}}Message")
    assert message is not None and retry_after(message) == 60
    assert ("cannot be answered before its caller stops waiting" in message) is reads
    assert ("is kept and carried out" in message) is not reads
