"""``[mail.inbox]`` (hub/config/mail_inbox.py): the IMAP mailbox the hub fetches answers from; absent, no polling;
the password only from the environment, plain IMAP only to this machine, every mistake named."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.files import ConfigError
from hub.config.mail import parse_mail
from hub.config.settings import load_settings

pytestmark = pytest.mark.unit

INBOX = {"imap_host": "imap.example.com", "username": "onepoint-hub", "password_env": "TEST_IMAP_PASSWORD"}


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "s3cret-imap")


def test_no_inbox_by_default_means_no_polling() -> None:
    assert load_settings().mail.inbox is None
    assert parse_mail({}, "hub.toml").inbox is None


def test_an_inbox_with_its_defaults() -> None:
    inbox = parse_mail({"inbox": INBOX}, "hub.toml").inbox
    assert inbox is not None
    assert (inbox.imap_host, inbox.imap_port, inbox.username, inbox.folder) == (
        "imap.example.com", 993, "onepoint-hub", "INBOX")
    assert (inbox.poll_seconds, inbox.tls, inbox.password) == (30.0, True, "s3cret-imap")
    assert "s3cret-imap" not in repr(inbox)  # the password never in a log of the settings


def test_plain_imap_is_allowed_only_to_this_machine() -> None:
    local = parse_mail({"inbox": {**INBOX, "imap_host": "127.0.0.1", "imap_port": 1143, "tls": False}}, "hub.toml")
    assert local.inbox is not None and not local.inbox.tls
    with pytest.raises(ValueError, match=r"tls = false.*'imap\.example\.com'"):
        parse_mail({"inbox": {**INBOX, "tls": False}}, "hub.toml")


@pytest.mark.parametrize(("change", "named"), [
    ({"poll_seconds": 0}, "poll_seconds"), ({"poll_seconds": 3601}, "poll_seconds"),
    ({"imap_port": 0}, "imap_port"), ({"imap_port": True}, "imap_port"), ({"tls": "yes"}, "tls"),
    ({"connect_timeout": 0}, "connect_timeout"), ({"folder": ""}, "folder"), ({"password": "x"}, "unknown keys"),
    ({"username": None}, "username"), ({"password_env": "TEST_IMAP_UNSET"}, "TEST_IMAP_UNSET"),
    ({"folder": "Réponses"}, "folder must be an ASCII name"), ({"folder": 'a"b'}, "folder must be an ASCII name"),
    ({"ca_file": "/nonexistent/ca.pem"}, "ca_file must name a readable CA file"),
])
def test_a_bad_inbox_entry_is_named(change: dict[str, object], named: str) -> None:
    entry = {key: value for key, value in {**INBOX, **change}.items() if value is not None}
    with pytest.raises(ValueError, match=named):
        parse_mail({"inbox": entry}, "hub.toml")


def test_an_empty_password_variable_is_refused_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "")
    path = tmp_path / "hub.toml"
    path.write_text('[mail.inbox]\nimap_host = "imap.example.com"\nusername = "hub"\n'
                    'password_env = "TEST_IMAP_PASSWORD"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="TEST_IMAP_PASSWORD"):
        load_settings(path)


def test_a_command_without_the_services_secrets_loads_a_mail_section_naming_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``onepoint audit verify``, ``bulletin``, ``stats`` and the other operator commands load the settings without
    the service's secrets (``secrets=()``): the mail token key and the inbox's password are theirs to skip."""
    monkeypatch.delenv("TEST_IMAP_PASSWORD")
    monkeypatch.delenv("TEST_MAIL_KEY", raising=False)
    path = tmp_path / "hub.toml"
    path.write_text('[mail]\ntoken_key_env = "TEST_MAIL_KEY"\n[mail.inbox]\nimap_host = "imap.example.com"\n'
                    'username = "onepoint-hub"\npassword_env = "TEST_IMAP_PASSWORD"\n')
    settings = load_settings(path, secrets=())
    assert settings.mail.token_key == b"" and settings.mail.inbox is not None and settings.mail.inbox.password == ""
    with pytest.raises(ConfigError, match="TEST_MAIL_KEY"):
        load_settings(path)  # the service itself: refused at start, named
    monkeypatch.setenv("TEST_MAIL_KEY", "a-deployment-key-0123456789")
    with pytest.raises(ConfigError, match="TEST_IMAP_PASSWORD"):
        load_settings(path)
