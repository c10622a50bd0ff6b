"""``onepoint serve`` and ``onepoint worker`` warn when their settings file carries the published development
credentials (``defaults.toml`` copied as the start of one's ``hub.toml``), naming each such caller and no secret
(audit: only the built-in defaults were warned about; the worker never warned). Nothing is served: serve stops at
the emulators' start (replaced), the worker at its dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.development_credentials import BUILT_IN_WARNING
from hub.cli.main import main
from tests.support.serve_start import refuse_emulators, serve_until_emulators
from tests.support.servers import free_port

pytestmark = pytest.mark.integration

DEFAULTS = Path(__file__).parents[2] / "hub" / "config" / "defaults.toml"


def warnings_about_credentials(output: str) -> list[str]:
    return [line for line in output.splitlines() if "DEVELOPMENT credentials" in line]


def copied_defaults(tmp_path: Path, *, amqp: bool = False) -> str:
    text = DEFAULTS.read_text("utf-8")
    if amqp:  # the worker refuses memory:// before anything else
        text = text.replace('url = "memory://"', f'url = "amqp://guest:guest@127.0.0.1:{free_port()}/%2F"')
    (tmp_path / "hub.toml").write_text(text, "utf-8")
    return "hub.toml"


@pytest.fixture
def no_emulators(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_emulators(monkeypatch)


def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    return serve_until_emulators(tmp_path, monkeypatch, *args)


def test_serve_with_a_settings_file_carrying_them_names_each_caller(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_emulators: None) -> None:
    said = serve(tmp_path, monkeypatch, "--config", copied_defaults(tmp_path))
    (line,) = warnings_about_credentials(said)
    assert "WARNING" in line and "hub.toml gives callers the published DEVELOPMENT credentials" in line
    for caller in ("CS (cs-frontend:", "NSP (nsp:", "OA (oa:", "BOSS (boss:", "CRM (crm:", "DSMP (dsmp:"):
        assert caller in line
    assert "cs-dev-password" not in said and "cs-dev-token" not in said and "sha256$" not in said


def test_serve_without_config_keeps_its_own_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_emulators: None) -> None:
    (line,) = warnings_about_credentials(serve(tmp_path, monkeypatch))
    assert BUILT_IN_WARNING in line


def test_serve_with_its_own_credentials_says_nothing_of_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_emulators: None) -> None:
    (tmp_path / "own.toml").write_text('[[callers]]\nsystem = "NSP"\nusername = "nsp"\nws_password = "own"\n')
    assert warnings_about_credentials(serve(tmp_path, monkeypatch, "--config", "own.toml")) == []


def test_a_worker_with_a_settings_file_carrying_them_warns_too(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = copied_defaults(tmp_path, amqp=True)
    result = CliRunner().invoke(main, ["worker", "bulletin", "--config", config, "--dependencies", "os:sep",
                                       "--log-format", "text"])  # stops at its dependencies: not a mapping
    assert result.exit_code == 2 and "did not give a mapping" in result.output, result.output
    (line,) = warnings_about_credentials(result.output)
    assert "WARNING" in line and "hub.toml gives callers the published DEVELOPMENT credentials" in line
    assert "CS (cs-frontend: password, token, WS-Security password)" in line
