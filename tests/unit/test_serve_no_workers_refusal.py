"""``onepoint serve --no-workers`` on memory:// is refused (exit 2, one line saying why and what to do), as
``onepoint worker`` refuses memory://: its queues live inside the hub's process, no worker process can consume
them, and every command accepted would be lost at the stop. Refused before the port is bound or anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main

pytestmark = pytest.mark.unit


def test_no_workers_on_memory_is_refused_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--no-workers", "--port", "0", "--emulator-base-port", "0",
                                       "--log-level", "ERROR"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    assert "--no-workers needs RabbitMQ" in line and "memory://" in line and "amqp://" in line
    assert "drop --no-workers" in line
    (tmp_path / "hub.toml").write_text('[broker]\nurl = "memory://"\n')
    named = CliRunner().invoke(main, ["serve", "--config", "hub.toml", "--no-workers", "--port", "0"])
    assert named.exit_code == 2 and "Error: hub.toml: --no-workers needs RabbitMQ" in named.output
    assert not list(tmp_path.glob("*.db"))  # nothing started
