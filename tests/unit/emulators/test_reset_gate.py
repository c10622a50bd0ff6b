"""The reset gate on its own: requests from before a reset are refused at it, a reset waits for the ones inside,
and requests arriving during a reset wait for it to end."""

from __future__ import annotations

import threading

import pytest

from emulators.toolkit.resetgate import ResetGate

pytestmark = pytest.mark.unit

WAIT = 30.0


def test_a_request_from_before_a_reset_is_refused() -> None:
    gate = ResetGate()
    arrived = gate.resets
    with gate.resetting() as drained:
        assert drained
    assert gate.enter(arrived) is False
    assert gate.enter(gate.resets) is True
    gate.leave()


def test_a_reset_waits_for_the_request_inside_and_blocks_newcomers() -> None:
    gate = ResetGate()
    assert gate.enter(gate.resets)
    order: list[str] = []
    begun, reset_done = threading.Event(), threading.Event()

    def reset() -> None:
        with gate.resetting(begun=begun.set) as drained:
            order.append(f"reset drained={drained}")
        reset_done.set()

    resetter = threading.Thread(target=reset)
    resetter.start()
    assert begun.wait(WAIT)
    during = gate.resets  # a request arriving now
    assert gate.enter(during, block=False) is None  # would have to wait: the event loop must not
    newcomer = threading.Thread(target=lambda: order.append(f"newcomer entered={gate.enter(during)}"))
    newcomer.start()
    order.append("inside leaves")
    gate.leave()
    resetter.join(WAIT)
    newcomer.join(WAIT)
    assert reset_done.is_set()
    assert order == ["inside leaves", "reset drained=True", "newcomer entered=True"]
    gate.leave()


def test_a_reset_gives_up_waiting_after_its_bound() -> None:
    gate = ResetGate()
    assert gate.enter(gate.resets)
    with gate.resetting(drain_seconds=0.0) as drained:
        assert not drained
    gate.leave()
