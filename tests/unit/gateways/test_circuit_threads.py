"""A system's Circuit shared by a worker's handler threads: nothing foreign escapes a call, the board (/readyz,
the gauge) shows the breaker's state, half-open lets one trial call through, the gauge follows the clock."""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from hub.gateways import Circuit, CircuitBreakers, CircuitOpenError, SystemUnavailable
from hub.gateways.observed import ObservedCall
from hub.observability.metrics import Metrics
from tests.unit.adapters.soap_kit import settings

pytestmark = pytest.mark.unit
THREADS = 8  # a worker's handler threads (concurrency 8)


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Switch threads as often as CPython allows, so that unguarded shared state shows its races (the circuit's
    log lines off: their handlers' locks would space the threads out)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)
    sys.setswitchinterval(before)


def in_threads(work: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def failing() -> None:
    raise SystemUnavailable("oa", "PushTodo", "HTTP 503")


@pytest.mark.usefixtures("busy_switching")
def test_threads_sharing_a_circuit_get_only_what_their_calls_did_and_the_board_ends_as_the_breaker() -> None:
    foreign: list[tuple[str, bool]] = []  # (exception, whether the guarded call had succeeded)
    ends: list[tuple[dict[str, object], float]] = []  # each round's readiness and gauge, once the system is healthy
    for round_no in range(20):
        metrics = Metrics()
        breakers = CircuitBreakers(metrics)
        circuit = breakers.circuit(settings("oa", breaker_fail_max=1, breaker_reset_seconds=0.0))

        def work(n: int, round_no: int = round_no, circuit: Circuit = circuit) -> None:
            rnd = random.Random(round_no * 100 + n)
            for i in range(400):
                done: list[bool] = []

                def call(fail: bool = i < 300 and rnd.random() < 0.5, done: list[bool] = done) -> str:
                    if fail:
                        failing()
                    done.append(True)
                    return "answered"

                try:
                    if circuit.call("PushTodo", call) != "answered":
                        foreign.append(("a wrong result", True))
                except SystemUnavailable:  # its own failure, or held back by the circuit
                    if done:
                        foreign.append(("SystemUnavailable", True))
                except Exception as exc:
                    foreign.append((type(exc).__name__, bool(done)))

        in_threads(work)
        ends.append((breakers.readiness(), metrics.value("onepoint_circuit_state", system="oa", circuit="oa")))
    assert foreign == []
    # the last 100 calls of each thread succeed: the system is healthy, its breaker closed, and so says the board
    assert ends == [({"circuits": {"oa": "closed"}, "open": []}, 0.0)] * 20


def opened(breakers: CircuitBreakers, reset_seconds: float) -> Circuit:
    """The ``oa`` circuit of ``breakers``, opened by two failures in a row."""
    circuit = breakers.circuit(settings("oa", breaker_fail_max=2, breaker_reset_seconds=reset_seconds,
                                        connect_timeout=1.0, read_timeout=2.0))
    for _ in range(2):
        with pytest.raises(SystemUnavailable, match="HTTP 503"):
            circuit.call("PushTodo", failing)
    return circuit


def test_half_open_lets_one_trial_call_through_and_holds_the_others_back_until_it_ends() -> None:
    breakers = CircuitBreakers(Metrics())
    circuit = opened(breakers, reset_seconds=0.05)
    time.sleep(0.1)
    trial_in, release = threading.Event(), threading.Event()
    answers: list[str] = []

    def trial() -> str:
        trial_in.set()
        release.wait(10)
        return "trial answered"

    out = threading.Thread(target=lambda: answers.append(circuit.call("PushTodo", trial)))
    out.start()
    assert trial_in.wait(10)
    calls: list[str] = []
    for _ in range(3):  # the other handler threads, meanwhile
        with pytest.raises(CircuitOpenError, match="half-open") as held:
            circuit.call("PushTodo", lambda: calls.append("called"))
        assert 0 < held.value.retry_in <= 3.0  # at most the trial call's deadline (connect + read timeouts)
    assert calls == [] and breakers.readiness() == {"circuits": {"oa": "half-open"}, "open": []}
    release.set()
    out.join(10)
    assert answers == ["trial answered"] and breakers.state("oa") == "closed"
    assert circuit.call("PushTodo", lambda: "answered") == "answered"


def test_a_failed_trial_opens_the_circuit_again_for_the_whole_reset_time() -> None:
    breakers = CircuitBreakers()
    circuit = opened(breakers, reset_seconds=0.5)
    time.sleep(0.55)
    with pytest.raises(SystemUnavailable, match="HTTP 503"):
        circuit.call("PushTodo", failing)  # the trial
    assert breakers.open_systems() == ["oa"]
    with pytest.raises(CircuitOpenError, match="circuit open") as held:
        circuit.call("PushTodo", lambda: "not called")
    assert 0 < held.value.retry_in <= 0.5


def test_while_half_open_only_the_trial_decides_not_a_call_that_started_before() -> None:
    breakers = CircuitBreakers()
    circuit = breakers.circuit(settings("oa", breaker_fail_max=1, breaker_reset_seconds=0.05))
    slow_in, slow_go, trial_in, trial_go = (threading.Event() for _ in range(4))

    def slow() -> str:  # started while closed, answers after the circuit opened and its trial went out
        slow_in.set()
        slow_go.wait(10)
        return "late answer"

    def trial() -> None:
        trial_in.set()
        trial_go.wait(10)
        failing()

    late = threading.Thread(target=lambda: circuit.call("PushTodo", slow))
    late.start()
    assert slow_in.wait(10)
    with pytest.raises(SystemUnavailable):
        circuit.call("PushTodo", failing)  # opens the circuit
    time.sleep(0.1)
    failed: list[BaseException] = []
    out = threading.Thread(target=lambda: failed.extend(_raised(lambda: circuit.call("PushTodo", trial))))
    out.start()
    assert trial_in.wait(10)
    slow_go.set()
    late.join(10)
    assert breakers.state("oa") == "half-open"  # the late success did not close it: the trial is still out
    trial_go.set()
    out.join(10)
    assert [type(exc) for exc in failed] == [SystemUnavailable] and breakers.open_systems() == ["oa"]


def _raised(call: Callable[[], object]) -> list[BaseException]:
    try:
        call()
    except BaseException as exc:
        return [exc]
    return []


def test_the_gauge_says_half_open_as_readyz_does_once_the_reset_time_is_over_without_a_call() -> None:
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    opened(breakers, reset_seconds=0.5)
    assert metrics.value("onepoint_circuit_state", system="oa", circuit="oa") == 2 and breakers.state("oa") == "open"
    time.sleep(0.55)
    assert breakers.state("oa") == "half-open"
    assert metrics.value("onepoint_circuit_state", system="oa", circuit="oa") == 1
    assert 'onepoint_circuit_state{circuit="oa",system="oa"} 1.0' in metrics.render()[0].decode()


def test_coroutine_calls_and_plain_calls_share_one_circuit() -> None:


    breakers = CircuitBreakers()
    circuit = breakers.circuit(settings("oa", breaker_fail_max=2))

    async def failing_soon() -> None:
        failing()

    with pytest.raises(SystemUnavailable):
        asyncio.run(circuit.call_async("PushTodo", failing_soon))
    with pytest.raises(SystemUnavailable):
        circuit.call("PushTodo", failing)
    assert breakers.open_systems() == ["oa"]
    with pytest.raises(CircuitOpenError):
        asyncio.run(circuit.call_async("PushTodo", failing_soon))


def test_an_exception_that_is_not_classified_is_not_counted_as_ok() -> None:
    metrics = Metrics()
    with pytest.raises(IndexError), ObservedCall("boss", "SyncHLR", metrics):
        raise IndexError("pop from empty list")
    counts = {outcome: metrics.value("onepoint_gateway_call_seconds_count", system="boss", outcome=outcome)
              for outcome in ("ok", "error")}
    assert counts == {"ok": 0, "error": 1}


def test_a_trial_call_out_twice_its_deadline_is_taken_as_lost_and_the_next_call_is_the_trial() -> None:
    breakers = CircuitBreakers()
    circuit = breakers.circuit(settings("oa", breaker_fail_max=1, breaker_reset_seconds=0.01,
                                        connect_timeout=0.05, read_timeout=0.05))
    with pytest.raises(SystemUnavailable):
        circuit.call("PushTodo", failing)
    time.sleep(0.05)
    hung_in, release = threading.Event(), threading.Event()

    def hung() -> None:  # a trial that ignores its deadline
        hung_in.set()
        release.wait(10)
        failing()

    out = threading.Thread(target=lambda: _raised(lambda: circuit.call("PushTodo", hung)))
    out.start()
    assert hung_in.wait(10)
    with pytest.raises(CircuitOpenError, match="half-open"):
        circuit.call("PushTodo", lambda: "held back")
    time.sleep(0.25)
    assert circuit.call("PushTodo", lambda: "the new trial") == "the new trial"
    release.set()
    out.join(10)
    assert breakers.state("oa") == "open"  # the lost call's failure counts as any failure of a closed circuit
