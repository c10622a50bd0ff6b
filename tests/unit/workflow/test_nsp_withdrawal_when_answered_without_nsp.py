"""A work order NSP holds unanswered that customer service answers itself (Start, Reply, then the Return visit and
the Close) is withdrawn at NSP by the Reply, as a Cancel withdraws it: one ``nsp:NetworkComplaintWithdraw`` whose
Reason says it was replied without NSP's answer, sent once (not again by the Return visit or the Close, nor by a
redelivered Reply), and NSP's reply crossing it is noted on the work order (``nsp_late_reply``), not dead-lettered.
Before, only a Cancel withdrew: NSP got the dispatch alone, its NOC worked a closed complaint, and its late reply
was dead-lettered ``callback-not-expected`` while the same reply after a Cancel was noted
(hub/workflow/network_withdrawal.py, hub/workflow/late_replies.py)."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.audit_kit import NSP, created, dispatch, nsp_reply, send, state
from tests.unit.workflow.kit import answer, command, envelope, text
from tests.unit.workflow.test_nsp_reply_after_withdrawal import TICKET, late_entries
from tests.unit.workflow.test_nsp_withdrawal import withdrawals

pytestmark = pytest.mark.unit

FINISHED = ("valid-start", "valid-reply", "valid-callback", "valid-close")  # customer service answers it itself


def finish(client: WorkerTestClient, work_order_id: str, moves: tuple[str, ...] = FINISHED) -> None:
    for move in moves:
        answered = send(client, f"WorkOrderAction.{move}.xml", WorkOrderId=work_order_id)
        assert text(answered, "wo:State") is not None, etree.tostring(answered)


def test_a_reply_without_nsps_answer_withdraws_the_dispatch_once(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    finish(client, work_order_id, FINISHED[:2])
    (sent,) = withdrawals(client)
    document = etree.fromstring(sent.payload)
    assert document.findtext(f"{{{NSP}}}WorkOrderId") == work_order_id
    assert (document.findtext(f"{{{NSP}}}Reason") or "").startswith("replied without NSP's answer")
    finish(client, work_order_id, FINISHED[2:])  # the Return visit and the Close withdraw nothing more
    assert state(client, work_order_id) == "CLOSED" and len(withdrawals(client)) == 1


def test_a_reply_straight_from_dispatched_withdraws_it(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    finish(client, work_order_id, ("valid-reply",))
    assert state(client, work_order_id) == "REPLIED" and len(withdrawals(client)) == 1


def test_a_redelivered_reply_sends_its_withdrawal_once(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    first = client.request(envelope(document, message_id))
    again = client.request(envelope(document, message_id))
    assert text(answer(first), "wo:State") == "REPLIED" and again.duplicate
    assert len(withdrawals(client)) == 1


def test_nothing_is_withdrawn_when_nsp_answered(client: WorkerTestClient) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    assert nsp_reply(client, work_order_id).processed
    finish(client, work_order_id, FINISHED[1:])
    assert withdrawals(client) == []


@pytest.mark.parametrize("moves", [FINISHED[:2], FINISHED], ids=["replied", "closed"])
def test_nsps_late_reply_after_the_desk_answered_is_noted_not_dead_lettered(client: WorkerTestClient,
                                                                          moves: tuple[str, ...]) -> None:
    work_order_id = created(client)
    dispatch(client, work_order_id)
    finish(client, work_order_id, moves)
    before = state(client, work_order_id)
    result = nsp_reply(client, work_order_id)
    assert result.processed and not result.dead, result.reason
    assert state(client, work_order_id) == before
    (entry,) = late_entries(client, work_order_id)
    assert text(entry, "wo:NewValue") == TICKET
    assert nsp_reply(client, work_order_id).processed and len(late_entries(client, work_order_id)) == 1


def test_children_answered_by_nsps_own_resolution_are_not_said_to_be_answered_without_it(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """An incident NSP resolved replies its children, some of which NSP holds as tickets of their own: they are
    withdrawn, worded as answered by NSP's own reply, not "replied without NSP's answer" (review of de6ebc6)."""
    from tests.unit.workflow.test_incident_resolution import nsp_resolves, opened

    incident_id = opened(client, runtime)
    before = len(withdrawals(client))
    nsp_resolves(client, incident_id)
    reasons = [etree.fromstring(e.payload).findtext(f"{{{NSP}}}Reason") or ""
               for e in withdrawals(client)[before:]]
    assert reasons, "the children NSP held are withdrawn"
    assert all(reason.startswith("answered by NSP's own reply") for reason in reasons), reasons
