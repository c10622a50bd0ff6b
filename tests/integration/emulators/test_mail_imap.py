"""The mail emulator's IMAP server (emulators/mail/imap.py) with a real ``imaplib`` client: a tester's answer with
``"deliver": "imap"`` lands in the hub's inbox; UID SEARCH UNSEEN finds it, UID FETCH (BODY.PEEK[]) returns it
whole without marking it read, UID STORE +FLAGS marks it; a wrong login is refused; the address is printed by
``onepoint emulate`` (tests/unit/emulators/test_mail_catalog.py)."""

from __future__ import annotations

import email
import email.policy
import imaplib
import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest

from emulators.mail import create_emulator
from emulators.mail.app import MailEmulatorApp
from emulators.toolkit.runner import start_server

pytestmark = pytest.mark.integration


@pytest.fixture
def emulator() -> Iterator[tuple[MailEmulatorApp, str]]:
    app = create_emulator()
    server = start_server(app, name="mail")
    try:
        yield app, server.url
    finally:
        server.stop()
        app.close()


def _dispatched(app: MailEmulatorApp, url: str) -> str:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "onepoint-hub@example.com", "billing-desk@example.com", "WO-1"
    mail["Message-ID"] = "<dispatch-1@example.com>"
    mail.set_content("Please check the bill.")
    with smtplib.SMTP("127.0.0.1", app.smtp.port, timeout=10) as smtp:
        smtp.send_message(mail)
    (received,) = httpx.get(f"{url}/mail/messages", timeout=10).json()["mails"]
    return str(received["id"])


def test_an_answer_delivered_to_imap_is_fetched_with_imaplib(emulator: tuple[MailEmulatorApp, str]) -> None:
    app, url = emulator
    mail_id = _dispatched(app, url)
    answered = httpx.post(f"{url}/mail/messages/{mail_id}/answer", timeout=10,
                          json={"text": "Refunded 268.50.", "deliver": "imap"}).json()
    assert answered["outcome"] == "in-inbox" and answered["uid"] == 1
    wrong = httpx.post(f"{url}/mail/messages/{mail_id}/answer", timeout=10, json={"text": "x", "deliver": "fax"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid-deliver")

    imap = imaplib.IMAP4("127.0.0.1", app.imap.port, timeout=10)
    try:
        assert "IMAP4REV1" in imap.capabilities
        with pytest.raises(imaplib.IMAP4.error):
            imap.login("onepoint-hub", "wrong")
        assert imap.login("onepoint-hub", "mail-dev-imap")[0] == "OK"
        assert imap.select("INBOX")[0] == "OK"
        assert imap.uid("SEARCH", "UNSEEN") == ("OK", [b"1"])
        status, data = imap.uid("FETCH", "1", "(BODY.PEEK[])")
        assert status == "OK" and isinstance(data[0], tuple)
        raw = data[0][1]
        assert raw == answered["raw"].encode()
        assert imap.uid("FETCH", "1", "(RFC822.SIZE)") == ("OK", [f"1 (UID 1 RFC822.SIZE {len(raw)})".encode()])
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["In-Reply-To"] == "<dispatch-1@example.com>"
        assert imap.uid("SEARCH", "UNSEEN") == ("OK", [b"1"])  # PEEK: still unseen
        assert imap.uid("STORE", "1", "+FLAGS", r"(\Seen \Flagged)")[0] == "OK"
        assert imap.uid("SEARCH", "UNSEEN") == ("OK", [b""])
        assert imap.noop()[0] == "OK"
    finally:
        assert imap.logout()[0] == "BYE"
    assert app.service.inbox.snapshot() == {"onepoint-hub": [{"uid": 1, "flags": ["\\Flagged", "\\Seen"]}]}


def test_a_command_line_too_long_is_answered_before_the_connection_closes(
        emulator: tuple[MailEmulatorApp, str]) -> None:
    app, _ = emulator
    with socket.create_connection(("127.0.0.1", app.imap.port), timeout=10) as sock:
        assert sock.recv(4096).startswith(b"* OK")
        sock.sendall(b"A1 LOGIN " + b"x" * 70_000 + b"\r\n")
        answered = b""
        while chunk := sock.recv(4096):
            answered += chunk
    assert b"* BYE the command line is too long" in answered
    imap = imaplib.IMAP4("127.0.0.1", app.imap.port, timeout=10)  # still serving
    assert imap.logout()[0] == "BYE"
