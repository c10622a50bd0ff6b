"""With the shared processed store's PostgreSQL stopped, the adapters' workers say so (audit-fresh repro 02): the
hub's ``/readyz`` (its in-process workers on RabbitMQ) and an ``onepoint worker``'s own are 200 ``degraded`` with
``checks.processed_store`` false and the driver's reason under ``failing``, and
``onepoint_dependency_up{dependency="processed_store"}`` is 0, instead of ``ok`` while every message fails at its
claim; and once the probe has noticed, a message whose claim cannot reach the database waits (no attempt spent). A
request only reads the probe's last check (run at once here, or awaited from the probe's thread)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config.settings import load_settings
from hub.envelope import Envelope
from hub.store import open_store
from hub.system import HubSystem
from hub.system.health import processed_store_probe
from hub.system.store_outage import hold_back_while_down
from hub.workers import Action, HandlerRegistry, Processor, WorkerTestClient
from tests.support.in_process import asgi_get
from tests.support.postgres_server import PostgresServer
from tests.unit.workers.kit import envelope

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def config(folder: Path, broker: str, store: str) -> Path:
    path = folder / "hub.toml"
    path.write_text(f'[broker]\nurl = "{broker}"\nprefix = "p{uuid.uuid4().hex[:8]}"\n'
                    f'[workers]\nprocessed_store = "{store}"\n'
                    '[adapters.nsp]\nurl = "http://127.0.0.1:9/xml"\nusername = "hub"\npassword = "pw"\n')
    return path


def test_the_probe_of_the_shared_store_names_its_stopped_database(private_postgres: PostgresServer) -> None:
    store = open_store(private_postgres.create_database(), consumer="nsp")
    try:
        probe = processed_store_probe(store)
        assert probe is not None and probe.name == "processed_store" and probe.check_now().ok
        private_postgres.stop()
        state = probe.check_now()
        assert not state.ok and (state.reason or "").startswith("OperationalError: "), state
    finally:
        store.close()



def test_once_the_probe_fails_a_claim_that_cannot_reach_the_database_waits(private_postgres: PostgresServer) -> None:
    handlers, ran = HandlerRegistry(), []

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> None:
        ran.append(env.message_id)

    store = open_store(private_postgres.create_database(), consumer="boss")
    try:
        probe = processed_store_probe(store)
        assert probe is not None and probe.check_now().ok
        hold_back_while_down(store, probe)
        processor = Processor("boss", handlers, store, tiers=("t5", "t30"), delays=(5.0, 30.0))
        message = WorkerTestClient(handlers, consumer="boss").message(envelope())
        private_postgres.stop()
        first = processor.process(message)  # the probe has not checked since: a transient failure, an attempt
        assert (first.action, first.attempts) == (Action.RETRY, 1), first
        probe.check_now()  # what the probe's thread does every few seconds
        waits = processor.process(message)
        assert (waits.action, waits.tier, waits.attempts) == (Action.WAIT, "t5", 0), waits
        assert "the processed store's database is down: OperationalError: " in (waits.reason or ""), waits.reason
        assert ran == []
    finally:
        store.close()


@pytest.mark.rabbitmq
def test_the_hubs_readyz_names_the_stopped_processed_store(private_postgres: PostgresServer, rabbitmq_server: Any,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config(tmp_path, rabbitmq_server.url, private_postgres.create_database()))
    system = HubSystem(settings)
    app = system.start()
    try:
        assert "nsp" in {item.consumer for item in system.running}
        up = asgi_get(app, "/readyz").json()
        assert up["status"] == "ok" and up["checks"]["processed_store"] is True, up
        private_postgres.stop()
        app.probes["processed_store"].check_now()
        answer = asgi_get(app, "/readyz")
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == "degraded", body
        assert body["checks"]["processed_store"] is False
        assert body["failing"]["processed_store"].startswith("OperationalError: "), body["failing"]
        assert 'onepoint_dependency_up{dependency="processed_store"} 0.0' in asgi_get(app, "/metrics").text
    finally:
        system.stop()
        app.router.broker.close()  # type: ignore[attr-defined]


@pytest.mark.rabbitmq
def test_a_worker_processs_readyz_names_the_stopped_processed_store(private_postgres: PostgresServer,
                                                                   rabbitmq_server: Any, tmp_path: Path) -> None:
    config(tmp_path, rabbitmq_server.url, private_postgres.create_database())
    out = tmp_path / "worker.out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONWARNINGS": "ignore"}
    with out.open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "hub.cli.main", "worker", "nsp", "--config", "hub.toml",
                                   "--metrics-port", "0"], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        port = None
        end = time.monotonic() + 60
        while port is None:
            printed = out.read_text("utf-8", "replace")
            found = re.search(r"metrics on http://127\.0\.0\.1:(\d+)", printed)
            if found and "consuming" in printed:
                port = int(found.group(1))
            assert worker.poll() is None and time.monotonic() < end, printed
            time.sleep(0.1)
        readyz = f"http://127.0.0.1:{port}/readyz"
        assert httpx.get(readyz, timeout=10).json()["checks"] == {"broker": True, "processed_store": True}
        private_postgres.stop()
        end = time.monotonic() + 30  # the probe checks every 5 s
        while (body := httpx.get(readyz, timeout=10).json())["checks"]["processed_store"]:
            assert time.monotonic() < end, body
            time.sleep(0.25)
        assert body["status"] == "degraded" and "processed_store" in body["failing"], body
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert 'onepoint_dependency_up{dependency="processed_store"} 0.0' in metrics
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
