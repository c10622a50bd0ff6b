"""A department marked offline ([mail.offline.<code>], docs/offline-mail.md): its dispatch is a ``mail:DispatchMail``
(no OA to-do), and its handler's e-mailed answer (``mail:AnswerMail``) is its Reply, history system MAIL, refused
for an earlier dispatch, a department that no longer owns the work order, or a work order not dispatched by mail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.unit.workflow.kit import START, WO, act, answer, command, envelope, template_dispatch, text

pytestmark = pytest.mark.unit

MAIL = "urn:onepoint:mail:1"
C = "urn:onepoint:common:1"
MAILBOX = "billing-desk@example.com"
BILLING_FIELDS = {"bill_month": "2026-10", "charge_item": "International roaming data", "amount": "268.50"}


@pytest.fixture
def runtime(tmp_path: Path, migrated_store: Path) -> Iterator[WorkflowRuntime]:
    """The conftest's runtime (its ``client`` runs on this one) with BILLING marked offline."""
    database = tmp_path / "workorders.db"
    shutil.copyfile(migrated_store, database)
    settings = WorkflowSettings(database=f"sqlite:///{database}")
    opened = open_runtime(settings, clock=ManualClock(START), offline_mailboxes={"BILLING": MAILBOX})
    yield opened
    opened.close()


def _dispatched(client: WorkerTestClient, msisdn: str = "13800004100") -> tuple[str, list[etree._Element]]:
    document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode="05.01.01", Msisdn=msisdn)
    work_order_id = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""
    document, message_id = template_dispatch(work_order_id, BILLING_FIELDS)
    before = len(client.sent)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"
    return work_order_id, [etree.fromstring(e.payload) for e, _ in client.sent[before:]]


def _answer_mail(work_order_id: str, *, dispatch: int = 1, department: str = "BILLING",
                 message: str = "m1") -> Envelope:
    root = etree.Element(f"{{{MAIL}}}AnswerMail", nsmap={"mail": MAIL, "c": C})
    header = etree.SubElement(root, f"{{{MAIL}}}Header")
    message_id = f"mail-{message}-0000000000"
    etree.SubElement(header, f"{{{C}}}MessageId").text = message_id
    etree.SubElement(header, f"{{{C}}}SourceSystem").text = "MAIL"
    etree.SubElement(header, f"{{{C}}}SentAt").text = "2026-11-23T10:00:00+08:00"
    for name, value in (("WorkOrderId", work_order_id), ("Dispatch", str(dispatch)), ("Department", department),
                        ("From", MAILBOX), ("MailMessageId", f"<{message}@example.com>"),
                        ("Answer", "已核实：漫游流量费误计，已退费268.50元。")):
        etree.SubElement(root, f"{{{MAIL}}}{name}").text = value
    assert CommandSetRegistry.installed().get("mail").lxml_schema.validate(root)
    return Envelope(message_id, "mail.AnswerMail", "MAIL", etree.tostring(root))


def test_a_dispatch_to_an_offline_department_is_a_mail_not_an_oa_todo(client: WorkerTestClient,
                                                                      runtime: WorkflowRuntime) -> None:
    work_order_id, sent = _dispatched(client)
    assert [etree.QName(doc).localname for doc in sent if etree.QName(doc).namespace != C] == ["DispatchMail"]
    (mail,) = sent
    assert CommandSetRegistry.installed().get("mail").lxml_schema.validate(mail)
    assert mail.findtext(f"{{{MAIL}}}WorkOrderId") == work_order_id
    assert (mail.findtext(f"{{{MAIL}}}Department"), mail.findtext(f"{{{MAIL}}}Mailbox")) == ("BILLING", MAILBOX)
    assert mail.findtext(f"{{{MAIL}}}Dispatch") == "1"
    assert mail.findtext(f"{{{MAIL}}}Msisdn") == "13800004100"  # the handler needs the number: nothing masked
    fields = {f.findtext(f"{{{MAIL}}}Name"): f.findtext(f"{{{MAIL}}}Value") for f in mail.iterfind(f"{{{MAIL}}}Field")}
    assert {name: fields[name] for name in BILLING_FIELDS} == BILLING_FIELDS
    assert mail.findtext(f"{{{MAIL}}}ReplyDue")
    shown = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    assert shown.findtext(f".//{{{WO}}}Owner") == "BILLING"


def test_the_mailed_answer_is_the_departments_reply(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id, _ = _dispatched(client)
    reply = answer(client.request(_answer_mail(work_order_id)))
    assert reply.findtext(f"{{{MAIL}}}State") == "REPLIED", etree.tostring(reply)
    shown = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    history = [{etree.QName(c).localname: c.text for c in e} for e in shown.iter(f"{{{WO}}}History")]
    replied = [h for h in history if h.get("Action") == "REPLY"]
    assert replied and replied[-1]["System"] == "MAIL" and replied[-1]["MessageId"] == "mail-m1-0000000000"
    assert "退费268.50元" in (replied[-1].get("Note") or "")
    assert any(h.get("Field") == "mail_message_id" and h.get("NewValue") == "<m1@example.com>" for h in history)
    assert any(h.get("Field") == "mail_from" and h.get("NewValue") == "b***@example.com" for h in history)
    assert MAILBOX not in etree.tostring(shown).decode()  # the sender and the handler masked, as in the logs
    again = client.request(_answer_mail(work_order_id))  # the same mail delivered twice: one reply
    assert etree.fromstring(again.reply or b"").findtext(f"{{{MAIL}}}State") == "REPLIED"
    shown = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    assert sum(1 for e in shown.iter(f"{{{WO}}}History") if e.findtext(f"{{{WO}}}Action") == "REPLY") == 1


@pytest.mark.parametrize(("dispatch", "department", "code"), [
    (2, "BILLING", "stale-reply"),  # an answer to a dispatch the work order never had (or an earlier one)
    (1, "MARKETING", "stale-reply"),  # a department that does not own the work order
])
def test_an_answer_to_another_dispatch_is_refused(client: WorkerTestClient, dispatch: int, department: str,
                                                  code: str) -> None:
    work_order_id, _ = _dispatched(client)
    reply = etree.fromstring(client.request(_answer_mail(work_order_id, dispatch=dispatch,
                                                         department=department)).reply or b"")
    assert reply.findtext(f"{{{C}}}Code") == code, etree.tostring(reply)
    shown = act(client, work_order_id, "QueryWorkOrder.valid.xml")
    assert shown.findtext(f".//{{{WO}}}State") == "DISPATCHED"


def test_a_work_order_not_dispatched_by_mail_takes_no_mailed_answer(client: WorkerTestClient) -> None:
    document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode="05.01.01", Msisdn="13800004101")
    work_order_id = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""
    reply = etree.fromstring(client.request(_answer_mail(work_order_id, message="m9")).reply or b"")
    assert reply.findtext(f"{{{C}}}Code") == "not-dispatched-by-mail", etree.tostring(reply)


def _withdrawals(client: WorkerTestClient, before: int) -> list[tuple[str, etree._Element]]:
    sent = [(e.message_id, etree.fromstring(e.payload)) for e, _ in client.sent[before:]]
    return [(message_id, doc) for message_id, doc in sent if etree.QName(doc).localname == "WithdrawMail"]


@pytest.mark.parametrize(("example", "reason"), [
    ("WorkOrderAction.valid-cancel.xml", "cancelled"),
    ("WorkOrderAction.valid-reject-dispatch.xml", "dispatch marked invalid"),
    ("WorkOrderAction.valid-escalate.xml", "handed to CS-ESCALATION"),
])
def test_a_dispatch_that_ends_withdraws_the_mail_once(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                       example: str, reason: str) -> None:
    work_order_id, _ = _dispatched(client, msisdn="13800004102")
    document, message_id = command(example, WorkOrderId=work_order_id)
    before = len(client.sent)
    answer(client.request(envelope(document, message_id)))
    client.request(envelope(document, message_id))  # redelivered: the same mail, under the same id
    withdrawals = _withdrawals(client, before)
    assert len({message_id for message_id, _ in withdrawals}) == 1
    mail = withdrawals[0][1]
    assert CommandSetRegistry.installed().get("mail").lxml_schema.validate(mail)
    assert [mail.findtext(f"{{{MAIL}}}{name}") for name in ("WorkOrderId", "Dispatch", "Department", "Mailbox")] \
        == [work_order_id, "1", "BILLING", MAILBOX]
    assert reason in (mail.findtext(f"{{{MAIL}}}Reason") or "")
    before = len(client.sent)
    act(client, work_order_id, "WorkOrderAction.valid-cancel.xml")  # already withdrawn: nothing more
    assert _withdrawals(client, before) == []


def test_a_move_that_keeps_the_dispatch_withdraws_nothing(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id, _ = _dispatched(client, msisdn="13800004103")
    before = len(client.sent)
    act(client, work_order_id, "WorkOrderAction.valid-start.xml")
    assert _withdrawals(client, before) == []


def test_no_withdrawal_mail_for_a_dispatch_not_e_mailed(client: WorkerTestClient) -> None:
    document, message_id = command("CreateWorkOrder.valid.xml", CategoryCode="05.01.01", Msisdn="13800004104")
    work_order_id = text(answer(client.request(envelope(document, message_id))), "wo:WorkOrderId") or ""
    act(client, work_order_id, "WorkOrderAction.valid-dispatch.xml")  # to OA or NSP, as the example says
    before = len(client.sent)
    act(client, work_order_id, "WorkOrderAction.valid-cancel.xml")
    assert _withdrawals(client, before) == []


def test_the_handlers_own_mailed_answer_withdraws_nothing_another_reply_does(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime) -> None:
    work_order_id, _ = _dispatched(client, msisdn="13800004105")
    before = len(client.sent)
    answer(client.request(_answer_mail(work_order_id, message="m5")))
    assert _withdrawals(client, before) == []  # the handler answered: nothing to tell them
    work_order_id, _ = _dispatched(client, msisdn="13800004106")
    before = len(client.sent)
    act(client, work_order_id, "WorkOrderAction.valid-reply.xml")  # the hotline answered the customer
    (_, mail), = _withdrawals(client, before)
    assert (mail.findtext(f"{{{MAIL}}}Reason") or "").endswith("replied")
