"""Operator commands read only the secrets they use: ``onepoint audit verify``, ``stats``, ``workorders list`` and
``listeners list`` run in a shell without the callers' WS-Security secrets and the adapters' passwords, which only
``serve``, ``worker`` and ``demo`` (the default of `load_settings`) need and still refuse to start without."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config import ConfigError, load_settings
from hub.config.workflow import WorkflowSettings
from hub.workflow.runtime import open_runtime

pytestmark = pytest.mark.unit

SECRETS = ("DSMP_PASSWORD", "BOSS_TOKEN", "CS_WS_SECRET", "PG_PASSWORD")
TEXT = ('[adapters.dsmp]\nurl = "http://dsmp.example.net/xml"\nusername = "hub"\npassword_env = "DSMP_PASSWORD"\n'
        '[adapters.boss]\nurl = "http://boss.example.net/"\ntoken_env = "BOSS_TOKEN"\n'
        '[[callers]]\nsystem = "CS"\nusername = "cs-frontend"\nws_password_env = "CS_WS_SECRET"\n'
        'commands = ["workorder.*"]\n'
        '[workers]\nprocessed_store = "postgresql+psycopg://hub@db.example.net:5432/op"\n'
        'processed_store_password_env = "PG_PASSWORD"\n')


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "hub.toml"
    path.write_text(TEXT)
    return path


def test_the_hub_still_refuses_to_start_without_a_secret(config: Path) -> None:
    with pytest.raises(ConfigError, match=r"environment variable CS_WS_SECRET \(ws_password_env\) is not set"):
        load_settings(config)


def _fill_secrets(monkeypatch: pytest.MonkeyPatch, **empty: str) -> None:
    for name in SECRETS:
        monkeypatch.setenv(name, empty.get(name, f"{name.lower()}-value"))


@pytest.mark.parametrize(("variable", "key"), [("CS_WS_SECRET", "ws_password_env"), ("DSMP_PASSWORD", "password_env"),
                                               ("BOSS_TOKEN", "token_env"),
                                               ("PG_PASSWORD", "processed_store_password_env")])
def test_a_secret_set_but_empty_is_refused_naming_the_variable(config: Path, monkeypatch: pytest.MonkeyPatch,
                                                               variable: str, key: str) -> None:
    """An unfilled container secret is no secret: an empty ws_password_env would let anyone who knows the username
    sign in with a PasswordDigest of the empty password."""
    _fill_secrets(monkeypatch)
    load_settings(config)  # every secret filled: loads
    _fill_secrets(monkeypatch, **{variable: ""})
    with pytest.raises(ConfigError, match=rf"environment variable {variable} \({key}\) is empty: set it"):
        load_settings(config)


def test_settings_read_without_secrets_leave_them_unread(config: Path) -> None:
    settings = load_settings(config, secrets=())
    assert settings.callers[0].ws_password is None
    assert (settings.adapter("dsmp").password, settings.adapter("boss").token) == (None, None)
    assert settings.workers.processed_store == "postgresql+psycopg://hub@db.example.net:5432/op"


def test_a_command_writing_to_the_processed_store_reads_its_password_only(config: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="PG_PASSWORD"):
        load_settings(config, secrets=("workers",))
    monkeypatch.setenv("PG_PASSWORD", "s3cret")
    settings = load_settings(config, secrets=("workers",))
    assert settings.workers.processed_store == "postgresql+psycopg://hub:s3cret@db.example.net:5432/op"
    assert settings.callers[0].ws_password is None


def test_an_unknown_section_of_secrets_is_an_error(config: Path) -> None:
    with pytest.raises(ValueError, match="no secrets of \\['audit'\\]"):
        load_settings(config, secrets=("audit",))


@pytest.mark.parametrize("command", [["stats"], ["workorders", "list"], ["listeners", "list"]])
def test_reading_commands_need_none_of_the_services_secrets(config: Path, command: list[str]) -> None:
    open_runtime(WorkflowSettings(database=f"sqlite:///{config.parent / 'onepoint-workorders.db'}")).close()
    result = CliRunner().invoke(main, [*command, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert not any(name in result.output for name in SECRETS)


def test_audit_verify_needs_none_of_the_services_secrets(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEPOINT_AUDIT_KEY", "0123456789abcdef0123456789abcdef0123")
    result = CliRunner().invoke(main, ["audit", "verify", "--config", str(config)])
    assert "no audit log at" in result.output and result.exit_code == 2, result.output
