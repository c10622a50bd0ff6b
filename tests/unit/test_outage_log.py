"""``OutageLog``: a loop's outage is logged when it starts (with its traceback), as a short line at most every
``interval`` seconds while it lasts, and once when it ends (audit repro 04: a database outage flooded the log)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

from hub.observability.quiet import OutageLog, short_reason

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lost() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused\nDETAIL: a long story"))


def test_an_outage_is_one_traceback_a_few_short_lines_and_one_end(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    outage = OutageLog(logging.getLogger("test.outage"), "tier recheck pass", interval=60, clock=clock)
    with caplog.at_level(logging.INFO, logger="test.outage"):
        outage.succeeded()  # nothing failed: nothing to say
        for second in range(0, 150, 5):  # a pass every 5 s for 150 s
            clock.now = float(second)
            outage.failed(lost())
        clock.now = 150.0
        outage.succeeded()
        outage.succeeded()
    records = [r for r in caplog.records if r.name == "test.outage"]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.ERROR, "tier recheck pass failed"),
        (logging.WARNING, "tier recheck pass still failing"),  # at 60 s
        (logging.WARNING, "tier recheck pass still failing"),  # at 120 s
        (logging.WARNING, "tier recheck pass works again"),
    ]
    assert records[0].exc_info is not None and all(r.exc_info is None for r in records[1:])
    assert records[1].since_last_line == 11 and records[1].failing_for_seconds == 60.0  # type: ignore[attr-defined]
    assert records[3].failures == 30 and records[3].failed_for_seconds == 150.0  # type: ignore[attr-defined]
    assert records[1].reason == "ConnectionRefusedError: connection refused"  # type: ignore[attr-defined]


def test_a_second_outage_starts_with_its_traceback_again(caplog: pytest.LogCaptureFixture) -> None:
    outage = OutageLog(logging.getLogger("test.outage"), "event publisher", event="event publisher failed; again",
                       clock=Clock())
    with caplog.at_level(logging.INFO, logger="test.outage"):
        outage.failed(lost())
        outage.succeeded()
        outage.failed(RuntimeError("other"))
    records = [r for r in caplog.records if r.name == "test.outage"]
    assert [r.getMessage() for r in records] == ["event publisher failed; again", "event publisher works again",
                                                 "event publisher failed; again"]
    assert records[2].exc_info is not None and outage.failing


def test_a_short_reason_is_the_first_line_of_the_drivers_error() -> None:
    assert short_reason(lost()) == "ConnectionRefusedError: connection refused"
    assert short_reason(ValueError()) == "ValueError"
    assert len(short_reason(ValueError("x" * 1000))) == 300
