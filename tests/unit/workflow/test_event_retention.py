"""``[workflow] keep_events_days``: the listeners' outbox is purged beside the deadline scheduler, with the
processed-message records (``hub.workflow.retention``); a listener parked longer than that is resumed from the
oldest event kept, told in a WARNING how many positions it missed (respx stands in for the listener, a ManualClock
for time)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpx
import pytest
import respx

from hub.config.settings import HubSettings
from hub.config.workflow import ListenerSettings, WorkflowSettings, parse_workflow
from hub.workers import WorkerTestClient
from hub.workflow import wiring
from hub.workflow.clock import ManualClock
from hub.workflow.publisher import EventPublisher
from hub.workflow.retention import WorkflowRetention
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.listener_kit import create, register

pytestmark = pytest.mark.unit

GONE = "http://gone.test/events"


def test_events_are_kept_seven_days_unless_the_settings_say_otherwise() -> None:
    assert parse_workflow({}, "hub.toml").keep_events_days == 7.0
    assert parse_workflow({"keep_events_days": 0.5}, "hub.toml").keep_events_days == 0.5
    for bad in (0, -1, "7", True, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="keep_events_days must be a positive number"):
            parse_workflow({"keep_events_days": bad}, "hub.toml")
    with pytest.raises(ValueError, match="kept for a while"):
        WorkflowRetention(None, timedelta(days=7), keep_events=timedelta(0))  # type: ignore[arg-type]


def test_the_workflows_background_purges_the_old_published_events(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    create(client)
    written = runtime.store.outbox_end()
    runtime.store.mark_published_through(written, clock.now())  # no listener: every event is published
    clock.advance(timedelta(days=3, minutes=1))
    config = WorkflowSettings(keep_events_days=3, publisher_interval_seconds=0)
    stop = wiring.background({"workflow": runtime}, outbound=None, settings=HubSettings(workflow=config))
    try:
        deadline = time.monotonic() + 10
        while runtime.store.events_after(0) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert written > 0 and runtime.store.events_after(0) == []
    finally:
        stop()


def test_a_listener_parked_longer_than_the_keep_period_resumes_from_the_oldest_kept(
        client: WorkerTestClient, runtime: WorkflowRuntime, mock: respx.MockRouter,
        caplog: pytest.LogCaptureFixture) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    publisher = EventPublisher(runtime.store, clock, settings=ListenerSettings(park_after_failures=1))
    gone = mock.post(GONE).mock(return_value=httpx.Response(410))
    listener_id = register(client, GONE)
    try:
        create(client)
        assert publisher.run_round().parked == [listener_id]
        parked = runtime.store.listener(listener_id)
        assert parked is not None and parked.suspended_at is not None
        for _ in range(3):  # written while it is parked: published at once, it holds nothing back
            create(client)
        publisher.run_round()
        assert runtime.store.pending_events() == []
        clock.advance(timedelta(days=8))
        create(client)  # written within the keep period
        publisher.run_round()
        kept_before = runtime.store.events_after(0, 1000)
        retention = WorkflowRetention(runtime.store, timedelta(days=30), keep_events=timedelta(days=7))
        assert retention.run_pass() > 0
        kept = runtime.store.events_after(0, 1000)
        assert 0 < len(kept) < len(kept_before) and kept[0].position > parked.delivered_position + 1

        gone.mock(return_value=httpx.Response(204))
        with caplog.at_level(logging.INFO, logger="onepoint.workflow.listeners"):
            assert register(client, GONE) == listener_id
        [warning] = [r for r in caplog.records if r.getMessage().startswith("parked event listener resumed")]
        assert warning.levelno == logging.WARNING
        assert warning.__dict__["missed_positions"] == kept[0].position - 1 - parked.delivered_position
        resumed = runtime.store.listener(listener_id)
        assert resumed is not None and resumed.delivered_position == kept[0].position - 1

        done = publisher.run_round()  # at once: no hole to wait out between its cursor and the oldest kept
        assert [event for who, event in done.delivered if who == listener_id] == [e.event_id for e in kept]
    finally:
        publisher.stop()
