"""A work order CLOSED or CANCELLED has the to-reads the hub pushed for it (and not withdrawn at its reply or a change
of owner: test_chasing_to_reads_withdrawn) withdrawn from OA (``oa:WithdrawToRead``,
one per to-read still open, to the user it went to: hub.workflow.withdrawn_to_reads), in the change's own
transaction; its to-dos are closed by CompleteTodo as before, never withdrawn; a redelivered Close or Cancel sends
nothing twice, and a to-read kept before revision 0027 (no kind) is not withdrawn. Before, the to-reads stayed in
the managers' OA inboxes after the work order was over."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select, update

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.schema import oa_items
from tests.unit.workflow.audit_kit import OA, created, dispatch, send
from tests.unit.workflow.kit import answer, command, envelope, text

pytestmark = pytest.mark.unit

WITHDRAW = "oa.WithdrawToRead"
REMIND_REASON = "Customer called back: still no signal"


def withdrawals(client: WorkerTestClient, since: int = 0) -> list[tuple[str, str, str]]:
    """(ItemId, UserId, Reason) of each WithdrawToRead sent since ``since`` sends."""
    found = []
    for sent, _ in client.sent[since:]:
        if sent.command_type == WITHDRAW:
            document = etree.fromstring(sent.payload)
            found.append((document.findtext(f"{{{OA}}}ItemId") or "", document.findtext(f"{{{OA}}}UserId") or "",
                          document.findtext(f"{{{OA}}}Reason") or ""))
    return found


def to_reads(client: WorkerTestClient) -> dict[str, str]:
    """Item id -> user of every PushToRead sent."""
    pushed = [etree.fromstring(sent.payload) for sent, _ in client.sent if sent.command_type == "oa.PushToRead"]
    return {d.findtext(f"{{{OA}}}ItemId") or "": d.findtext(f"{{{OA}}}UserId") or "" for d in pushed}


def reminded_and_escalated(client: WorkerTestClient) -> str:
    """A work order with a hand-up's to-do and a reminder's to-read."""
    work_order_id = created(client)
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    send(client, "WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id,
         **{"Remind/wo:Reason": REMIND_REASON})
    assert to_reads(client), "the Remind pushed no to-read"
    assert any(sent.command_type == "oa.PushTodo" for sent, _ in client.sent)
    return work_order_id


def test_a_cancel_withdraws_the_to_reads_and_not_the_todos(client: WorkerTestClient) -> None:
    work_order_id = reminded_and_escalated(client)
    since = len(client.sent)
    document, message_id = command("WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    first = client.request(envelope(document, message_id))
    assert text(answer(first), "wo:State") == "CANCELLED"
    sent = withdrawals(client, since)
    assert [(item, user) for item, user, _ in sent] == sorted(to_reads(client).items())
    assert all(reason == f"work order {work_order_id} cancelled" for _, _, reason in sent)
    closed = [etree.fromstring(e.payload).findtext(f"{{{OA}}}ItemId") for e, _ in client.sent[since:]
              if e.command_type == "oa.CompleteTodo"]
    assert closed and not set(closed) & {item for item, _, _ in sent}  # the to-dos are closed, not withdrawn
    again = client.request(envelope(document, message_id))  # redelivered: nothing sent twice
    assert again.duplicate and len(withdrawals(client, since)) == len(sent)


def test_a_close_withdraws_what_the_reply_left_once(client: WorkerTestClient) -> None:
    work_order_id = reminded_and_escalated(client)
    since = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id), "wo:State") == "REPLIED"
    replied = withdrawals(client, since)  # the reminder: withdrawn at the reply (test_chasing_to_reads_withdrawn)
    assert [(item, user) for item, user, _ in replied] == sorted(to_reads(client).items())
    reminded = len(to_reads(client))
    send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id,
         **{"Callback/wo:Satisfaction": "DISSATISFIED"})  # its to-reads are kept: news read after the Close
    assert len(to_reads(client)) > reminded
    since = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id), "wo:State") == "CLOSED"
    assert withdrawals(client, since) == []  # nothing left open but the dissatisfied visit's news
    later = len(client.sent)
    send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id)  # refused: nothing more withdrawn
    assert withdrawals(client, later) == []


def test_a_work_order_without_to_reads_withdraws_nothing(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert withdrawals(client) == []


def test_a_to_read_kept_before_0027_is_not_withdrawn(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    work_order_id = reminded_and_escalated(client)
    with runtime.store.engine.begin() as connection:  # as the rows kept before revision 0027: no kind, no user
        connection.execute(update(oa_items).where(oa_items.c.work_order_id == work_order_id)
                           .values(kind=None, user_id=None))
    send(client, "WorkOrderAction.valid-cancel.xml", WorkOrderId=work_order_id)
    assert withdrawals(client) == []
    with runtime.store.engine.connect() as connection:
        assert connection.execute(select(oa_items.c.withdrawn_at).where(
            oa_items.c.work_order_id == work_order_id, oa_items.c.withdrawn_at.is_not(None))).all() == []
