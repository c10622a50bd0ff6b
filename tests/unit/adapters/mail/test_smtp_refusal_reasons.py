"""An SMTP server's refusal reason, as it lands in the logs and the dead letter: every e-mail address in the server's
own text masked (Postfix, Exim and Exchange echo the recipient), for a 5xx (dead-lettered at once) and a 4xx."""

from __future__ import annotations

import smtplib

import pytest

from adapters.mail.client import MailClient
from hub.config.mail import MailSettings
from hub.gateways.failures import SystemRefused, SystemUnavailable
from hub.observability.masking import mask_mailboxes_in

pytestmark = pytest.mark.unit

MAILBOX = "billing-desk@example.com"
CLIENT = MailClient(MailSettings())


@pytest.mark.parametrize(("code", "kind"), [(550, SystemRefused), (450, SystemUnavailable)])
def test_a_refused_recipient_echoed_by_the_server_is_masked(code: int, kind: type[Exception]) -> None:
    said = f"5.1.1 <{MAILBOX}>: Recipient address rejected: User unknown; from=<hub@example.com>".encode()
    failure = CLIENT._failure(smtplib.SMTPRecipientsRefused({MAILBOX: (code, said)}), MAILBOX)
    assert isinstance(failure, kind)
    assert MAILBOX not in str(failure) and "hub@example.com" not in str(failure)
    assert "<b***@example.com>: Recipient address rejected" in str(failure)


def test_a_refused_data_reply_naming_the_recipient_is_masked() -> None:
    failure = CLIENT._failure(smtplib.SMTPDataError(554, f"Message to {MAILBOX} refused as spam".encode()), MAILBOX)
    assert isinstance(failure, SystemRefused) and MAILBOX not in str(failure) and "b***@example.com" in str(failure)


def test_text_without_an_address_is_left_as_it_is() -> None:
    assert mask_mailboxes_in("421 4.7.0 try again later") == "421 4.7.0 try again later"
    assert mask_mailboxes_in("user Li.Ming+x@mail.example.com.cn said") == "user L***@mail.example.com.cn said"


def test_a_failed_withdrawal_names_its_own_command() -> None:
    """A WithdrawMail the server refused says WithdrawMail, not DispatchMail, in the dead letter's reason."""
    failure = CLIENT._failure(smtplib.SMTPDataError(554, b"refused"), MAILBOX, "WithdrawMail")
    assert isinstance(failure, SystemRefused) and str(failure).startswith("MAIL WithdrawMail refused (554)")


def test_a_mailbox_the_server_cannot_take_is_refused_naming_smtputf8_and_masked() -> None:
    mailbox = "张伟@example.com"
    failure = CLIENT._failure(smtplib.SMTPNotSupportedError(
        "One or more source or delivery addresses require internationalized email support, but the server does "
        "not advertise the required SMTPUTF8 capability"), mailbox)
    assert isinstance(failure, SystemRefused) and failure.code == "SMTPUTF8"
    assert "SMTPUTF8" in str(failure) and mailbox not in str(failure) and "张***@example.com" in str(failure)


@pytest.mark.parametrize(("operation", "advice"), [
    ("DispatchMail", "give the department an ASCII mailbox in [mail.offline]"),
    ("WithdrawMail", "the withdrawal goes to the mailbox the dispatch went to: tell its handler another way"),
])
def test_the_smtputf8_refusal_advises_what_helps_that_mail(operation: str, advice: str) -> None:
    failure = CLIENT._failure(smtplib.SMTPNotSupportedError("the server does not advertise SMTPUTF8"),
                              "张伟@example.com", operation)
    assert advice in str(failure) and operation in str(failure)
