"""The circuit says whose calls failed or were held back since it last closed (``CircuitOpenError.callers``, from
the message each handler thread handles: ``hub.workers.calling``), so a worker can tell a system failing on one
message from a system down for everyone (``hub.workers.decisions``)."""

from __future__ import annotations

import pytest

from hub.gateways import Circuit, CircuitBreakers, CircuitOpenError, SystemUnavailable
from hub.gateways.breaker import CALLER_MEMORY
from hub.workers.calling import handling
from tests.unit.adapters.soap_kit import settings

pytestmark = pytest.mark.unit


def fail() -> None:
    raise SystemUnavailable("oa", "PushTodo", "HTTP 500: SERVICE-DOWN")


def call_as(message_id: str, circuit: Circuit) -> BaseException:
    token = handling.set(message_id)
    try:
        circuit.call("PushTodo", fail)
    except BaseException as exc:
        return exc
    finally:
        handling.reset(token)
    raise AssertionError("the call did not fail")


def test_the_callers_of_the_failures_and_the_held_back_calls_are_told() -> None:
    circuit = CircuitBreakers().circuit(settings("oa", breaker_fail_max=2, breaker_reset_seconds=60))
    assert isinstance(call_as("m1", circuit), SystemUnavailable)
    assert isinstance(call_as("m1", circuit), SystemUnavailable)  # the second failure opens it
    held = call_as("m1", circuit)
    assert isinstance(held, CircuitOpenError) and held.callers == ("m1",)  # one message's failures only
    other = call_as("m2", circuit)
    assert isinstance(other, CircuitOpenError) and other.callers == ("m1", "m2")  # another waits now
    third = call_as("m3", circuit)
    assert isinstance(third, CircuitOpenError) and third.callers == ("m1", "m2")  # two are enough


def test_a_success_forgets_the_callers() -> None:
    circuit = CircuitBreakers().circuit(settings("oa", breaker_fail_max=2, breaker_reset_seconds=60))
    call_as("m1", circuit)
    assert circuit.call("PushTodo", lambda: "ok") == "ok"
    call_as("m2", circuit)
    call_as("m2", circuit)
    held = call_as("m2", circuit)
    assert isinstance(held, CircuitOpenError) and held.callers == ("m2",)


def test_a_caller_unseen_for_a_few_reset_periods_is_forgotten() -> None:
    """A message dead-lettered (or refused, or done elsewhere) after its calls failed is gone: it must not make a
    lone poison message coming after it look like one among many for good (audit of circuits, repro_2)."""
    circuit = CircuitBreakers().circuit(settings("oa", breaker_fail_max=2, breaker_reset_seconds=10))
    now = [1000.0]
    circuit._clock = lambda: now[0]
    call_as("q", circuit)
    call_as("q", circuit)  # opens it: q alone
    now[0] += CALLER_MEMORY * 10 + 1  # q never seen again
    held = call_as("p", circuit)
    assert isinstance(held, CircuitOpenError) and held.callers == ("p",)
