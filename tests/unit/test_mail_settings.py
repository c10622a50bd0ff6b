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
    assert (mail.breaker_fail_max, mail.breaker_reset_seconds) == (5, 30.0)  # the SMTP server's circuit
    assert (parse_mail({"breaker_fail_max": 2, "breaker_reset_seconds": 5}, "hub.toml").breaker_fail_max) == 2


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
    ({"sender": "not an address"}, "sender must be one e-mail address"),
    ({"token_key": "short"}, "at least 16 bytes"),
    ({"token_key_env": "ONEPOINT_TEST_UNSET_MAIL_KEY"}, "ONEPOINT_TEST_UNSET_MAIL_KEY (token_key_env) is not set"),
    ({"offline": {"BILLING": {"mailbox": "desk"}}}, "[mail.offline.BILLING] mailbox must be one e-mail address"),
    ({"offline": {"BILLING": {"mailbox": "a@example.com", "cc": "b@example.com"}}}, "exactly mailbox"),
    ({"offline": {"bad code!": {"mailbox": "a@example.com"}}}, "is no department code"),
    ({"offline": {"MARKETING": {"mailbox": "marketing,boss@example.com"}}}, "must be one e-mail address"),
    ({"offline": {"MARKETING": {"mailbox": "marketing;boss@example.com"}}}, "must be one e-mail address"),
    ({"offline": {"MARKETING": {"mailbox": "Boss <boss@example.com>"}}}, "must be one e-mail address"),
    ({"offline": {"MARKETING": {"mailbox": "boss(x)@example.com"}}}, "must be one e-mail address"),
    ({"offline": {"MARKETING": {"mailbox": '"a b"@example.com'}}}, "must be one e-mail address"),
    ({"sender": "hub@example.com, boss@example.com"}, "sender must be one e-mail address"),
    ({"breaker_fail_max": 0}, "breaker_fail_max must be a whole number of 1 to 1000000"),
    ({"breaker_fail_max": 2.5}, "breaker_fail_max must be a whole number"),
    ({"breaker_reset_seconds": -1}, "breaker_reset_seconds must be a number of 0 to 86400"),
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


@pytest.mark.parametrize("key_line", ["", f'token_key = "{DEVELOPMENT_MAIL_KEY}"\n'])
def test_a_file_marking_a_department_offline_on_the_development_key_is_refused(tmp_path: Path,
                                                                               key_line: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(f'[mail]\nsender = "hub@operator.example"\n{key_line}'
                    '[mail.offline.BILLING]\nmailbox = "billing-desk@operator.example"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"\[mail\].*development key.*token_key_env"):
        load_settings(path)


def test_built_in_settings_given_an_offline_department_warn_of_the_development_key() -> None:
    import logging
    from dataclasses import replace
    from types import MappingProxyType

    from hub.cli.development_credentials import MAIL_KEY_WARNING, warn_development_credentials

    settings = load_settings()
    settings = replace(settings, mail=replace(settings.mail, offline=MappingProxyType({"BILLING": "b@example.com"})))
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    log = logging.getLogger("test.mail.development-key")
    log.addHandler(Keep())
    warn_development_credentials(settings, log)
    assert MAIL_KEY_WARNING in records


def test_after_a_key_change_an_answer_under_the_previous_key_is_still_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.ingress.mail.hooks import answered_dispatch
    from hub.ingress.mail.reading import InboundMail, MailRefused
    from hub.security.mail_tokens import dispatch_token

    monkeypatch.setenv("TEST_MAIL_KEY", "new-key-of-enough-bytes-2")
    monkeypatch.setenv("TEST_MAIL_KEY_OLD", "old-key-of-enough-bytes-1")
    offline = {"BILLING": {"mailbox": "billing-desk@example.com"}}
    rotated = parse_mail({"token_key_env": "TEST_MAIL_KEY", "previous_token_key_env": "TEST_MAIL_KEY_OLD",
                          "offline": offline}, "hub.toml")
    assert rotated.token_key == b"new-key-of-enough-bytes-2"  # new dispatches: the new key only
    token = dispatch_token(b"old-key-of-enough-bytes-1", "WO1", 1, "BILLING", "billing-desk@example.com")
    mail = InboundMail("billing-desk@example.com", "<m@x>", f"Re: [WO#WO1] x [ref 1-{token}]", "done", False)
    assert answered_dispatch(mail, rotated).department == "BILLING"
    without = parse_mail({"token_key_env": "TEST_MAIL_KEY", "offline": offline}, "hub.toml")
    with pytest.raises(MailRefused, match="key changed"):
        answered_dispatch(mail, without)


def test_a_previous_key_variable_unset_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEPOINT_TEST_UNSET_OLD_KEY", raising=False)
    with pytest.raises(ValueError, match=r"ONEPOINT_TEST_UNSET_OLD_KEY \(previous_token_key_env\) is not set"):
        parse_mail({"previous_token_key_env": "ONEPOINT_TEST_UNSET_OLD_KEY"}, "hub.toml")


def test_an_internationalised_mailbox_needs_the_server_said_to_offer_smtputf8() -> None:
    """A non-ASCII local part (张伟@example.com) goes only through a server offering SMTPUTF8 (RFC 6531); without
    it every mail to that department would be dead-lettered: refused at start unless ``smtputf8 = true``."""
    offline = {"BILLING": {"mailbox": "张伟@example.com"}}
    with pytest.raises(ValueError, match=r"\[mail.offline.BILLING\] mailbox .*non-ASCII.*smtputf8 = true"):
        parse_mail({"token_key": "k" * 20, "offline": offline}, "hub.toml")
    with pytest.raises(ValueError, match=r"sender .*smtputf8 = true"):
        parse_mail({"token_key": "k" * 20, "sender": "枢纽@example.com"}, "hub.toml")
    mail = parse_mail({"token_key": "k" * 20, "smtputf8": True, "offline": offline}, "hub.toml")
    assert mail.smtputf8 and dict(mail.offline) == {"BILLING": "张伟@example.com"}
    assert not parse_mail(None, "hub.toml").smtputf8
    with pytest.raises(ValueError, match="smtputf8 must be true or false"):
        parse_mail({"smtputf8": "yes"}, "hub.toml")
