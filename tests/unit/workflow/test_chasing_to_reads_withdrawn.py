"""A reminder ("the customer called back") and a first-response/reply warning chase an answer: they are withdrawn
from OA once the work order is answered (REPLY, AUTO_ANSWER) and, at a change of owner (a re-dispatch, a dispatch
sent back, a hand-up), from the department that no longer owns it; a return visit's warning is kept at the reply
(the visit is owed after it), a dissatisfied visit's to-reads always (hub.workflow.withdrawn_to_reads). Before, they
stayed unread until the Close, a day or more after the reply, or in the inbox of a department that had let it go."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.oa_items import TO_READ
from hub.workflow.store.schema import deadlines, oa_items
from tests.unit.workflow.audit_kit import created, dispatch, send
from tests.unit.workflow.kit import START, command, envelope, text
from tests.unit.workflow.test_to_reads_withdrawn import REMIND_REASON, to_reads, withdrawals

pytestmark = pytest.mark.unit


def reminded(client: WorkerTestClient) -> str:
    """A dispatched work order whose owner got a reminder's to-read."""
    work_order_id = created(client)
    dispatch(client, work_order_id)
    send(client, "WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id,
         **{"Remind/wo:Reason": REMIND_REASON})
    assert to_reads(client), "the Remind pushed no to-read"
    return work_order_id


def warned(runtime: WorkflowRuntime, work_order_id: str, limit: str, user: str) -> str:
    """A fired warning of ``limit`` and its to-read to ``user``, kept as the scheduler keeps them; its item id."""
    at = START
    with runtime.store.engine.begin() as db:
        row_id = db.execute(insert(deadlines).values(work_order_id=work_order_id, kind=f"{limit}:WARNING",
                                                     due_at=at, fired_at=at)).inserted_primary_key[0]
        item_id = f"{work_order_id}-rem0-{row_id}"
        db.execute(insert(oa_items).values(work_order_id=work_order_id, item_id=item_id, pushed_at=at, kind=TO_READ,
                                           user_id=user, withdrawn_at=None))
    return item_id


def test_a_reply_withdraws_the_reminder_and_the_reply_warning_once(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    work_order_id = reminded(client)
    reminder = next(iter(to_reads(client).items()))
    reply_warning = warned(runtime, work_order_id, "REPLY", reminder[1])
    visit_warning = warned(runtime, work_order_id, "RETURN_VISIT", "CS-HOTLINE")
    since = len(client.sent)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    first = client.request(envelope(document, message_id))
    sent = withdrawals(client, since)
    assert sorted((item, user) for item, user, _ in sent) == sorted([reminder, (reply_warning, reminder[1])])
    assert all(reason == f"work order {work_order_id} replied" for _, _, reason in sent)
    assert visit_warning not in {item for item, _, _ in sent}  # the return visit is still owed
    ids = [e.message_id for e, _ in client.sent[since:] if e.command_type == "oa.WithdrawToRead"]
    again = client.request(envelope(document, message_id))  # redelivered: nothing sent twice
    assert first.processed and again.duplicate and len(withdrawals(client, since)) == len(sent)
    later = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=work_order_id), "wo:State")
    assert text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id), "wo:State") == "CLOSED"
    assert [item for item, _, _ in withdrawals(client, later)] == [visit_warning]  # only what was left open
    assert len(set(ids)) == len(ids) == 2


def test_a_hand_up_withdraws_the_previous_owners_reminder(client: WorkerTestClient) -> None:
    work_order_id = reminded(client)
    item, user = next(iter(to_reads(client).items()))
    since = len(client.sent)
    send(client, "WorkOrderAction.valid-escalate.xml", WorkOrderId=work_order_id)  # to CS-ESCALATION
    assert withdrawals(client, since) == [(item, user, f"work order {work_order_id} now with CS-ESCALATION")]
    later = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id), "wo:State") == "REPLIED"
    assert withdrawals(client, later) == []  # withdrawn once


def test_a_dispatch_sent_back_withdraws_the_departments_reminder(client: WorkerTestClient) -> None:
    work_order_id = reminded(client)
    item, user = next(iter(to_reads(client).items()))
    since = len(client.sent)
    send(client, "WorkOrderAction.valid-reject-dispatch.xml", WorkOrderId=work_order_id)
    assert [(i, u) for i, u, _ in withdrawals(client, since)] == [(item, user)]


def test_a_remind_or_a_start_withdraws_nothing(client: WorkerTestClient) -> None:
    work_order_id = reminded(client)
    since = len(client.sent)
    send(client, "WorkOrderAction.valid-start.xml", WorkOrderId=work_order_id)
    send(client, "WorkOrderAction.valid-remind.xml", WorkOrderId=work_order_id,
         **{"Remind/wo:Reason": REMIND_REASON})
    assert withdrawals(client, since) == []


def test_a_work_order_dispatched_at_intake_reads_no_to_read(client: WorkerTestClient,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake dispatch is a change of owner, but the work order was created by the same transaction: nothing of
    it was pushed to OA, so the observer reads nothing (one statement less per work order on the intake path)."""
    import hub.workflow.withdrawn_to_reads as rule

    read: list[str] = []
    monkeypatch.setattr(rule, "open_to_reads", lambda db, work_order_id: read.append(work_order_id) or [])
    answer = send(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")
    assert text(answer, "wo:State") == "DISPATCHED" and read == []
    dispatch(client, created(client))  # a later Dispatch, in a transaction of its own, reads them
    assert len(read) == 1
