"""The mail emulator started as the others are: ``onepoint emulate mail`` on free ports takes a mail over SMTP and
shows it in its journal; ``start_emulators`` (``onepoint serve``) starts it and the hub's ``[mail]`` points at it;
the pytest plugin's ``mail_emulator``."""

from __future__ import annotations

import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage

import httpx
import pytest

from hub.config.settings import HubSettings
from hub.system import point_mail, start_emulators

pytestmark = pytest.mark.integration

LAUNCH = [sys.executable, "-c", "from hub.cli.emulate import emulate; emulate(prog_name='onepoint emulate')"]


def dispatch_mail(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "hub@onepoint.test", "handler@dept.test", subject
    message.set_content("please look at work order WO-1")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


def test_onepoint_emulate_mail_takes_a_mail_over_smtp_and_journals_it() -> None:
    proc = subprocess.Popen([*LAUNCH, "mail", "--port", "0", "--smtp-port", "0", "--log-level", "WARNING"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        name, url = proc.stdout.readline().split()  # type: ignore[union-attr]
        smtp_name, smtp = proc.stdout.readline().split()  # type: ignore[union-attr]
        assert (name, smtp_name) == ("mail", "mail-smtp") and url.startswith("http://127.0.0.1:")
        host, port = smtp.removeprefix("smtp://").rsplit(":", 1)
        assert host == "127.0.0.1"
        dispatch_mail(int(port), "Work order WO-1")
        mails = httpx.get(f"{url}/mail/messages", timeout=10).json()["mails"]
        assert [mail["subject"] for mail in mails] == ["Work order WO-1"]
        journal = httpx.get(f"{url}/__admin/journal", timeout=10).json()
        assert any(entry.get("operation") == "ReceiveMail" for entry in journal["entries"]), journal
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.rstrip().endswith("stopped")


def test_serve_starts_the_mail_emulator_and_points_the_hubs_mail_at_it() -> None:
    running = start_emulators("http://127.0.0.1:1", {"mail": "mail-dev-token"}, base_port=0)
    try:
        assert list(running.servers)[-1] == "mail"
        mail_app = running.servers["mail"].app
        assert mail_app.smtp.port != 0
        assert mail_app.service.hub_url == "http://127.0.0.1:1"
        assert mail_app.service.hub_token == "mail-dev-token"
        settings = point_mail(HubSettings(), running.smtp_addresses())
        assert (settings.mail.smtp_host, settings.mail.smtp_port) == ("127.0.0.1", mail_app.smtp.port)
        dispatch_mail(mail_app.smtp.port, "via serve")
        deadline = time.monotonic() + 5
        while not mail_app.service.mailbox.all(None) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m.subject for m in mail_app.service.mailbox.all(None)] == ["via serve"]
    finally:
        running.stop()


def test_the_pytest_plugin_has_a_mail_emulator_fixture(mail_emulator) -> None:  # type: ignore[no-untyped-def]
    dispatch_mail(mail_emulator.app.smtp.port, "via fixture")
    mails = httpx.get(f"{mail_emulator.base_url}/mail/messages", timeout=10).json()["mails"]
    assert [mail["subject"] for mail in mails] == ["via fixture"]
