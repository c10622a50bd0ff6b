"""``onepoint serve`` says at start when ``[mail.inbox]`` fetches answers while no department is offline: no
dispatch is e-mailed, so the inbox has nothing to answer (a settings file whose ``[mail.offline.*]`` was left out)."""

from __future__ import annotations

import logging
from dataclasses import replace
from types import MappingProxyType

import pytest

from hub.config import HubSettings
from hub.config.idle_inbox import IDLE_INBOX, warn_idle_inbox
from hub.config.mail_inbox import MailInboxSettings

pytestmark = pytest.mark.unit

INBOX = MailInboxSettings("imap.example.com", "onepoint-hub", "secret")


def warned(settings: HubSettings, caplog: pytest.LogCaptureFixture) -> list[str]:
    log = logging.getLogger("onepoint.test.idle_inbox")
    with caplog.at_level(logging.WARNING, logger=log.name):
        warn_idle_inbox(settings, log)
    return [record.getMessage() for record in caplog.records]


def test_an_inbox_without_offline_departments_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    settings = HubSettings()
    settings = replace(settings, mail=replace(settings.mail, inbox=INBOX, offline=MappingProxyType({})))
    assert warned(settings, caplog) == [IDLE_INBOX]


def test_an_inbox_with_an_offline_department_or_no_inbox_is_not(caplog: pytest.LogCaptureFixture) -> None:
    settings = HubSettings()
    offline = MappingProxyType({"BILLING": "billing@example.com"})
    assert warned(replace(settings, mail=replace(settings.mail, inbox=INBOX, offline=offline)), caplog) == []
    assert warned(replace(settings, mail=replace(settings.mail, inbox=None)), caplog) == []
