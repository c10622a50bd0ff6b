"""Retries have one owner per layer and a bound: attempts × (1 + tiers) handler attempts at most."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.envelope import Envelope
from hub.store import MemoryProcessedStore
from hub.transport import Broker, open_broker
from hub.workers import (
    HandlerRegistry,
    PermanentError,
    RetryPolicy,
    TransientError,
    Worker,
    WorkerTestClient,
    max_total_attempts,
    run_with_retries,
)
from hub.workers import headers as h
from hub.workers.classify import Classifier
from tests.unit.workers.kit import Effects, envelope, publish, short_config, take_all, wait_until

pytestmark = pytest.mark.unit


def test_the_documented_default_bound_is_twelve() -> None:
    assert max_total_attempts(RetryPolicy(), tiers=3) == 12


def test_in_process_layer_stops_after_its_attempts_with_jittered_capped_waits() -> None:
    calls: list[int] = []
    waits: list[float] = []
    policy = RetryPolicy(attempts=4, initial=1.0, max_backoff=3.0, max_delay=1_000.0)

    def always_busy() -> str:
        calls.append(1)
        raise TransientError("busy")

    with pytest.raises(TransientError):
        run_with_retries(always_busy, policy, Classifier(), sleep=waits.append)
    assert len(calls) == 4
    assert len(waits) == 3
    assert all(0 <= w <= cap for w, cap in zip(waits, [1.0, 2.0, 3.0], strict=True))


def test_in_process_layer_does_not_retry_permanent_failures_and_returns_on_success() -> None:
    calls: list[int] = []

    def refuse() -> str:
        calls.append(1)
        raise PermanentError("no")

    with pytest.raises(PermanentError):
        run_with_retries(refuse, RetryPolicy(), Classifier(), sleep=lambda _s: None)
    assert len(calls) == 1

    def second_time_lucky() -> str:
        calls.append(2)
        if calls.count(2) == 1:
            raise TimeoutError
        return "ok"

    assert run_with_retries(second_time_lucky, RetryPolicy(), Classifier(), sleep=lambda _s: None) == "ok"
    assert calls.count(2) == 2


def test_total_wait_cap_stops_in_process_retries_early() -> None:
    calls: list[int] = []

    def busy() -> str:
        calls.append(1)
        raise TransientError("busy")

    # Every wait would be >= 0 and the cap is 0: no wait fits, so one attempt only.
    with pytest.raises(TransientError):
        run_with_retries(busy, RetryPolicy(attempts=5, initial=1.0, max_delay=0.0), Classifier(), sleep=lambda _s: None)
    assert len(calls) == 1


def always_failing_client(policy: RetryPolicy, tiers: tuple[str, ...]) -> tuple[WorkerTestClient, Effects]:
    effects = Effects()
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        effects.call(env.message_id)
        raise TransientError("BOSS unavailable")

    return WorkerTestClient(handlers, consumer="boss", policy=policy, tiers=tiers), effects


@pytest.mark.parametrize("attempts", [1, 2, 3, 5])
@pytest.mark.parametrize("tiers", [(), ("a",), ("a", "b", "c")])
def test_bound_is_enforced_for_every_policy(attempts: int, tiers: tuple[str, ...]) -> None:
    client, effects = always_failing_client(RetryPolicy(attempts=attempts, initial=0.0), tiers)
    result = client.send(envelope())
    assert result.dead
    assert len(effects.calls) == attempts * (1 + len(tiers)) == client.max_attempts
    assert result.attempts == client.max_attempts
    assert result.final.kind == "exhausted"
    assert [d.tier for d in result.deliveries[:-1]] == list(tiers)


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def test_a_worker_on_a_broker_gives_up_after_twelve_attempts(broker: Broker) -> None:
    effects = Effects()
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> str:
        effects.call(env.message_id)
        raise TransientError("BOSS unavailable")

    config = broker.config
    worker = Worker(broker, "boss", handlers, store=MemoryProcessedStore(), policy=RetryPolicy(initial=0.0))
    assert worker.max_attempts == 12
    sent = publish(broker, "boss", envelope())
    with worker:
        wait_until(lambda: broker.message_count(config.dead_letter_queue("boss")) == 1, "the dead letter")
    [dead] = take_all(broker, config.dead_letter_queue("boss"))
    assert effects.calls == [sent.message_id] * 12
    assert dead.message_id == sent.message_id
    assert dead.headers[h.ATTEMPTS] == 12
    assert dead.headers[h.DEAD_KIND] == "exhausted"
    assert dead.retry_count == 3  # one trip through each tier
    assert broker.message_count(config.queue("boss")) == 0

