"""``[mail]`` (hub/config/mail.py): offline departments and their mailboxes, the SMTP server, the sender, the token
key; every mistake named; the built-in defaults mark no department offline and name only 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.config.files import ConfigError
from hub.config.mail import DEVELOPMENT_MAIL_KEY, parse_mail
from hub.config.settings import load_settings
from hub.observability.masking import mask_mailbox

pytestmark = pytest.mark.unit


def test_the_built_in_defaults_mark_no_department_offline() -> None:
    mail = load_settings().mail
    assert (mail.smtp_host, mail.smtp_port, dict(mail.offline)) == ("127.0.0.1", 8025, {})
    assert mail.token_key == DEVELOPMENT_MAIL_KEY.encode()


def test_a_settings_file_marks_billing_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MAIL_KEY", "k" * 32)
    path = tmp_path / "hub.toml"
    path.write_text('[mail]\nsmtp_port = 2525\nsender = "hub@example.com"\ntoken_key_env = "TEST_MAIL_KEY"\n'
                    '[mail.offline.BILLING]\nmailbox = "billing-desk@example.com"\n', "utf-8")
    mail = load_settings(path).mail
    assert (mail.smtp_port, mail.sender, mail.token_key) == (2525, "hub@example.com", b"k" * 32)
    assert dict(mail.offline) == {"BILLING": "billing-desk@example.com"}
    assert mail.department_of("Billing-Desk@Example.COM") == ["BILLING"]


@pytest.mark.parametrize(("section", "named"), [
    ({"smtp_prot": 25}, "unknown keys ['smtp_prot']"),
    ({"smtp_port": 70000}, "smtp_port must be a port number"),
    ({"sender": "not an address"}, "sender must be an e-mail address"),
    ({"token_key": "short"}, "at least 16 bytes"),
    ({"token_key_env": "ONEPOINT_TEST_UNSET_MAIL_KEY"}, "ONEPOINT_TEST_UNSET_MAIL_KEY (token_key_env) is not set"),
    ({"offline": {"BILLING": {"mailbox": "desk"}}}, "[mail.offline.BILLING] mailbox must be an e-mail address"),
    ({"offline": {"BILLING": {"mailbox": "a@example.com", "cc": "b@example.com"}}}, "exactly mailbox"),
    ({"offline": {"bad code!": {"mailbox": "a@example.com"}}}, "is no department code"),
])
def test_a_mistake_is_named(section: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)):
        parse_mail(section, "hub.toml")


def test_a_mistake_in_a_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[mail]\nsmtp_port = "25"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"\[mail\]: smtp_port"):
        load_settings(path)


def test_a_mailbox_is_masked_for_the_logs() -> None:
    assert mask_mailbox("billing-desk@example.com") == "b***@example.com"
    assert mask_mailbox("no address") == "***"
