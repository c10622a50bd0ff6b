"""``onepoint serve`` with a settings file that has no ``[[callers]]`` says so at start: such a hub refuses every
request 401, and the file's absent callers are not taken from ``defaults.toml`` (audit: a newcomer's ``hub.toml``
of only ``[server] port`` started a hub that refused ``cs-dev-token`` and ``cs-frontend`` without a word, the
development-credentials warning simply gone). Nothing is served: serve stops at the emulators' start (replaced).
A worker takes no requests: its settings need no callers, and it says nothing of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.cli.no_callers import no_callers_warning
from hub.config.settings import load_settings
from tests.support.serve_start import refuse_emulators, serve_until_emulators
from tests.support.servers import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def no_emulators(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_emulators(monkeypatch)


def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    return serve_until_emulators(tmp_path, monkeypatch, *args)


def refusals(output: str) -> list[str]:
    return [line for line in output.splitlines() if "has no [[callers]]" in line]


def test_serve_with_a_settings_file_without_callers_warns_that_every_request_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_emulators: None) -> None:
    (tmp_path / "hub.toml").write_text(f"[server]\nport = {free_port()}\n", "utf-8")
    (line,) = refusals(serve(tmp_path, monkeypatch, "--config", "hub.toml"))
    assert "WARNING" in line
    assert ("hub.toml has no [[callers]]: every request is refused 401 (copy them from hub/config/defaults.toml or "
            "add your own)") in line


def test_serve_with_callers_or_without_config_says_nothing_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_emulators: None) -> None:
    (tmp_path / "own.toml").write_text('[[callers]]\nsystem = "NSP"\nusername = "nsp"\nws_password = "own"\n')
    assert refusals(serve(tmp_path, monkeypatch, "--config", "own.toml")) == []
    assert refusals(serve(tmp_path, monkeypatch)) == []


def test_the_warning_is_for_a_settings_file_without_callers_only(tmp_path: Path) -> None:
    assert no_callers_warning(load_settings()) is None
    (tmp_path / "hub.toml").write_text("", "utf-8")
    assert no_callers_warning(load_settings(tmp_path / "hub.toml")) == (
        f"{tmp_path / 'hub.toml'} has no [[callers]]: every request is refused 401 (copy them from "
        "hub/config/defaults.toml or add your own)")


def test_a_worker_without_callers_says_nothing_of_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "worker.toml").write_text(f'[broker]\nurl = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"\n')
    result = CliRunner().invoke(main, ["worker", "bulletin", "--config", "worker.toml", "--dependencies", "os:sep",
                                       "--log-format", "text"])  # stops at its dependencies: not a mapping
    assert result.exit_code == 2 and "did not give a mapping" in result.output, result.output
    assert refusals(result.output) == []
