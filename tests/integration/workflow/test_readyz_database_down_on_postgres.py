"""With the work-order PostgreSQL stopped, /readyz of the hub running the workflow worker names the database:
200 ``degraded``, ``checks.database`` false with the driver's reason, and ``onepoint_dependency_up`` 0 (audit repro
03); a request only reads the probe's last check (here run at once instead of waiting for its thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from hub.config.bulletin import BulletinSettings
from hub.config.settings import load_settings
from hub.config.workflow import WorkflowSettings
from hub.ingress.app import HubApp
from hub.system import HubSystem
from tests.support.postgres_server import PostgresServer, postgres_fixture

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    """A cluster of this test's own: it is stopped in the middle (the session's cluster is shared)."""
    yield from postgres_fixture()


def get(app: HubApp, path: str) -> httpx.Response:
    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app.asgi), base_url="http://hub") as client:
            return await client.get(path)

    return asyncio.run(fetch())


def test_readyz_names_the_stopped_work_order_database(private_postgres: PostgresServer, tmp_path: Path) -> None:
    server = private_postgres
    url = server.create_database()
    settings = replace(load_settings(), adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       workflow=WorkflowSettings(database=url, scheduler_interval_seconds=0,
                                                 publisher_interval_seconds=0))
    system = HubSystem(settings)
    app = system.start()
    try:
        assert get(app, "/readyz").json()["checks"]["database"] is True
        server.stop()
        app.probes["database"].check_now()
        answer = get(app, "/readyz")
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == "degraded", body
        assert body["checks"]["database"] is False and "database" in body["failing"]
        assert body["failing"]["database"].startswith("OperationalError: "), body["failing"]
        assert 'onepoint_dependency_up{dependency="database"} 0.0' in get(app, "/metrics").text
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]
