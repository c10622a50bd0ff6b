"""A request retried through a delay tier that outlasts its caller's wait tells the caller at once
(``hub.workers.requester_notices``): ``c:Error`` ``system-unavailable`` saying how its system failed (its own fault
code and first line, masked, internal addresses hidden), that the request is kept and when it is tried again.
Before, an agent's SyncHLR while the HLR link was down learned nothing for its whole 10 s and got a bare 504."""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.gateways.failures import SystemFailed, SystemUnavailable
from hub.store import MemoryProcessedStore
from hub.transport import Broker
from hub.validation.namespaces import COMMON_NS
from hub.workers import HandlerRegistry, Reply, RetryPolicy, Worker
from hub.workers.caller_wait import SYSTEM_UNAVAILABLE, retry_after
from tests.unit.workers import test_caller_told_unavailable as told
from tests.unit.workers.kit import envelope

pytestmark = pytest.mark.unit

ask, broker = told.ask, told.broker  # its fixture: a memory broker with tiers of 50 ms and one minute

HLR_DOWN = SystemFailed("boss", "SyncHLR", "SOAP fault Server.HlrLinkDown: HLR link down",
                        code="Server.HlrLinkDown", detail="HLR link to 10.20.1.7:7001 down while syncing 13800138000")


def failing(times: int, failure: Exception, done: Counter[str]) -> HandlerRegistry:
    handlers = HandlerRegistry()
    left = [times]

    @handlers.handler("boss.QueryCustomerTier")  # a write would do the same: the kit's requests are tier lookups
    def sync(env: Envelope) -> Reply:
        if left[0] > 0:
            left[0] -= 1
            raise failure
        done[env.message_id] += 1
        return Reply(b"<SyncHLRResponse/>")

    return handlers


def test_a_retry_that_outlasts_the_caller_tells_it_how_the_system_failed(broker: Broker) -> None:
    done: Counter[str] = Counter()
    env = envelope()
    with Worker(broker, "boss", failing(100, HLR_DOWN, done), store=MemoryProcessedStore(),
                policy=RetryPolicy(initial=0.0, attempts=1)):
        # the first trip waits 50 ms (its caller still waits: not told), the second a minute: told now
        error = etree.fromstring(ask(broker, env, caller_waits=10.0))
    assert error.findtext(f"{{{COMMON_NS}}}Code") == SYSTEM_UNAVAILABLE
    message = error.findtext(f"{{{COMMON_NS}}}Message") or ""
    assert message.startswith("boss failed on it: Server.HlrLinkDown: HLR link to […] down while syncing "
                              "138****8000: request "), message
    assert env.message_id in message and "is kept and carried out" in message
    assert "10.20.1.7" not in message and "13800138000" not in message
    assert retry_after(message) == 60
    assert done == {}


def test_a_system_that_did_not_answer_is_named_without_its_addresses(broker: Broker) -> None:
    env = envelope()
    timeout = SystemUnavailable("boss", "QueryCustomerTier", "ConnectError: [Errno 111] to 10.20.1.7:8080")
    with Worker(broker, "boss", failing(100, timeout, Counter()), store=MemoryProcessedStore(),
                policy=RetryPolicy(initial=0.0, attempts=1)):
        message = etree.fromstring(ask(broker, env, caller_waits=10.0)).findtext(f"{{{COMMON_NS}}}Message") or ""
    assert message.startswith("boss is unavailable: request ") and "10.20.1.7" not in message


def test_a_retry_the_caller_waits_for_answers_it(broker: Broker) -> None:
    done: Counter[str] = Counter()
    env = envelope()
    with Worker(broker, "boss", failing(1, HLR_DOWN, done), store=MemoryProcessedStore(),
                policy=RetryPolicy(initial=0.0, attempts=1)):
        assert ask(broker, env, caller_waits=10.0) == b"<SyncHLRResponse/>"  # the 50 ms tier, then carried out
    assert done == {env.message_id: 1}
