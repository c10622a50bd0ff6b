"""A broker nobody answers at is named in the one line ``onepoint demo``, ``onepoint simulate``, ``onepoint dlq``
and ``onepoint worker`` end with: its URL, the password masked, and the question to ask (audit: "could not connect to
the broker: TransportError: cannot connect to the broker: ConnectionRefusedError" named no address, and said it
twice; ``onepoint serve --config`` alone named its ``[broker] url``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from tests.support.rabbitmq_server import RabbitMQServer
from tests.support.servers import free_port

pytestmark = pytest.mark.integration

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def assert_names_the_broker(line: str, port: int) -> None:
    assert f"amqp://guest:***@127.0.0.1:{port}/%2F" in line, line
    assert "guest:guest" not in line, line
    assert "is RabbitMQ running there?" in line, line
    assert line.count("connect to the broker") == 1, line  # once, not "could not connect … cannot connect"


@pytest.mark.parametrize("command", [["demo"], ["simulate", "--scale", "0.01"]])
def test_demo_and_simulate_name_the_broker_they_could_not_reach(tmp_path: Path, command: list[str]) -> None:
    port = free_port()
    result = subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", *command, "--broker",
                             f"amqp://guest:guest@127.0.0.1:{port}/%2F"], cwd=tmp_path, capture_output=True,
                            text=True, env=ENV, timeout=240, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "the system did not start" in line]
    assert line.startswith(f"onepoint {command[0]}: the system did not start: broker "), line
    assert_names_the_broker(line, port)


def test_dlq_names_the_broker_it_could_not_reach() -> None:
    port = free_port()
    result = CliRunner().invoke(main, ["dlq", "count"], env={"ONEPOINT_BROKER_URL":
                                                            f"amqp://guest:guest@127.0.0.1:{port}/%2F"})
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.output.splitlines() if "connect" in line]
    assert line.startswith("Error: broker error: broker amqp://"), line
    assert_names_the_broker(line, port)


def test_a_worker_names_the_broker_it_could_not_reach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "worker.toml").write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{port}/%2F"\n')
    result = CliRunner().invoke(main, ["worker", "bulletin", "--config", "worker.toml", "--log-format", "text"])
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "worker.toml: [broker] url" in line, line
    assert_names_the_broker(line, port)


@pytest.mark.parametrize("credentials", ["guest:wrong@{address}/%2F", "guest:guest@{address}/nosuch"])
def test_a_broker_that_answers_and_refuses_is_not_asked_whether_it_runs(rabbitmq_server: RabbitMQServer,
                                                                        credentials: str) -> None:
    """A wrong password or an unknown vhost: RabbitMQ answered (403, 530), so the line says to check the login, not
    "is RabbitMQ running there?" (review of 221dace)."""
    address = rabbitmq_server.url.split("@", 1)[1].split("/", 1)[0]
    url = "amqp://" + credentials.format(address=address)
    result = CliRunner().invoke(main, ["dlq", "count"], env={"ONEPOINT_BROKER_URL": url})
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "is RabbitMQ running there?" not in line and "check the user, the password and the vhost" in line, line
    assert ":wrong@" not in line, line
