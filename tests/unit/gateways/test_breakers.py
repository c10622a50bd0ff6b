"""The CircuitBreakers board (states for /readyz and /metrics)."""

from __future__ import annotations

import pytest

from hub.gateways import CircuitBreakers, CircuitOpenError, SystemUnavailable
from hub.observability.metrics import Metrics
from hub.workers import PermanentError
from tests.unit.adapters.soap_kit import settings

pytestmark = pytest.mark.unit


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
    assert metrics.value("onepoint_circuit_state", system="oa", circuit="oa") == 2
