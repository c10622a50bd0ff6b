"""``onepoint serve`` with a dependency down at start (the RabbitMQ of ``[broker] url``, the PostgreSQL of
``[security] nonce_store``): one line naming the setting and the URL without its password, exit 1, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(tmp_path: Path, settings: str) -> list[str]:
    config = tmp_path / "hub.toml"
    config.write_text(settings + '[workflow]\ndatabase = "wo.db"\n[audit]\ndevelopment_key = true\n')
    result = CliRunner().invoke(main, ["serve", "--config", str(config), "--port", "0", "--no-emulators",
                                       "--log-level", "CRITICAL"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "s3cretpw" not in result.output
    return [line for line in result.output.splitlines() if not line.startswith("{")]


def test_a_broker_that_is_down_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    port = _closed_port()
    lines = _serve(tmp_path, f'[broker]\nurl = "amqp://hub:s3cretpw@127.0.0.1:{port}/%2F"\n')
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {tmp_path / 'hub.toml'}: [broker] url amqp://hub:***@127.0.0.1:{port}/%2F: ")


def test_a_nonce_store_that_is_down_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    port = _closed_port()
    lines = _serve(tmp_path, f'[security]\nnonce_store = "postgresql+psycopg://hub:s3cretpw@127.0.0.1:{port}/op"\n')
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {tmp_path / 'hub.toml'}: cannot open the WS-Security nonce store, "
                               f"[security] nonce_store (postgresql+psycopg://hub:***@127.0.0.1:{port}/op): "
                               "OperationalError: ")
