"""``onepoint worker`` refuses what could never work, in one line: memory:// (nothing could publish to it, audit
d13) and a consumer whose dependencies cannot be built (audit d12), as ``onepoint serve`` says it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.settings import load_settings
from tests.support.servers import free_port

pytestmark = pytest.mark.unit


def test_a_worker_on_memory_is_refused_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["worker", "bulletin", "--log-level", "ERROR"])  # the defaults: memory://
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "memory:// lives inside one process" in result.output and "amqp://" in result.output
    (tmp_path / "hub.toml").write_text('[broker]\nurl = "memory://"\n')
    named = CliRunner().invoke(main, ["worker", "bulletin", "--config", "hub.toml", "--log-level", "ERROR"])
    assert named.exit_code == 2 and "hub.toml: memory:// lives inside one process" in named.output


def test_a_worker_whose_system_cannot_be_read_says_so_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "boss.toml"  # nothing listens at the BOSS URL; the broker is never reached
    config.write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"\n'
                      f'[adapters.boss]\nurl = "http://127.0.0.1:{free_port()}/"\n')
    result = CliRunner().invoke(main, ["worker", "boss", "--config", str(config), "--log-level", "CRITICAL"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("Error: cannot start the boss worker: SystemUnavailable: boss WSDL")
    assert "Traceback" not in result.output


def test_a_workflow_worker_whose_database_cannot_be_opened_says_so_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"\n'
                      f'[workflow]\ndatabase = "{tmp_path}/no/such/dir/wo.db"\n')
    result = CliRunner().invoke(main, ["worker", "workflow", "--config", str(config), "--log-level", "CRITICAL"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Error: cannot start the workflow worker: OperationalError: unable to open database file" in result.output


def test_a_worker_whose_broker_option_the_client_refuses_says_so_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'[broker]\nurl = "amqp://guest:s3cret@127.0.0.1:{free_port()}/%2F?hearbeat=30"\n')
    result = CliRunner().invoke(main, ["worker", "bulletin", "--config", str(config), "--log-level", "CRITICAL"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith(f"Error: {config}: broker.url: ") and "'hearbeat'" in result.output
    assert "s3cret" not in result.output


def test_a_broker_url_the_client_refuses_past_the_settings_check_is_a_usage_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings built in code (``load_settings`` replaced) skip the check: opening the broker still says it in one
    line, never pika's traceback."""
    import hub.cli.worker as worker_cli

    monkeypatch.chdir(tmp_path)  # the built-in defaults keep the board's file in the working folder
    settings = replace(load_settings(None), broker_url="amqp://guest:s3cret@127.0.0.1:1/%2F?heartbeat=x")
    monkeypatch.setattr(worker_cli, "load_settings", lambda _path: settings)
    result = CliRunner().invoke(main, ["worker", "bulletin", "--log-level", "CRITICAL"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
    assert "broker.url: " in result.output and "Invalid heartbeat value 'x'" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output
