"""The SMTP server behind a circuit breaker, as every other system the hub calls (hub.gateways): a server that
keeps failing opens the circuit ``mail`` after ``[mail] breaker_fail_max`` failures, the mail queue's messages then
wait in a delay tier (no connection, no attempt counted) and the board (``/readyz``, ``/metrics``) names the circuit;
a 5xx refusal never counts toward opening it, and a deferral (451) counts once per mail, as an answered failure of
the other gateways does. No network: ``smtplib.SMTP`` is a fake."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from lxml import etree

from adapters.mail.client import MailClient
from adapters.mail.handlers import CONSUMER, handlers
from hub.config.mail import MailSettings
from hub.envelope import Envelope
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.validation.namespaces import COMMON_NS
from hub.workers import WorkerTestClient
from hub.workflow.changes import FollowUp
from hub.workflow.mail_dispatch import mail_dispatch

pytestmark = pytest.mark.unit

MAILBOX = "billing-desk@example.com"
ROW = {"id": "WO20261123ABCD1234", "priority": 2, "category_code": "05.01.01", "phenomenon": "Voice charges disputed",
       "msisdn": "13800138000", "contact_number": "13800138000", "description": "漫游费不对", "reply_due": None}


def _envelope(message_id: str) -> Envelope:
    follow_up = FollowUp("mail-dispatch", ROW, {"department": "BILLING", "mailbox": MAILBOX, "dispatch": 1,
                                                "fields": {"bill_month": "2026-10"}, "template_fields": []})
    document = mail_dispatch(follow_up, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    document.find(f".//{{{COMMON_NS}}}MessageId").text = message_id  # type: ignore[union-attr]
    return Envelope(message_id, "mail.DispatchMail", "HUB", etree.tostring(document))


class FakeSmtp:
    """What ``smtplib.SMTP`` is in these tests: each connection fails with ``failure`` (None: the mail is taken)."""

    failure: ClassVar[Exception | None] = None
    connections: ClassVar[int] = 0
    sent: ClassVar[list[str]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        type(self).connections += 1
        if type(self).failure is not None:
            raise type(self).failure

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send_message(self, message: Any) -> None:
        type(self).sent.append(str(message["To"]))


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSmtp]:
    monkeypatch.setattr(FakeSmtp, "failure", None)
    monkeypatch.setattr(FakeSmtp, "connections", 0)
    monkeypatch.setattr(FakeSmtp, "sent", [])
    monkeypatch.setattr(smtplib, "SMTP", FakeSmtp)
    return FakeSmtp


def _worker(fail_max: int = 3, reset: float = 30.0) -> tuple[WorkerTestClient, CircuitBreakers, Metrics]:
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    settings = MailSettings(breaker_fail_max=fail_max, breaker_reset_seconds=reset)
    client = WorkerTestClient(handlers, consumer=CONSUMER, metrics=metrics, dependencies={
        "mail": MailClient(settings, breakers=breakers, metrics=metrics), "mail_settings": settings})
    return client, breakers, metrics


def test_a_server_that_cannot_be_reached_opens_the_circuit_and_the_mail_waits(smtp: type[FakeSmtp]) -> None:
    smtp.failure = ConnectionRefusedError(111, "Connection refused")
    client, breakers, metrics = _worker(fail_max=3)
    assert breakers.states() == {"mail": "closed"}  # known from the start, as every system's circuit
    result = client.send(_envelope("mail-wait-000001"))
    assert result.waiting and result.reason is not None and "circuit open" in result.reason
    assert smtp.connections == 3  # the configured failures, then no more connection
    assert breakers.readiness() == {"circuits": {"mail": "open"}, "open": ["mail"]}
    assert metrics.value("onepoint_circuit_state", system="mail", circuit="mail") == 2
    assert metrics.value("onepoint_gateway_call_seconds_count", system="mail", outcome="transient") == 3
    assert metrics.value("onepoint_gateway_call_seconds_count", system="mail", outcome="open") == 1
    other = client.send(_envelope("mail-wait-000002"))  # another dispatch waits too, the server not called
    assert other.waiting and smtp.connections == 3 and client.dead_letters == []


def test_a_refusal_for_good_never_opens_the_circuit(smtp: type[FakeSmtp]) -> None:
    smtp.failure = smtplib.SMTPRecipientsRefused({MAILBOX: (550, b"5.1.1 no such mailbox")})
    client, breakers, _ = _worker(fail_max=2)
    for n in range(4):
        assert client.send(_envelope(f"mail-refused-00000{n}")).dead  # dead-lettered at once, each of them
    assert smtp.connections == 4 and breakers.states() == {"mail": "closed"}


def test_a_deferral_counts_once_per_mail_as_an_answered_failure(smtp: type[FakeSmtp]) -> None:
    """451 (greylisting, a local error): the server failed on this mail. One mail deferred again and again does
    not open the circuit alone; a second mail deferred too does."""
    smtp.failure = smtplib.SMTPResponseException(451, b"4.3.0 try again later")
    client, breakers, _ = _worker(fail_max=2)
    first = client.send(_envelope("mail-deferred-0001"))
    assert first.dead and first.attempts > 2 and breakers.state("mail") == "closed"
    second = client.send(_envelope("mail-deferred-0002"))
    assert second.waiting and breakers.state("mail") == "open"


def test_the_server_saying_it_takes_no_mail_counts_every_time(smtp: type[FakeSmtp]) -> None:
    smtp.failure = smtplib.SMTPConnectError(421, b"4.3.2 service not available, closing channel")
    client, breakers, _ = _worker(fail_max=2)
    assert client.send(_envelope("mail-closed-000001")).waiting
    assert smtp.connections == 2 and breakers.open_systems() == ["mail"]


def test_once_the_server_is_back_the_trial_mail_closes_the_circuit(smtp: type[FakeSmtp]) -> None:
    smtp.failure = OSError("timed out")
    client, breakers, _ = _worker(fail_max=1, reset=0.0)  # the trial may go at once
    assert client.send(_envelope("mail-back-0000001"), follow_retries=False).final.action.name == "RETRY"
    assert breakers.state("mail") in ("open", "half-open")
    smtp.failure = None
    assert client.send(_envelope("mail-back-0000001")).processed
    assert smtp.sent == [MAILBOX] and breakers.states() == {"mail": "closed"}


def test_a_mail_the_server_can_never_take_is_dead_lettered_and_never_opens_the_circuit(
        smtp: type[FakeSmtp]) -> None:
    """An internationalised mailbox (a non-ASCII local part, which [mail.offline] accepts) on a server without
    SMTPUTF8: smtplib refuses before sending (``SMTPNotSupportedError``, no code). The server is up and will never
    take *this* mail: dead-lettered at once naming SMTPUTF8, not counted, the other departments' mails still go."""
    smtp.failure = smtplib.SMTPNotSupportedError(
        "One or more source or delivery addresses require internationalized email support, but the server does "
        "not advertise the required SMTPUTF8 capability")
    client, breakers, _ = _worker(fail_max=2)
    for n in range(3):
        result = client.send(_envelope(f"mail-utf8-00000{n}"))
        assert result.dead and result.attempts == 1
        assert result.reason is not None and "SMTPUTF8" in result.reason
    assert smtp.connections == 3 and breakers.states() == {"mail": "closed"}
    smtp.failure = None
    assert client.send(_envelope("mail-ascii-0000001")).processed and smtp.sent == [MAILBOX]
