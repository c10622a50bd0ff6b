"""``onepoint serve`` handles SIGTERM and Ctrl-C itself while it is not serving (``hub.cli.graceful``): the first
one ends the start-up where it is (``StopRequested``, so the stop runs in ``serve``'s ``finally``); once the stop runs
a further SIGTERM does not interrupt it, and a second Ctrl-C forces the exit. Before, SIGTERM during the start-up
killed the process, its stop skipped (the process itself: tests/integration/test_serve_stop_during_startup.py)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from hub.cli.graceful import StartupSignals, StopRequested

pytestmark = pytest.mark.unit


def _start_up(signum: signal.Signals, cleaned: list[str]) -> None:
    try:
        os.kill(os.getpid(), signum)
        threading.Event().wait(30)  # a start-up step waiting: the signal ends the wait
        pytest.fail("the signal did not end the start-up")
    finally:
        cleaned.append("stopped")


def _wait_for(signum: signal.Signals) -> None:
    os.kill(os.getpid(), signum)
    threading.Event().wait(0.5)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_while_starting_ends_the_start_up(signum: signal.Signals) -> None:
    before = signal.getsignal(signum)
    cleaned: list[str] = []
    with StartupSignals() as signals, pytest.raises(StopRequested) as stop:
        _start_up(signum, cleaned)
    assert cleaned == ["stopped"]
    assert stop.value.signum == signum and signals.requested == signum
    assert signal.getsignal(signum) == before  # the handlers put back


def test_once_the_stop_runs_sigterm_does_not_interrupt_it_and_a_second_ctrl_c_forces_the_exit() -> None:
    with StartupSignals() as signals:
        signals.stopping()
        _wait_for(signal.SIGTERM)  # ignored: the stop goes on
        with pytest.raises(KeyboardInterrupt):
            _wait_for(signal.SIGINT)
    assert signals.requested == signal.SIGTERM
