"""``onepoint worker --metrics-port``: a port that cannot be bound is one line, not a traceback (audit repro 08);
``--metrics-port 0`` says which port it took; the port also answers ``/healthz`` and ``/readyz`` (the broker, this
process's circuits, its database probe), as ``onepoint serve`` does for the workers in its process."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.cli.worker_setup import serve_probes as _serve_probes
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.observability.probes import BackgroundProbe
from hub.system.worker_probes import WorkerProbes
from tests.support.servers import free_port

pytestmark = pytest.mark.unit


def test_a_taken_metrics_port_stops_the_worker_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "hub.toml"  # the broker is never reached: the metrics port is bound first
    config.write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"\n')
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["worker", "bulletin", "--config", str(config), "--metrics-port",
                                           str(port), "--log-level", "CRITICAL"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith(f"Error: cannot serve the metrics on 127.0.0.1:{port}: "), result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_metrics_port_zero_serves_on_the_port_it_returns() -> None:
    metrics = Metrics()
    metrics.published("boss")
    server = _serve_probes(0, metrics.registry, WorkerProbes("boss", lambda: True))
    try:
        assert server.port > 0
        body = httpx.get(f"http://127.0.0.1:{server.port}/metrics").text
        assert 'onepoint_messages_published_total{target="boss"} 1.0' in body
    finally:
        server.shutdown()
    with pytest.raises(httpx.ConnectError):  # shut down: nothing left serving in a thread as the process exits
        httpx.get(f"http://127.0.0.1:{server.port}/metrics")


def test_serving_on_a_taken_port_is_a_click_exception() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(click.ClickException, match=r"cannot serve the metrics on 127\.0\.0\.1"):
            _serve_probes(taken.getsockname()[1], Metrics().registry, WorkerProbes("boss", lambda: True))


def test_readyz_of_a_worker_is_unready_without_its_broker_and_names_an_open_circuit() -> None:
    connected = [False]
    breakers = CircuitBreakers(Metrics())
    probes = WorkerProbes("boss", lambda: connected[0], breakers)
    server = _serve_probes(0, Metrics().registry, probes)
    port = server.port
    answer = httpx.get(f"http://127.0.0.1:{port}/readyz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unready" and answer.json()["failing"]["broker"].startswith("not connected")
    connected[0] = True
    assert httpx.get(f"http://127.0.0.1:{port}/readyz").json() == {
        "consumer": "boss", "ready": True, "checks": {"broker": True}, "circuits": {}, "open": [], "status": "ok"}
    breakers.changed("boss", "open", time.time(), 30.0)
    answer = httpx.get(f"http://127.0.0.1:{port}/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "degraded" and answer.json()["open"] == ["boss"]
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "alive", "consumer": "boss"}
    server.shutdown()


def test_readyz_of_the_workflow_worker_reports_its_database_probe() -> None:
    def broken() -> None:
        raise OSError("database is gone")

    database = BackgroundProbe("database", broken)
    database.check_now()
    ready, body = WorkerProbes("workflow", lambda: True, None, [database]).readiness()
    assert ready and body["status"] == "degraded" and body["checks"] == {"broker": True, "database": False}
    assert "database is gone" in body["failing"]["database"]


def test_the_metrics_line_goes_to_standard_output_so_a_json_log_stays_json(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """``--log-format json``: standard error is the log alone, one JSON object per line (audit of on-call views,
    repro_2: ``metrics on ...`` was a plain line among them). The broker is not there: the worker stops after the
    line, with its one-line error last."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"\n')
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(main, ["worker", "bulletin", "--config", str(config), "--metrics-port", "0",
                                           "--log-format", "json"])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert result.exit_code == 1, result.output
    assert re.fullmatch(r"metrics on http://127\.0\.0\.1:\d+/metrics \(/healthz, /readyz\)\n", result.stdout)
    *logged, error = result.stderr.splitlines()
    assert error.startswith(f"Error: {config}: [broker] url amqp://guest:***@"), result.stderr  # which broker
    assert "could not connect to the broker" in error, result.stderr
    assert "metrics served" in [json.loads(line)["event"] for line in logged]  # each line one JSON object
    port = int(re.search(r":(\d+)/metrics", result.stdout).group(1))  # type: ignore[union-attr]
    with pytest.raises(httpx.ConnectError):  # the probes' server shut down as the worker stopped, not left running
        httpx.get(f"http://127.0.0.1:{port}/healthz")
