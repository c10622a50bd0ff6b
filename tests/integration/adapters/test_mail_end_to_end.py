"""End to end, the whole system on memory:// with its work orders on SQLite, and the mail emulator over SMTP and HTTP
on free 127.0.0.1 ports (docs/offline-mail.md): a complaint dispatched to BILLING, marked offline, reaches the
billing desk's mailbox as a mail; the tester answers it in Chinese through the emulator, which delivers the reply to
the hub's mail ingress; the work order is REPLIED by BILLING through MAIL. A forged answer naming only the work
order and the same answer delivered again change nothing."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from lxml import etree

from emulators.mail import create_emulator as create_mail_emulator
from emulators.population import generate_population
from emulators.toolkit.runner import RunningServer, start_server
from hub.config.settings import HubSettings
from hub.ingress.mail.endpoint import answer_document
from hub.ingress.mail.hooks import AnsweredDispatch
from hub.ingress.mail.reading import InboundMail
from hub.workers import DeadLetterQueues
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
from tests.integration.workflow.test_complaint_end_to_end import NS as WO_NS
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text

pytestmark = pytest.mark.integration

MAILBOX = "billing-desk@example.com"
MAIL_TOKEN = "mail-dev-token"  # the MAIL caller's development token (defaults.toml)
WO = WO_NS["wo"]
BILLING_FIELDS = {"bill_month": "2026-10", "charge_item": "International roaming data", "amount": "268.50"}


@pytest.fixture
def mail_emulator() -> Iterator[dict[str, Any]]:
    """Filled by the system's settings hook (the emulator needs the hub's URL), stopped afterwards."""
    started: dict[str, Any] = {}
    yield started
    server: RunningServer | None = started.get("server")
    if server is not None:
        server.stop()
    if "app" in started:
        started["app"].close()


def billing_offline(mail_emulator: dict[str, Any], **mail: Any) -> Callable[[HubSettings, str], HubSettings]:
    """The system's settings hook: the mail emulator started (it needs the hub's URL) into ``mail_emulator``, the
    hub's ``[mail]`` pointed at its SMTP server with BILLING offline (and ``mail``'s other settings)."""
    def offline(settings: HubSettings, hub_url: str) -> HubSettings:
        app = create_mail_emulator(hub_url=hub_url, hub_token=MAIL_TOKEN)
        mail_emulator.update(app=app, server=start_server(app, name="mail"))
        return replace(settings, mail=replace(settings.mail, smtp_port=app.smtp.port, smtp_timeout=5.0,
                                              offline=MappingProxyType({"BILLING": MAILBOX}), **mail))

    return offline


def _dispatched_to_billing(agent: HotlineAgent, msisdn: str) -> str:
    created = agent.answered(agent.document("CreateWorkOrder.valid.xml", Msisdn=msisdn, ContactNumber=msisdn,
                                            CategoryCode="05.01.01"))  # voice charges disputed: BILLING's
    work_order_id = wo_text(created, "wo:WorkOrderId") or ""
    document = agent.document("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id,
                              **{"Dispatch/wo:ToDepartment": "BILLING", "Dispatch/wo:ToSystem": "BOSS"})
    dispatch = document.find("wo:Dispatch", WO_NS)
    assert dispatch is not None
    for element in dispatch.findall("wo:Field", WO_NS):
        dispatch.remove(element)
    for name, value in BILLING_FIELDS.items():
        etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
    assert wo_text(agent.answered(document), "wo:State") == "DISPATCHED"
    return work_order_id


def test_an_offline_department_answers_its_dispatch_by_mail(tmp_path: Path, emulator_factory: Any,
                                                            mail_emulator: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "mail-offline-e2e-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    offline = billing_offline(mail_emulator, max_answer_bytes=65536)
    customer = generate_population(SEED, SUBSCRIBERS).subscribers[0]
    start_emulator = seeded_emulators(emulator_factory, nsp_replies=True)
    with running_system("memory://", tmp_path, start_emulator, CALM, adjusted=offline) as hub, \
            closing(HotlineAgent(hub)) as agent, \
            httpx.Client(base_url=mail_emulator["server"].url, timeout=30.0) as mail:
        work_order_id = _dispatched_to_billing(agent, customer.msisdn)
        received = settle(lambda: mail.get("/mail/messages", params={"to": MAILBOX}).json()["mails"],
                          "the dispatch mail in the billing desk's mailbox")
        (dispatch_mail,) = received
        raw = mail.get(f"/mail/messages/{dispatch_mail['id']}").json()["raw"]
        body = email.message_from_string(raw, policy=email.policy.default).get_body()
        journal = mail.get("/__admin/journal").json()["entries"]

        inbound = f"{hub.base_url}/mail/inbound"
        unsigned = httpx.post(inbound, content=b"From: x@example.com\r\n\r\nhi", timeout=30.0,
                              headers={"content-type": "message/rfc822"})
        as_text = httpx.post(inbound, content=b"hi", timeout=30.0,
                             headers={"content-type": "text/plain", "authorization": f"Bearer {MAIL_TOKEN}"})
        too_large = httpx.post(inbound, content=b"From: a@example.com\r\n\r\n" + b"x" * 70_000, timeout=30.0,
                               headers={"content-type": "message/rfc822", "authorization": f"Bearer {MAIL_TOKEN}"})
        bypass = httpx.post(f"{hub.base_url}/xml/mail", timeout=30.0, content=answer_document(
            InboundMail(MAILBOX, "<bypass@example.com>", "Re: x", "Done", False),
            AnsweredDispatch(work_order_id, 1, "BILLING"), "Done", datetime.now(UTC)),
            headers={"content-type": "application/xml", "authorization": f"Bearer {MAIL_TOKEN}"})
        forged = httpx.post(f"{hub.base_url}/mail/inbound", timeout=30.0, content=(
            f"From: {MAILBOX}\r\nTo: onepoint-hub@example.com\r\nSubject: Re: [WO#{work_order_id}] done\r\n"
            "Message-ID: <forged-1@example.com>\r\n\r\nClosed, no refund.\r\n").encode(),
            headers={"content-type": "message/rfc822", "authorization": f"Bearer {MAIL_TOKEN}"})
        answered = mail.post(f"/mail/messages/{dispatch_mail['id']}/answer", json={
            "text": "已核实：漫游流量费误计，已退费268.50元。\n李明 计费账务中心", "charset": "gb2312"})
        again = httpx.post(f"{hub.base_url}/mail/inbound", content=answered.json()["raw"].encode(), timeout=30.0,
                           headers={"content-type": "message/rfc822", "authorization": f"Bearer {MAIL_TOKEN}"})
        shown = agent.query(work_order_id)
        dead = DeadLetterQueues(hub.broker).counts()

    assert dispatch_mail["subject"].startswith(f"[WO#{work_order_id}] Dispatched to BILLING")
    assert "[ref 1-" in dispatch_mail["subject"] and dispatch_mail["work_order_id"] == work_order_id
    assert body is not None
    text = str(body.get_content())
    assert customer.msisdn in text and "bill_month: 2026-10" in text  # the handler needs them: nothing masked
    (kept,) = [e for e in journal if e["operation"] == "ReceiveMail"]  # the mail in the emulator's journal
    assert f"[WO#{work_order_id}]" in kept["request_body"]
    assert [unsigned.status_code, as_text.status_code, too_large.status_code] == [401, 415, 413]
    assert bypass.status_code == 403 and "/mail/inbound" in bypass.text  # no answer but the mail as it came
    assert (forged.status_code, forged.headers.get("x-onepoint-refusal")) == (403, "no-token"), forged.text
    assert "no-token" in forged.text and work_order_id in forged.text  # the c:Error names the violation
    assert answered.status_code == 200 and answered.json()["status"] == 200, answered.text
    assert again.status_code == 200, again.text  # the same mail delivered twice: taken once
    assert wo_text(shown, "wo:State") == "REPLIED"
    entries = history(shown)
    (reply,) = [e for e in entries if e.get("Action") == "REPLY"]
    assert (reply["System"], reply["By"]) == ("MAIL", "BILLING")
    assert reply["Note"].startswith("已核实：漫游流量费误计，已退费268.50元。") and "wrote:" not in reply["Note"]
    assert reply["MessageId"].startswith("mail-")
    assert any(e.get("Field") == "mail_from" and e.get("NewValue") == "b***@example.com" for e in entries)  # masked
    assert not any(dead.values()), dead
    refusals = [r for r in caplog.records if r.name == "onepoint.ingress.mail"]
    assert refusals and all(getattr(r, "sender", None) in (None, "b***@example.com") for r in refusals)
    logged = [str(value) for record in caplog.records for value in vars(record).values()]
    assert not any(MAILBOX in value for value in logged)  # the mailbox masked in every log line (b***@...)
    assert not any(customer.msisdn in value for value in logged if "onepoint.ingress.mail" in value)


def test_a_cancelled_work_order_is_withdrawn_from_the_handler_by_mail(tmp_path: Path, emulator_factory: Any,
                                                                      mail_emulator: dict[str, Any],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "mail-offline-e2e-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    offline = billing_offline(mail_emulator)
    customer = generate_population(SEED, SUBSCRIBERS).subscribers[1]
    start_emulator = seeded_emulators(emulator_factory, nsp_replies=True)
    with running_system("memory://", tmp_path, start_emulator, CALM, adjusted=offline) as hub, \
            closing(HotlineAgent(hub)) as agent, \
            httpx.Client(base_url=mail_emulator["server"].url, timeout=30.0) as mail:
        work_order_id = _dispatched_to_billing(agent, customer.msisdn)
        settle(lambda: mail.get("/mail/messages", params={"to": MAILBOX}).json()["mails"], "the dispatch mail")
        cancelled = agent.answered(agent.document("WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id))
        received = settle(lambda: (lambda mails: mails if len(mails) >= 2 else [])(
            mail.get("/mail/messages", params={"to": MAILBOX}).json()["mails"]), "the withdrawal mail")
        dead = DeadLetterQueues(hub.broker).counts()

    assert wo_text(cancelled, "wo:State") == "CANCELLED"
    subjects = [m["subject"] for m in received]
    assert len(subjects) == 2 and subjects[1] == f"[WO#{work_order_id}] no longer needed: work order " \
        f"{work_order_id} cancelled", subjects
    assert "[ref " not in subjects[1]
    assert not any(dead.values()), dead
