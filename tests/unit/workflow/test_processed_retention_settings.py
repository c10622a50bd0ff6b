"""``[workflow] keep_processed_days``: how long the workflow's processed-message records are kept, purged beside
the deadline scheduler (``hub.workflow.retention``)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from hub.config.settings import HubSettings
from hub.config.workflow import WorkflowSettings, parse_workflow
from hub.workflow import wiring
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit


def test_the_records_are_kept_seven_days_unless_the_settings_say_otherwise() -> None:
    assert parse_workflow({}, "hub.toml").keep_processed_days == 7.0
    assert parse_workflow({"keep_processed_days": 2}, "hub.toml").keep_processed_days == 2.0
    for bad in (0, -1, "7", True):
        with pytest.raises(ValueError, match="keep_processed_days"):
            parse_workflow({"keep_processed_days": bad}, "hub.toml")


def test_the_workflows_background_purges_the_expired_records(tmp_path: Path) -> None:
    config = WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", keep_processed_days=3,
                              publisher_interval_seconds=0)
    clock = ManualClock(START)
    runtime = open_runtime(config, clock=clock)
    processed = WorkOrderProcessedStore(runtime.store)
    processed.record("workflow:m-old", "created", reply=b"<answer/>")
    clock.advance(timedelta(days=2))
    processed.record("workflow:m-recent", "created", reply=b"<answer/>")
    clock.advance(timedelta(days=1, minutes=1))
    stop = wiring.background({"workflow": runtime}, outbound=None, settings=HubSettings(workflow=config))
    try:
        deadline = time.monotonic() + 10
        while processed.seen("workflow:m-old") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not processed.seen("workflow:m-old") and processed.seen("workflow:m-recent")
    finally:
        stop()
        runtime.close()


def test_the_purge_logs_a_keep_of_part_of_a_day_as_it_is(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``keep_processed_days = 0.5`` was logged ``keep_days: 0`` (timedelta.days), beside the events' 0.5 (soak)."""
    from hub.workflow.retention import WorkflowRetention

    config = WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", publisher_interval_seconds=0)
    clock = ManualClock(START)
    runtime = open_runtime(config, clock=clock)
    try:
        WorkOrderProcessedStore(runtime.store).record("workflow:m-old", "created", reply=b"<answer/>")
        clock.advance(timedelta(days=1))
        with caplog.at_level("INFO", logger="onepoint.workflow.retention"):
            assert WorkflowRetention(runtime.store, timedelta(days=0.5)).purge_processed() == 1
        (record,) = [r for r in caplog.records if r.getMessage() == "processed-message records purged"]
        assert record.__dict__["keep_days"] == 0.5
    finally:
        runtime.close()
