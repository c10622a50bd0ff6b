"""LoopThread (sync callers of async calls) and the CircuitBreakers board (states for /readyz and /metrics)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hub.gateways import CircuitBreakers, CircuitOpenError, LoopThread, SystemUnavailable
from hub.observability.metrics import Metrics
from hub.workers import PermanentError
from tests.unit.adapters.soap_kit import settings

pytestmark = pytest.mark.unit


def test_worker_threads_wait_on_one_loop_and_their_calls_overlap() -> None:
    loop = LoopThread("test-loop")
    inside = 0
    most = 0
    release = asyncio.Event()

    async def call(n: int) -> int:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        if most == 3:
            release.set()
        await asyncio.wait_for(release.wait(), 10)
        inside -= 1
        return n * 2

    results: list[int] = []
    threads = [threading.Thread(target=lambda n=n: results.append(loop.run(call(n), timeout=20))) for n in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert sorted(results) == [0, 2, 4] and most == 3
        with pytest.raises(TimeoutError):
            loop.run(asyncio.sleep(5), timeout=0.01)
    finally:
        loop.close()


def test_only_transient_failures_count_towards_opening() -> None:
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    circuit = breakers.circuit(settings("oa", breaker_fail_max=2))
    assert breakers.circuit(settings("oa")) is circuit and breakers.states() == {"oa": "closed"}

    def fail(exc: Exception) -> None:
        def call() -> None:
            raise exc

        with pytest.raises(type(exc)):
            circuit.call("PushTodo", call)

    for _ in range(5):
        fail(PermanentError("refused"))  # the system answered: the circuit stays closed
    assert breakers.state("oa") == "closed"
    fail(SystemUnavailable("oa", "PushTodo", "HTTP 503"))
    assert circuit.call("PushTodo", lambda: "ok") == "ok"  # a success resets the count
    fail(SystemUnavailable("oa", "PushTodo", "HTTP 503"))
    assert breakers.state("oa") == "closed"
    fail(SystemUnavailable("oa", "PushTodo", "HTTP 503"))  # the second in a row: the circuit opens
    assert breakers.state("oa") == "open"
    calls: list[str] = []
    with pytest.raises(CircuitOpenError, match="circuit open"):
        circuit.call("PushTodo", lambda: calls.append("called"))
    assert calls == [] and breakers.open_systems() == ["oa"]
    breakers.circuit(settings("crm"))
    assert breakers.readiness() == {"circuits": {"crm": "closed", "oa": "open"}, "open": ["oa"]}
    assert metrics.value("onepoint_circuit_state", system="oa") == 2
