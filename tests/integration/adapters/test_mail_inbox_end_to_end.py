"""End to end with the IMAP inbox (``[mail.inbox]``, docs/offline-mail.md): the whole system on memory:// as in
test_mail_end_to_end.py, the hub's inbox pointed at the mail emulator's IMAP server. The billing desk's handler
answers the dispatch into that inbox (``"deliver": "imap"``) instead of the webhook; the hub's poller fetches it and
takes it through the pipeline of ``POST /mail/inbound``: the work order is REPLIED by BILLING through MAIL, the mail
is marked \\Seen, and another pass takes nothing more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.population import generate_population
from hub.config.mail_inbox import MailInboxSettings
from hub.config.settings import HubSettings
from hub.ingress.mail.fetched import Verdict
from hub.ingress.mail.inbox import poll_once
from hub.workers import DeadLetterQueues
from tests.integration.adapters.test_mail_end_to_end import MAILBOX, _dispatched_to_billing, billing_offline
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    SEED,
    SUBSCRIBERS,
    HotlineAgent,
    history,
    seeded_emulators,
    settle,
)
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text

pytestmark = pytest.mark.integration


@pytest.fixture
def answering() -> Iterator[dict[str, Any]]:
    """The mail emulator, filled by the settings hook (it needs the hub's URL), stopped afterwards."""
    started: dict[str, Any] = {}
    yield started
    if "server" in started:
        started["server"].stop()
    if "app" in started:
        started["app"].close()


def billing_offline_with_inbox(answering: dict[str, Any]) -> Callable[[HubSettings, str], HubSettings]:
    """``billing_offline``, and the hub's ``[mail.inbox]`` at the emulator's IMAP server (plain, on 127.0.0.1)."""
    offline = billing_offline(answering)

    def with_inbox(settings: HubSettings, hub_url: str) -> HubSettings:
        settings = offline(settings, hub_url)
        inbox = MailInboxSettings(imap_host="127.0.0.1", imap_port=answering["app"].imap.port,
                                  username="onepoint-hub", password="mail-dev-imap", tls=False, poll_seconds=1.0,
                                  connect_timeout=5.0)
        return replace(settings, mail=replace(settings.mail, inbox=inbox))

    return with_inbox


def test_the_hub_takes_the_answer_from_its_imap_inbox(tmp_path: Path, emulator_factory: Any,
                                                      answering: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "mail-offline-e2e-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    customer = generate_population(SEED, SUBSCRIBERS).subscribers[2]
    start_emulator = seeded_emulators(emulator_factory, nsp_replies=True)
    with running_system("memory://", tmp_path, start_emulator, CALM,
                        adjusted=billing_offline_with_inbox(answering)) as hub, \
            closing(HotlineAgent(hub)) as agent, \
            httpx.Client(base_url=answering["server"].url, timeout=30.0) as mail:
        work_order_id = _dispatched_to_billing(agent, customer.msisdn)
        (dispatch_mail,) = settle(lambda: mail.get("/mail/messages", params={"to": MAILBOX}).json()["mails"],
                                  "the dispatch mail in the billing desk's mailbox")
        answered = mail.post(f"/mail/messages/{dispatch_mail['id']}/answer", json={
            "text": "Checked: roaming charged in error, 268.50 refunded.", "deliver": "imap"}).json()
        settle(lambda: wo_text(agent.query(work_order_id), "wo:State") == "REPLIED",
               "the work order REPLIED from the inbox")
        shown = agent.query(work_order_id)
        inbox = answering["app"].service.inbox
        flags = settle(lambda: inbox.snapshot().get("onepoint-hub", [{}])[0].get("flags"), "the mail marked")
        fetched: list[bytes] = []

        def take(raw: bytes) -> Verdict:
            fetched.append(raw)
            return "taken"

        assert hub.settings.mail.inbox is not None
        again = poll_once(hub.settings.mail.inbox, take)
        dead = DeadLetterQueues(hub.broker).counts()

    assert answered["outcome"] == "in-inbox" and answered["status"] is None  # not posted to the webhook
    assert flags == ["\\Seen"]
    assert (again.taken, again.refused, again.left, fetched) == (0, 0, 0, [])  # a second pass takes nothing more
    (reply,) = [e for e in history(shown) if e.get("Action") == "REPLY"]
    assert (reply["System"], reply["By"]) == ("MAIL", "BILLING")
    assert reply["Note"].startswith("Checked: roaming charged in error") and reply["MessageId"].startswith("mail-")
    assert not any(dead.values()), dead
