"""The workflow's background loops (event publisher, deadline scheduler, tier recheck) log a database outage once
with its traceback and once when it ends, not a traceback every pass (audit repro 04)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError

from hub.workflow.publisher import EventPublisher
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.tier_recheck import TierRecheck

pytestmark = pytest.mark.unit

FAILURES = 8


class Outage:
    """Fails ``FAILURES`` times as a database that is down, then works; ``over`` is set after a success."""

    def __init__(self) -> None:
        self.calls = 0
        self.over = threading.Event()

    def __call__(self, *_: object, **__: object) -> None:
        self.calls += 1
        if self.calls <= FAILURES:
            raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))
        if self.calls > FAILURES + 1:
            self.over.set()


def logged(caplog: pytest.LogCaptureFixture, logger: str, start: Callable[[], Callable[[], None]],
           outage: Outage) -> list[logging.LogRecord]:
    with caplog.at_level(logging.INFO, logger=logger):
        stop = start()
        try:
            assert outage.over.wait(30), "the loop never got past the outage"
        finally:
            stop()
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.WARNING]


def assert_logged_once(records: list[logging.LogRecord], what: str) -> None:
    assert [r.getMessage() for r in records if r.exc_info is not None] == [records[0].getMessage()]
    assert records[0].levelno == logging.ERROR
    assert [r.getMessage() for r in records[1:]] == [f"{what} works again"]
    assert records[1].failures == FAILURES  # type: ignore[attr-defined]


def test_the_event_publisher(runtime: WorkflowRuntime, caplog: pytest.LogCaptureFixture,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage()
    publisher = EventPublisher(runtime.store, runtime.clock, interval=0.001)
    monkeypatch.setattr(publisher, "_tick", outage)
    records = logged(caplog, "onepoint.workflow.publisher", lambda: publisher.start().stop, outage)
    assert_logged_once(records, "event publisher")
    assert records[0].getMessage() == "event publisher failed; it starts again from the cursors"


def test_the_deadline_scheduler(runtime: WorkflowRuntime, caplog: pytest.LogCaptureFixture,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage()
    scheduler = DeadlineScheduler(runtime, None, interval=0.001)
    monkeypatch.setattr(scheduler, "run_passes", outage)
    records = logged(caplog, scheduler_logger(), lambda: scheduler.start().stop, outage)
    assert_logged_once(records, "deadline scheduler pass")


def test_the_tier_recheck(runtime: WorkflowRuntime, caplog: pytest.LogCaptureFixture,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    outage = Outage()
    recheck = TierRecheck(runtime, None, interval=0.001)
    monkeypatch.setattr(recheck, "run_pass", outage)
    records = logged(caplog, recheck_logger(), lambda: recheck.start().stop, outage)
    assert_logged_once(records, "tier recheck pass")


def scheduler_logger() -> str:
    from hub.workflow import scheduler

    return scheduler.log.name


def recheck_logger() -> str:
    from hub.workflow import tier_recheck

    return tier_recheck.log.name
