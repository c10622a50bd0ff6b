"""The processes that run the workflow expose the work-order engine's health on ``/metrics``: ``onepoint serve`` with
its in-process workers (the hub's own ``/metrics``) and ``onepoint worker workflow`` (the workflow kit's
``background``, which both call), also where neither the scheduler nor the publisher runs; the gauges go when the
workflow stops."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hub.config.bulletin import BulletinSettings
from hub.config.settings import HubSettings, load_settings
from hub.config.workflow import WorkflowSettings
from hub.observability.metrics import Metrics
from hub.system import HubSystem
from hub.workflow import wiring
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.outbox import suspend_listener
from tests.support.in_process import asgi_get

pytestmark = pytest.mark.unit

GAUGES = ("onepoint_deadline_scheduler_lag_seconds 0.0", "onepoint_deadlines_due 0.0",
          "onepoint_event_outbox_unpublished 0.0", "onepoint_event_outbox_oldest_unpublished_seconds 0.0",
          'onepoint_event_listeners{state="active"} 0.0', 'onepoint_event_listeners{state="retrying"} 0.0')


def _settings(tmp_path: Path) -> HubSettings:
    return replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                   workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}",
                                             scheduler_interval_seconds=0, publisher_interval_seconds=0))


def test_the_hubs_metrics_show_the_work_order_engines_health(tmp_path: Path) -> None:
    system = HubSystem(_settings(tmp_path))
    app = system.start()
    try:
        runtime = next(r.dependencies["workflow"] for r in system.running if r.kit.consumer == "workflow")
        assert isinstance(runtime, WorkflowRuntime)
        listener = runtime.store.add_listener("http://127.0.0.1:9/gone", None, runtime.clock.now())
        with runtime.store.engine.begin() as connection:
            suspend_listener(connection, listener.id, runtime.clock.now(), "HTTP 410 Gone")
        body = asgi_get(app, "/metrics").text
        for sample in (*GAUGES, 'onepoint_event_listeners{state="parked"} 1.0'):
            assert sample in body
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]
    assert "onepoint_deadline_scheduler_lag_seconds" not in system.metrics.render()[0].decode()


def test_the_workflow_workers_background_exposes_the_health_and_takes_it_away_when_stopped(tmp_path: Path) -> None:
    settings, metrics = _settings(tmp_path), Metrics()
    deps = wiring.dependencies(settings, metrics=metrics)
    try:
        stop = wiring.background(deps, outbound=None, settings=settings)
        body = metrics.render()[0].decode()
        for sample in GAUGES:
            assert sample in body
        stop()
        assert "onepoint_deadline_scheduler_lag_seconds" not in metrics.render()[0].decode()
    finally:
        wiring.close(deps)
