"""``BackgroundProbe``: the last outcome of a dependency's check, read by ``/readyz`` and ``/metrics`` without a
call to the dependency; a check that hangs counts as failing once its timeout has passed."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy.exc import OperationalError

from hub.observability.probes import BackgroundProbe

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Database:
    def __init__(self) -> None:
        self.up = True
        self.checks = 0

    def check(self) -> None:
        self.checks += 1
        if not self.up:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_the_state_is_the_last_checks_and_reading_it_checks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    clock, database = Clock(), Database()
    probe = BackgroundProbe("database", database.check, interval=3600, clock=clock)
    with caplog.at_level(logging.INFO, logger="onepoint.probes"):
        probe.start()
        try:
            assert probe.state().ok and database.checks == 1  # checked once when started
            database.up = False
            assert probe.ok() and database.checks == 1  # a read is no check
            clock.now = 105.0
            failing = probe.check_now()
            assert not failing.ok and failing.reason == "ConnectionRefusedError: connection refused"
            assert failing.since == 105.0 and probe.state() == failing
            clock.now = 110.0
            assert probe.check_now().since == 105.0  # still the same outage
            database.up = True
            assert probe.check_now().ok
        finally:
            probe.stop()
    lines = [(r.getMessage(), r.exc_info) for r in caplog.records if r.name == "onepoint.probes"]
    assert lines == [("dependency failing", None), ("dependency answers again", None)]


def test_a_check_that_hangs_counts_as_failing_after_its_timeout() -> None:
    clock, release, entered = Clock(), threading.Event(), threading.Event()

    def hangs() -> None:
        entered.set()
        assert release.wait(30)

    probe = BackgroundProbe("database", hangs, timeout=3, clock=clock)
    checking = threading.Thread(target=probe.check_now)
    checking.start()
    try:
        assert entered.wait(30)
        assert probe.ok()  # under way, within its timeout
        clock.now += 3.5
        state = probe.state()
        assert not state.ok and state.reason == "no answer within 3 s"
    finally:
        release.set()
        checking.join(30)
    assert probe.ok()
