"""The IMAP inbox poller's decisions (hub/ingress/mail/inbox.py, fetched.py), on a fake IMAP connection (no
network): a taken or duplicate mail is marked \\Seen, one refused for good \\Seen \\Flagged and logged with its code,
one that met a passing failure left unseen; one mail's failure never stops the pass; an unreachable mailbox is
`InboxUnreachable`; the poller's thread survives it and stops cleanly."""

from __future__ import annotations

import asyncio
import imaplib
import logging
import ssl
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from lxml import etree

from hub.config.files import ConfigError
from hub.config.mail import MailSettings
from hub.config.mail_inbox import MailInboxSettings
from hub.config.security import CallerConfig
from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance, AckInfo, Admitted
from hub.ingress.mail.endpoint import MailIngress
from hub.ingress.mail.fetched import Verdict, mail_caller, take_fetched
from hub.ingress.mail.hooks import AnsweredDispatch
from hub.ingress.mail.inbox import InboxPoller, InboxUnreachable, poll_once
from hub.ingress.mail.reading import InboundMail, MailRefused
from hub.transport.errors import RequestTimeoutError
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.namespaces import COMMON_NS
from hub.validation.validator import DocumentValidator

pytestmark = pytest.mark.unit

SETTINGS = MailInboxSettings(imap_host="127.0.0.1", username="hub", password="pw", imap_port=1143, tls=False,
                             poll_seconds=1.0, connect_timeout=1.0)


@dataclass
class FakeImap:
    """What imaplib's IMAP4 answers: the mails by UID, the flags stored, the calls made."""

    mails: dict[str, bytes]
    select_status: str = "OK"
    stored: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    logged_out: bool = False

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        self.calls.append(("SELECT", folder))
        return self.select_status, [b"0"]

    def uid(self, command: str, *args: str) -> tuple[str, list[Any]]:
        self.calls.append((command, *args))
        if command == "SEARCH":
            return "OK", [" ".join(self.mails).encode()]
        if command == "FETCH" and args[1] == "(RFC822.SIZE)":
            return "OK", [f"{args[0]} (UID {args[0]} RFC822.SIZE {len(self.mails[args[0]])})".encode()]
        if command == "FETCH":
            raw = self.mails[args[0]]
            return "OK", [(f"{args[0]} (UID {args[0]} BODY[] {{{len(raw)}}}".encode(), raw), b")"]
        self.stored[args[0]] = args[2]
        return "OK", []

    def logout(self) -> None:
        self.logged_out = True


def test_each_verdict_sets_its_flags_and_a_failure_stops_nothing() -> None:
    imap = FakeImap({"1": b"taken", "2": b"refused", "3": b"left", "4": b"boom", "5": b"duplicate"})
    verdicts: dict[bytes, Verdict] = {b"taken": "taken", b"refused": "refused", b"left": "left",
                                      b"duplicate": "taken"}

    def take(raw: bytes) -> Verdict:
        if raw == b"boom":
            raise RuntimeError("a defect in one mail")
        return verdicts[raw]

    count = poll_once(SETTINGS, take, lambda settings: imap)
    assert (count.taken, count.refused, count.left) == (2, 1, 2)
    assert imap.stored == {"1": r"(\Seen)", "2": r"(\Seen \Flagged)", "5": r"(\Seen)"}  # 3, 4: unseen
    assert ("SELECT", "INBOX") in imap.calls and ("SEARCH", "UNSEEN") in imap.calls
    assert all(call[2] == "(BODY.PEEK[])" for call in imap.calls if call[0] == "FETCH")  # never marked read
    assert imap.logged_out


def test_a_mail_larger_than_an_answer_may_be_is_refused_without_being_downloaded() -> None:
    imap = FakeImap({"1": b"x" * 2000, "2": b"small"})
    taken: list[bytes] = []

    def take(raw: bytes) -> Verdict:
        taken.append(raw)
        return "taken"

    count = poll_once(SETTINGS, take, lambda settings: imap, max_bytes=1000)
    assert (count.taken, count.refused, count.left) == (1, 1, 0) and taken == [b"small"]
    assert imap.stored == {"1": r"(\Seen \Flagged)", "2": r"(\Seen)"}
    assert ("FETCH", "1", "(BODY.PEEK[])") not in imap.calls  # asked its size, never fetched


def test_a_folder_that_cannot_be_selected_logs_out() -> None:
    imap = FakeImap({}, select_status="NO")
    with pytest.raises(InboxUnreachable, match="folder"):
        poll_once(SETTINGS, lambda raw: "taken", lambda settings: imap)
    assert imap.logged_out


@pytest.mark.parametrize("failure", [OSError("connection refused"), imaplib.IMAP4.error("LOGIN failed")])
def test_an_unreachable_mailbox_is_named(failure: Exception) -> None:
    def connect(settings: MailInboxSettings) -> Any:
        raise failure

    with pytest.raises(InboxUnreachable, match=r"127\.0\.0\.1:1143"):
        poll_once(SETTINGS, lambda raw: "taken", connect)
    with pytest.raises(InboxUnreachable, match="folder"):
        poll_once(SETTINGS, lambda raw: "taken", lambda settings: FakeImap({}, select_status="NO"))


def test_the_poller_survives_an_unreachable_mailbox_and_stops_cleanly() -> None:
    attempts = threading.Semaphore(0)

    def connect(settings: MailInboxSettings) -> Any:
        attempts.release()
        raise OSError("down")

    poller = InboxPoller(MailInboxSettings(imap_host="127.0.0.1", username="u", password="p", poll_seconds=1.0),
                         lambda raw: "taken", connect).start()
    assert attempts.acquire(timeout=5) and attempts.acquire(timeout=5)  # tried again at the next pass
    poller.stop()
    assert not poller._thread.is_alive()


REGISTRY = CommandSetRegistry.installed()
ANSWERED = b'<mail:AnswerMailResponse xmlns:mail="urn:onepoint:mail:1"/>'  # its root is all pass_on reads here


def _error(code: str) -> bytes:
    """The workflow's refusal as the real `MailIngress.answer` returns it: the Ack's reply, never raised."""
    error = etree.Element(f"{{{COMMON_NS}}}Error")
    etree.SubElement(error, f"{{{COMMON_NS}}}Code").text = code
    return etree.tostring(error)


class FakeIngress(MailIngress):
    """`MailIngress.answer` raising what the pipeline would, or returning the Ack with the workflow's reply (a
    ``c:Error`` included, as the real one does); the reply is checked by the real `MailIngress.passed_on`."""

    def __init__(self, failure: Exception | bytes | None) -> None:
        acceptance = Acceptance(None, DocumentValidator(REGISTRY))  # type: ignore[arg-type]  # pass_on only
        super().__init__(SimpleNamespace(acceptance=acceptance), MailSettings(), 1_000_000)  # type: ignore[arg-type]
        self.failure = failure
        self.refusals: list[str] = []

    async def answer(self, body: bytes, caller: CallerConfig, progress: Any,
                     peer: str | None = None, *, text_cap: bool = False) -> tuple[Admitted, AckInfo]:
        progress.mail = InboundMail("billing-desk@example.com", "<a@example.com>", "Re: x", "Done", False)
        progress.answered = AnsweredDispatch("WO-1", 1, "BILLING")
        if isinstance(self.failure, Exception):
            raise self.failure
        envelope = Envelope("mail-1", "mail.AnswerMail", "MAIL", b"<mail/>")
        reply = ANSWERED if self.failure is None else self.failure
        return (Admitted(REGISTRY.get("mail"), "AnswerMail", envelope),
                AckInfo("mail-1", None, "COMPLETED", datetime.now(UTC), reply, reply_validated=True))

    def refused(self, refused: MailRefused, progress: Any) -> None:
        self.refusals.append(refused.code)


@pytest.mark.parametrize(("failure", "verdict"), [
    (None, "taken"), (MailRefused(403, "no-token", "no token"), "refused"),
    (_error("stale-dispatch"), "refused"), (_error("system-unavailable"), "left"),
    (ConnectionError("broker down"), "left"),
    (RequestTimeoutError("no reply"), "left"), (MailRefused(429, "throttled", "later"), "left"),
])
def test_what_becomes_of_a_fetched_mail(failure: Exception | bytes | None, verdict: Verdict,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "onepoint.ingress.mail")
    ingress = FakeIngress(failure)
    caller = CallerConfig(system="MAIL", username="mail")
    assert asyncio.run(take_fetched(ingress, caller, b"raw")) == verdict
    if verdict == "refused" and isinstance(failure, bytes):
        (line,) = [r for r in caplog.records if r.getMessage() == "answer mail refused"]
        assert (line.code, line.sender) == ("stale-dispatch", "b***@example.com")
    if isinstance(failure, MailRefused):
        assert ingress.refusals == [failure.code]  # logged as the endpoint logs it


def test_fetched_mails_are_taken_as_the_mail_caller() -> None:
    callers = [CallerConfig(system="OA", username="oa"), CallerConfig(system="MAIL", username="mail")]
    assert mail_caller(callers).username == "mail"
    with pytest.raises(ConfigError, match="MAIL"):
        mail_caller(callers[:1])


def test_over_tls_the_servers_certificate_and_name_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """imaplib.IMAP4_SSL alone takes any certificate (ssl._create_stdlib_context): the password would go to
    whoever answers."""
    made: dict[str, Any] = {}

    class Tls:
        def __init__(self, host: str, port: int, **options: Any) -> None:
            made.update(options, host=host, port=port)

        def login(self, user: str, password: str) -> None:
            made["login"] = user

    monkeypatch.setattr(imaplib, "IMAP4_SSL", Tls)
    from hub.ingress.mail.inbox import connect

    connect(MailInboxSettings(imap_host="imap.example.com", username="hub", password="pw"))
    context = made["ssl_context"]
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert (made["host"], made["port"], made["login"]) == ("imap.example.com", 993, "hub")


def test_an_untrusted_certificate_is_named_with_what_to_do() -> None:
    def connect(settings: MailInboxSettings) -> Any:
        failure = ssl.SSLCertVerificationError("certificate verify failed")
        failure.verify_message = "self-signed certificate"
        raise failure

    with pytest.raises(InboxUnreachable, match=r"not trusted \(self-signed certificate\).*ca_file"):
        poll_once(SETTINGS, lambda raw: "taken", connect)


def test_a_folder_name_with_a_space_is_quoted() -> None:
    imap = FakeImap({})
    poll_once(replace(SETTINGS, folder="Offline answers"), lambda raw: "taken", lambda settings: imap)
    assert ("SELECT", '"Offline answers"') in imap.calls


def test_a_refused_mail_is_logged_with_its_uid_and_message_id(caplog: pytest.LogCaptureFixture) -> None:
    imap = FakeImap({"7": b"Message-ID: <answer-7@example.com>\r\nSubject: x\r\n\r\n"})
    with caplog.at_level(logging.WARNING, logger="onepoint.ingress.mail.inbox"):
        poll_once(SETTINGS, lambda raw: "refused", lambda settings: imap)
    (flagged,) = [r for r in caplog.records if r.getMessage() == "inbox mail flagged"]
    assert (flagged.uid, flagged.mail_message_id, flagged.folder) == ("7", "<answer-7@example.com>", "INBOX")


def test_a_mail_that_cannot_be_flagged_is_said(caplog: pytest.LogCaptureFixture) -> None:
    class ReadOnly(FakeImap):
        def uid(self, command: str, *args: str) -> tuple[str, list[Any]]:
            if command == "STORE":
                self.calls.append((command, *args))
                return "NO", [b"read-only folder"]
            return super().uid(command, *args)

    imap = ReadOnly({"1": b"taken"})
    with caplog.at_level(logging.WARNING, logger="onepoint.ingress.mail.inbox"):
        poll_once(SETTINGS, lambda raw: "taken", lambda settings: imap)
    assert [r.status for r in caplog.records if r.getMessage() == "inbox mail could not be flagged"] == ["NO"]
