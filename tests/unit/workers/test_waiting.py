"""A system that is down makes its queue wait instead of burning retries (``CallsHeldBack``, ``Action.WAIT``).

``FakeSystem`` behaves like a gateway behind a circuit breaker (hub.gateways.breaker): consecutive failures open
the circuit, an open circuit refuses at once with ``retry_in`` (``SystemHeldBack``, shaped like
``CircuitOpenError``: a ``SystemDown`` that is also a ``CallsHeldBack``), and after the reset time one trial call
goes through (and reopens the circuit if the system is still down). Its clock is injected. Unlike the real
circuit, it counts every failure, a message's repeated answered failures too (the real one counts those once per
message: tests/unit/gateways/test_operation_circuits.py), so that one message can open it here and the worker's
decisions behind an open circuit are tested with a single message.
"""

from __future__ import annotations

import heapq
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.store import MemoryProcessedStore
from hub.transport import Broker, Message, open_broker
from hub.workers import (
    Action,
    CallsHeldBack,
    HandlerRegistry,
    Processor,
    Reply,
    RetryPolicy,
    SystemAnsweredFailure,
    TransientError,
    Worker,
    WorkerTestClient,
)
from hub.workers import headers as h
from hub.workers.calling import handling
from hub.workers.classify import Classifier, Verdict
from hub.workers.waiting import wait_tier
from hub.workers.worker import retry_copy
from tests.support.processed_keys import key_of
from tests.unit.workers.kit import envelope, publish, short_config, wait_until

pytestmark = pytest.mark.unit

OUTAGE = 600.0  # seconds: a 10-minute outage
RESET = 30.0  # seconds an open circuit refuses before a trial call
FAIL_MAX = 5


class SystemDown(TransientError):
    """Like ``hub.gateways.SystemUnavailable``: a transient failure with a constructor of its own."""

    def __init__(self, system: str, reason: str) -> None:
        super().__init__(f"{system}: {reason}")
        self.system = system


class SystemHeldBack(SystemDown, CallsHeldBack):
    """Like ``hub.gateways.CircuitOpenError`` once it also subclasses ``CallsHeldBack``: ``callers``, whose calls
    failed or were held back since the circuit last closed."""

    def __init__(self, system: str, retry_in: float, callers: tuple[str, ...] = ()) -> None:
        super().__init__(system, f"circuit open; next trial call in {retry_in:.1f} s")
        self.retry_in = retry_in
        self.callers = callers


class SystemFault(SystemDown, SystemAnsweredFailure):
    """Like ``hub.gateways.SystemFailed``: the system answered that it failed (a SOAP Server fault)."""


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSystem:
    """A backend down during ``[0, outage)`` of ``clock``, behind a circuit breaker. Thread-safe."""

    def __init__(self, clock: Callable[[], float], outage: float, reset: float = RESET, *,
                 failure: type[SystemDown] = SystemDown) -> None:
        self.clock, self.outage, self.reset, self.failure = clock, outage, reset, failure
        self.calls = 0  # calls that reached the system
        self.refused = 0  # calls held back by the open circuit
        self._failures = 0
        self._opened_at: float | None = None
        self._callers: set[str] = set()  # whose calls failed or were held back since the circuit last closed
        self._lock = threading.Lock()

    def call(self) -> str:
        with self._lock:
            now = self.clock()
            caller = handling.get() or ""
            if self._opened_at is not None and now < self._opened_at + self.reset:
                self.refused += 1
                self._callers.add(caller)
                raise SystemHeldBack("boss", self._opened_at + self.reset - now, tuple(self._callers))
            self.calls += 1
            if now < self.outage:
                self._callers.add(caller)
                self._failures += 1
                if self._opened_at is not None or self._failures >= FAIL_MAX:  # a failed trial reopens at once
                    self._opened_at = now
                raise self.failure("boss", "HTTP 503" if self.failure is SystemDown else "SOAP fault Server")
            self._failures, self._opened_at = 0, None
            self._callers.clear()
            return "VIP_GOLD"


def tier_handlers(system: FakeSystem, done: Counter[str]) -> HandlerRegistry:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        tier = system.call()
        done[env.message_id] += 1
        return tier

    return handlers


# -- the vocabulary ---------------------------------------------------------------------------------------------
def test_a_held_back_call_is_transient_but_waits_instead_of_being_retried_now() -> None:
    found = Classifier()(SystemHeldBack("boss", 12.0))
    assert found.verdict is Verdict.WAIT
    assert found.transient and found.waits and not found.retried_now
    plain = Classifier()(SystemDown("boss", "HTTP 503"))
    assert plain.retried_now and not plain.waits


def test_a_gateway_error_can_also_be_held_back_and_keeps_its_own_constructor() -> None:
    exc = SystemHeldBack("boss", 12.5)
    assert isinstance(exc, SystemDown) and isinstance(exc, CallsHeldBack)
    assert (exc.system, exc.retry_in) == ("boss", 12.5)
    assert str(exc) == "boss: circuit open; next trial call in 12.5 s"
    assert CallsHeldBack("down", retry_in=3.0).retry_in == 3.0


@pytest.mark.parametrize(
    ("retry_in", "expected"),
    [(0.0, ("5s", 5.0)), (5.0, ("5s", 5.0)), (12.0, ("30s", 30.0)), (30.0, ("30s", 30.0)), (31.0, ("5m", 300.0)),
     (3600.0, ("5m", 300.0))],
)
def test_a_waiting_message_waits_in_the_shortest_tier_that_covers_retry_in(
    retry_in: float, expected: tuple[str, float]
) -> None:
    assert wait_tier(("5s", "30s", "5m"), (5.0, 30.0, 300.0), retry_in) == expected


def test_unknown_tier_lengths_wait_in_the_first_tier_and_no_tiers_in_none() -> None:
    assert wait_tier(("a", "b"), (), 40.0) == ("a", 40.0)
    assert wait_tier((), (), 40.0) == (None, 40.0)
    assert wait_tier(("long", "short"), (60.0, 2.0), 1.0) == ("short", 2.0)


# -- the test client --------------------------------------------------------------------------------------------
def test_an_open_circuit_makes_the_message_wait_with_no_attempt_counted() -> None:
    clock = FakeClock()
    system = FakeSystem(clock, OUTAGE)
    for _ in range(FAIL_MAX):  # earlier calls opened the circuit
        with pytest.raises(SystemDown):
            system.call()
    done: Counter[str] = Counter()
    client = WorkerTestClient(tier_handlers(system, done), consumer="boss")
    clock.advance(18.0)  # 12 s until the trial call
    result = client.send(envelope())
    assert result.waiting and not result.dead
    assert [d.action for d in result.deliveries] == [Action.WAIT]  # no in-process retry
    assert (result.final.tier, result.final.wait, result.attempts) == ("30s", 30.0, 0)
    assert system.calls == FAIL_MAX and system.refused == 1  # BOSS was not called
    copy = result.waiting_copy
    assert copy is not None
    assert copy.retry_count == 0  # no trip through the tiers counted
    assert copy.headers[h.WAITS] == 1 and h.ATTEMPTS not in copy.headers
    assert "circuit open" in copy.headers[h.LAST_WAIT]
    assert not client.store.seen(key_of("boss", copy))
    assert client.dead_letters == []
    again = client.send(copy)  # still open: waits again, counted as a wait only
    assert again.waiting_copy is not None and again.waiting_copy.headers[h.WAITS] == 2
    assert again.waiting_copy.retry_count == 0


def test_a_request_waits_too_and_is_answered_once_the_system_is_back() -> None:
    clock = FakeClock()
    system = FakeSystem(clock, OUTAGE)
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> Reply:
        return Reply(f"<Tier>{system.call()}</Tier>".encode(), outcome="tier")

    client = WorkerTestClient(handlers, consumer="boss")
    result = client.request(envelope(), on_wait=clock.advance)
    assert result.processed and result.reply == b"<Tier>VIP_GOLD</Tier>"
    assert result.waits > 0 and client.dead_letters == []
    assert clock.now >= OUTAGE


def test_a_message_the_system_always_fails_on_is_dead_lettered_at_the_bound_though_it_opens_the_circuit() -> None:
    """The system answers this one message with a Server fault for good, and nothing else calls it: its failures
    open the circuit, and each half-open trial is its own call. The answered failures count, so it is
    dead-lettered after the bound of attempts (it was called for ever, waiting between trials)."""
    clock = FakeClock()
    system = FakeSystem(clock, float("inf"), failure=SystemFault)
    done: Counter[str] = Counter()
    client = WorkerTestClient(tier_handlers(system, done), consumer="boss")
    result = client.send(envelope(), on_wait=clock.advance)
    assert result.dead and result.waits > 0
    assert system.calls == client.max_attempts == 12
    (letter,) = client.dead_letters
    assert letter.headers[h.DEAD_KIND] == "exhausted"
    assert letter.headers[h.DEAD_REASON].startswith("retries exhausted after 12 attempts: ")
    assert "SOAP fault Server" in letter.headers[h.DEAD_REASON]


def test_a_waiting_copy_carries_the_answered_failures_it_counted() -> None:
    clock = FakeClock()
    system = FakeSystem(clock, float("inf"), failure=SystemFault)
    client = WorkerTestClient(tier_handlers(system, Counter()), consumer="boss")
    result = client.send(envelope())  # 3 calls, a trip through a tier, 2 calls (the circuit opens), held back
    assert result.waiting and result.attempts == FAIL_MAX
    copy = result.waiting_copy
    assert copy is not None and copy.headers[h.ATTEMPTS] == FAIL_MAX and copy.retry_count == 1
    assert "SOAP fault Server" in copy.headers[h.LAST_ERROR]


def test_answered_failures_count_nothing_while_other_messages_wait_for_the_system() -> None:
    """A system down for everyone that says so with a Server fault (its backend is down): whichever message makes
    each half-open trial, others wait too, so none counts it and none is dead-lettered (audit of today's code)."""
    clock = FakeClock()
    system = FakeSystem(clock, OUTAGE, failure=SystemFault)
    done: Counter[str] = Counter()
    client = WorkerTestClient(tier_handlers(system, done), consumer="boss")
    first, second = client.message(envelope()), client.message(envelope())
    for _ in range(40):  # 40 reset periods: far more half-open trials than the bound of attempts
        for message in (first, second):
            result = client.send(message)
            assert not result.dead, result.final.reason
            if result.waiting_copy is not None:
                if message is first:
                    first = result.waiting_copy
                else:
                    second = result.waiting_copy
        clock.advance(RESET)
    assert client.dead_letters == []


def test_a_ten_minute_outage_dead_letters_nothing_and_the_backlog_flows_once_when_it_ends() -> None:
    """Messages arrive every 15 s during and after the outage; delay tiers and waits take simulated time."""
    clock = FakeClock()
    system = FakeSystem(clock, OUTAGE)
    done: Counter[str] = Counter()
    client = WorkerTestClient(tier_handlers(system, done), consumer="boss")
    delays = dict(zip(client.processor.tiers, client.processor.delays, strict=True))
    arrivals = [(15.0 * i, i, client.message(envelope())) for i in range(60)]  # 40 in the outage, 20 after
    queue: list[tuple[float, int, Message]] = list(arrivals)
    heapq.heapify(queue)
    order = len(queue)
    waits = retries = 0
    while queue:
        due, _, message = heapq.heappop(queue)
        clock.now = max(clock.now, due)
        result = client.send(message, follow_retries=False)
        order += 1
        if result.final.action is Action.RETRY:
            retries += 1
            tier = result.final.tier
            assert tier is not None
            heapq.heappush(queue, (clock.now + delays[tier], order, retry_copy(message, client.queue, result.final)))
        elif result.waiting:
            waits += 1
            assert result.waiting_copy is not None and result.final.wait is not None
            heapq.heappush(queue, (clock.now + result.final.wait, order, result.waiting_copy))
        else:
            assert result.processed, result.final
    assert client.dead_letters == []
    assert set(done) == {m.message_id for _, _, m in arrivals}
    assert set(done.values()) == {1}  # every message processed exactly once
    assert clock.now >= OUTAGE and waits > len(arrivals)  # the backlog waited out the whole outage
    assert retries <= FAIL_MAX  # only the failures before the circuit opened cost a trip
    assert system.refused > system.calls  # while open, BOSS was spared the calls


def test_a_processor_without_delay_tiers_still_decides_to_wait() -> None:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> None:
        raise SystemHeldBack("boss", 7.0)

    processor = Processor("boss", handlers, MemoryProcessedStore(), tiers=())
    decision = processor.process(WorkerTestClient(handlers, consumer="boss").message(envelope()))
    assert (decision.action, decision.tier, decision.wait, decision.attempts) == (Action.WAIT, None, 7.0, 0)


def test_delays_must_match_the_tiers() -> None:
    with pytest.raises(ValueError, match="2 delays for 3 delay tiers"):
        Processor("boss", HandlerRegistry(), MemoryProcessedStore(), tiers=("a", "b", "c"), delays=(1.0, 2.0))


# -- a real Worker on memory:// ---------------------------------------------------------------------------------
@pytest.fixture
def broker() -> Iterator[Broker]:
    # The default tiers (5 s, 30 s, 5 min) at 1 ms per second; the outage below is 10 minutes at that scale.
    with open_broker("memory://", short_config((5, 30, 300))) as b:
        yield b


def test_a_real_worker_waits_out_a_ten_minute_outage_and_then_processes_every_message_once(broker: Broker) -> None:
    scale = 1000.0  # simulated seconds per real second
    started = time.monotonic()
    system = FakeSystem(lambda: (time.monotonic() - started) * scale, OUTAGE, RESET)
    done: Counter[str] = Counter()
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        try:
            tier = system.call()
        except SystemHeldBack as exc:
            raise SystemHeldBack("boss", exc.retry_in / scale) from None
        done[env.message_id] += 1
        return tier

    metrics = Metrics()
    sent = [publish(broker, "boss", envelope(message_id=uuid.uuid4().hex)) for _ in range(30)]
    with Worker(broker, "boss", handlers, store=MemoryProcessedStore(), metrics=metrics,
                policy=RetryPolicy(initial=0.0)):
        wait_until(lambda: len(done) == len(sent), "every message processed")
        wait_until(lambda: metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="processed")
                   == len(sent), "every ack")
    assert set(done) == {m.message_id for m in sent} and set(done.values()) == {1}
    assert broker.message_count(broker.config.dead_letter_queue("boss")) == 0
    assert metrics.value("onepoint_messages_dead_lettered_total", consumer="boss", kind="exhausted") == 0
    assert metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="waiting") > 0
    assert system.refused > 0


def test_a_worker_without_delay_tiers_holds_a_waiting_delivery_then_requeues_it() -> None:
    config = short_config(())
    held: list[float] = []
    done: Counter[str] = Counter()
    refusals = [SystemHeldBack("boss", 7.0), SystemHeldBack("boss", 0.25)]
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        if refusals:
            raise refusals.pop(0)
        done[env.message_id] += 1
        return "VIP_GOLD"

    metrics = Metrics()
    with open_broker("memory://", config) as no_tiers:
        sent = publish(no_tiers, "boss", envelope())
        with Worker(no_tiers, "boss", handlers, store=MemoryProcessedStore(), metrics=metrics,
                    policy=RetryPolicy(initial=0.0), sleep=held.append):
            wait_until(lambda: metrics.value("onepoint_messages_consumed_total", consumer="boss",
                                             outcome="processed") == 1, "the ack")
        assert no_tiers.message_count(config.dead_letter_queue("boss")) == 0
    assert held == [1.0, 0.25]  # held for retry_in, at most MAX_HOLD, before each requeue
    assert done == {sent.message_id: 1}
    assert metrics.value("onepoint_messages_consumed_total", consumer="boss", outcome="waiting") == 2


def test_attempts_counted_while_waiting_shorten_the_retries_left_to_the_bound() -> None:
    """A message whose failures were counted while it waited, then back on the plain retry path (the circuit closed
    for others), gets the attempts left of the bound, not a full round per tier (audit of circuits, repro_1)."""
    calls: Counter[str] = Counter()
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        calls[env.message_id] += 1
        raise SystemFault("boss", "SOAP fault Server")

    client = WorkerTestClient(handlers, consumer="boss")
    message = client.message(envelope()).with_headers(**{h.ATTEMPTS: client.max_attempts - 2})
    result = client.send(message)
    assert result.dead and sum(calls.values()) == 2
    (letter,) = client.dead_letters
    assert letter.headers[h.ATTEMPTS] == client.max_attempts
