"""With the work-order PostgreSQL stopped, /readyz of the hub running the workflow worker names the database:
200 ``degraded``, ``checks.database`` false with the driver's reason, and ``onepoint_dependency_up`` 0 (audit repro
03); a request only reads the probe's last check (here run at once instead of waiting for its thread)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.config.workflow import WorkflowSettings
from hub.system import HubSystem
from tests.support.in_process import asgi_get
from tests.support.postgres_server import PostgresServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_readyz_names_the_stopped_work_order_database(private_postgres: PostgresServer, tmp_path: Path) -> None:
    server = private_postgres
    url = server.create_database()
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=url, scheduler_interval_seconds=0,
                                                 publisher_interval_seconds=0))
    system = HubSystem(settings)
    app = system.start()
    try:
        assert asgi_get(app, "/readyz").json()["checks"]["database"] is True
        server.stop()
        app.probes["database"].check_now()
        answer = asgi_get(app, "/readyz")
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == "degraded", body
        assert body["checks"]["database"] is False and "database" in body["failing"]
        assert body["failing"]["database"].startswith("OperationalError: "), body["failing"]
        assert 'onepoint_dependency_up{dependency="database"} 0.0' in asgi_get(app, "/metrics").text
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]
