"""The IMAP inbox on /readyz and /metrics (hub/ingress/mail/inbox_health.py): after 3 failed passes in a row (the
mailbox not reached, the login refused) /readyz is 200 ``degraded`` naming ``mail-inbox`` with the last reason; one
ok pass clears it; /metrics counts passes by outcome, mails by result and the last ok pass's time."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.config.bulletin import BulletinSettings
from hub.config.mail_inbox import MailInboxSettings
from hub.config.security import CallerConfig
from hub.config.settings import load_settings
from hub.ingress.app import create_app
from hub.ingress.mail.inbox import InboxPoller
from hub.ingress.mail.inbox_health import FAILED_PASSES, InboxHealth
from hub.observability.metrics import Metrics
from tests.support.in_process import asgi_get

pytestmark = pytest.mark.unit

INBOX = MailInboxSettings(imap_host="127.0.0.1", username="hub", password="pw", imap_port=1143, tls=False,
                          poll_seconds=1.0, connect_timeout=1.0)


def test_three_failed_passes_in_a_row_make_the_inbox_failing_one_ok_pass_clears_it() -> None:
    metrics = Metrics()
    health = InboxHealth(metrics, wall_clock=lambda: 1_800_000_000.0)
    assert FAILED_PASSES == 3
    assert metrics.value("onepoint_mail_inbox_passes_total", outcome="failed") == 0  # shown from the start
    for _ in range(2):
        health.failed("127.0.0.1:1143: ConnectionRefusedError: refused")
    assert health.state().ok  # one or two: a blip
    health.failed("127.0.0.1:1143: IMAP4.error: LOGIN failed")
    state = health.state()
    assert not state.ok
    assert state.reason == "3 passes in a row failed, the last: 127.0.0.1:1143: IMAP4.error: LOGIN failed"
    assert metrics.value("onepoint_mail_inbox_last_success_timestamp_seconds") == 0
    health.passed(taken=2, refused=1, left=0)
    assert health.state().ok
    assert metrics.value("onepoint_mail_inbox_passes_total", outcome="failed") == 3
    assert metrics.value("onepoint_mail_inbox_passes_total", outcome="ok") == 1
    assert [metrics.value("onepoint_mail_inbox_mails_total", result=r) for r in ("taken", "refused", "left")] == \
        [2, 1, 0]
    assert metrics.value("onepoint_mail_inbox_last_success_timestamp_seconds") == 1_800_000_000.0


def test_the_poller_keeps_each_pass_outcome() -> None:
    attempts = threading.Semaphore(0)

    def connect(settings: MailInboxSettings) -> Any:
        attempts.release()
        raise OSError("down")

    health = InboxHealth(failed_passes=1)
    poller = InboxPoller(INBOX, lambda raw: "taken", connect, health=health).start()
    assert attempts.acquire(timeout=5) and attempts.acquire(timeout=5)  # the first pass's outcome is kept by now
    poller.stop()
    state = health.state()
    assert not state.ok and "OSError: down" in (state.reason or "")


def test_readyz_names_a_failing_inbox_degraded_still_200(tmp_path: Path) -> None:
    settings = load_settings()
    settings = replace(settings, adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db"),
                       mail=replace(settings.mail, inbox=INBOX),
                       callers=(*settings.callers, CallerConfig(system="MAIL", username="mail-inbox-test"))
                       if not any(c.system == "MAIL" for c in settings.callers) else settings.callers)
    app = create_app(settings)
    try:
        up = asgi_get(app, "/readyz").json()
        assert (up["status"], up["checks"]["mail-inbox"]) == ("ok", True)
        assert app.inbox_health is not None
        for _ in range(3):
            app.inbox_health.failed("127.0.0.1:1143: IMAP4.error: LOGIN failed")
        degraded = asgi_get(app, "/readyz")
        body = degraded.json()
        assert degraded.status_code == 200 and body["ready"] is True and body["status"] == "degraded"
        assert body["checks"]["mail-inbox"] is False and "LOGIN failed" in body["failing"]["mail-inbox"]
        text = asgi_get(app, "/metrics").text
        assert 'onepoint_mail_inbox_passes_total{outcome="failed"} 3.0' in text
        assert 'onepoint_mail_inbox_mails_total{result="refused"} 0.0' in text
    finally:
        for hook in app.on_shutdown:
            hook()


INBOX_SERIES = ("onepoint_mail_inbox_passes_total", "onepoint_mail_inbox_mails_total",
                "onepoint_mail_inbox_last_success_timestamp_seconds")


def _inbox_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(INBOX_SERIES)]


def test_a_process_without_an_inbox_exports_none_of_its_series(tmp_path: Path) -> None:
    # else `time() - onepoint_mail_inbox_last_success_timestamp_seconds > 600` fires for ever where no inbox is read
    assert _inbox_lines(Metrics().render()[0].decode()) == []  # e.g. a worker's --metrics-port
    settings = load_settings()
    assert settings.mail.inbox is None
    app = create_app(replace(settings, adapters=(), bulletin=BulletinSettings(tmp_path / "bulletin.db")))
    try:
        assert _inbox_lines(asgi_get(app, "/metrics").text) == []
    finally:
        for hook in app.on_shutdown:
            hook()


def test_an_expected_inbox_exports_all_three_series_from_the_start() -> None:
    metrics = Metrics()
    InboxHealth(metrics)
    lines = _inbox_lines(metrics.render()[0].decode())
    assert all(any(line.startswith(name) for line in lines) for name in INBOX_SERIES)
    assert "onepoint_mail_inbox_last_success_timestamp_seconds 0.0" in lines
