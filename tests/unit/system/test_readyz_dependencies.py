"""/readyz and /metrics name the work-order database and the broker (audit repro 03): the database of the
in-process workflow worker is checked in the background; while it fails /readyz is 200 ``degraded`` with
``checks.database`` false and the reason under ``failing`` (the ingress still accepts every command, other flows
work); the broker down is 503 naming it. A request reads the last check, it never runs one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.config.workflow import WorkflowSettings
from hub.ingress.app import create_app
from hub.observability.probes import BackgroundProbe
from hub.routing.broker_router import BrokerRouter
from hub.system import HubSystem
from tests.support.in_process import asgi_get

pytestmark = pytest.mark.unit


def test_a_failing_work_order_database_makes_readyz_degraded_and_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}",
                                                 scheduler_interval_seconds=0, publisher_interval_seconds=0))
    system = HubSystem(settings)
    app = system.start()
    try:
        up = asgi_get(app, "/readyz")
        assert up.status_code == 200 and up.json()["status"] == "ok"
        assert up.json()["checks"] == {"schemas": True, "router": True, "broker": True, "database": True}
        assert 'onepoint_dependency_up{dependency="database"} 1.0' in asgi_get(app, "/metrics").text

        def down(*_: object) -> None:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

        monkeypatch.setattr("hub.system.health.ping", down)
        assert asgi_get(app, "/readyz").json()["status"] == "ok"  # a request runs no check: the last one stands
        app.probes["database"].check_now()  # what the probe's thread does every few seconds
        degraded = asgi_get(app, "/readyz")
        assert degraded.status_code == 200
        body = degraded.json()
        assert body["ready"] is True and body["status"] == "degraded" and body["checks"]["database"] is False
        assert body["failing"] == {"database": "ConnectionRefusedError: connection refused"}
        assert 'onepoint_dependency_up{dependency="database"} 0.0' in asgi_get(app, "/metrics").text
        monkeypatch.undo()
        app.probes["database"].check_now()
        assert asgi_get(app, "/readyz").json()["status"] == "ok"
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]


def test_a_broker_that_is_down_is_named_beside_the_router() -> None:
    app = create_app(load_settings())
    assert isinstance(app.router, BrokerRouter)
    app.router.broker.close()  # memory:// closed: not ready, as a lost RabbitMQ connection
    answer = asgi_get(app, "/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unready" and body["checks"]["router"] is False and body["checks"]["broker"] is False
    assert "broker" in body["failing"]


def test_a_probe_failing_while_the_broker_is_down_is_unready_and_both_are_named() -> None:
    def gone() -> None:
        raise RuntimeError("gone")

    app = create_app(load_settings())
    probe = BackgroundProbe("database", gone)
    probe.check_now()
    app.probes["database"] = probe
    assert asgi_get(app, "/readyz").json()["status"] == "degraded"
    app.router.broker.close()  # type: ignore[attr-defined]
    body = asgi_get(app, "/readyz").json()
    assert body["status"] == "unready" and set(body["failing"]) == {"broker", "database"}


def test_a_shared_bulletin_database_down_makes_readyz_degraded_also_without_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub serves /bulletin from [bulletin] database itself (also under --no-workers): before, /readyz said ok
    while /bulletin answered 503 (an audit of an operator's switch to several hubs)."""
    def down(*_: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr("hub.system.health.ping", down)  # before the probe binds it: no connection tried here
    shared = "postgresql+psycopg://hub:s3cret@127.0.0.1:9/bulletin"
    settings = replace(load_settings(), adapters=(),
                       bulletin=BulletinSettings(tmp_path / "bulletin.db", database=shared))
    system = HubSystem(settings, workers=False)
    app = system.start()
    try:
        assert set(app.probes) == {"bulletin_database"}  # a SQLite nonce store and audit file: nothing to probe
        app.probes["bulletin_database"].check_now()
        body = asgi_get(app, "/readyz").json()
        assert body["status"] == "degraded" and body["checks"]["bulletin_database"] is False
        assert body["failing"] == {"bulletin_database": "ConnectionRefusedError: connection refused"}
        assert 'onepoint_dependency_up{dependency="bulletin_database"} 0.0' in asgi_get(app, "/metrics").text
    finally:
        system.stop()


def test_a_work_order_database_deleted_under_the_hub_makes_readyz_degraded_naming_the_file(tmp_path: Path) -> None:
    database = tmp_path / "workorders.db"
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=f"sqlite:///{database}",
                                                 scheduler_interval_seconds=0, publisher_interval_seconds=0))
    system = HubSystem(settings)
    app = system.start()
    try:
        for suffix in ("", "-wal", "-shm"):  # SELECT 1 still answers on the unlinked file
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        app.probes["database"].check_now()
        body = asgi_get(app, "/readyz").json()
        assert body["status"] == "degraded" and body["checks"]["database"] is False
        reason = body["failing"]["database"]
        assert reason.startswith(f"DatabaseFileChanged: the work-order database {database} is gone")
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]
