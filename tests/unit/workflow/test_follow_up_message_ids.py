"""The message id of each follow-up a message owes is derived from what the follow-up is for, not from where it
stands in the list (``hub.workflow.follow_up_steps``).

A message whose sends were published but whose transaction was lost (a crash or a database error between the
confirms and the commit) is delivered again. When one of an incident's children was replied by its agent in
between, the redelivery owes one return-visit notice fewer; numbered by position, every later child's notice took
the id an earlier child's had the first time, and CRM (keeping one notice per MessageId) dropped it as a repeat:
that account manager was never told. The follow-ups for the message's own work order keep the positional steps
of earlier hubs (their ids derived with the cause's source system since the MessageId became its system's).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.routing.message_ids import derive_message_id
from hub.workers import WorkerTestClient
from hub.workflow.changes import FollowUp
from hub.workflow.clock import ManualClock
from hub.workflow.follow_up_steps import follow_up_steps
from hub.workflow.handlers import CONSUMER
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.todos import CLOSE_TODO
from hub.workflow.withdrawn_to_reads import WITHDRAW_TO_READ
from tests.unit.workflow.incident_kit import client_of, settings
from tests.unit.workflow.kit import START, answer, command, envelope, text
from tests.unit.workflow.test_incidents import opened
from tests.unit.workflow.test_outage_rule import cleared_envelope, notice_envelope
from tests.unit.workflow.test_outage_rule import clock as outage_clock
from tests.unit.workflow.test_outage_rule import complain as outage_complaint

pytestmark = pytest.mark.unit

CRM = "urn:onepoint:crm:1"
NOTICE = "crm.NotifyAccountManager"


def notices(client: WorkerTestClient, since: int) -> dict[str, str]:
    """Work order id -> the MessageId of the account manager's notice sent for it since ``since`` sends."""
    return {etree.fromstring(sent.payload).findtext(f"{{{CRM}}}WorkOrderId") or "": sent.message_id
            for sent, _ in client.sent[since:] if sent.command_type == NOTICE}


def reply(client: WorkerTestClient, work_order_id: str, message: tuple[etree._Element, str] | None = None) -> str:
    """A WorkOrderAction Reply (``message``: one sent before, delivered again): the work order's state after it."""
    document, message_id = message or command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    return text(answer(client.request(envelope(document, message_id))), "wo:State") or ""


def test_a_redelivered_incident_reply_tells_each_childs_manager_under_the_id_of_its_first_notice(
        tmp_path: Path) -> None:
    """The first attempt runs on a copy of the database (its transaction lost), the redelivery on the original,
    where an agent replied the child told first in between."""
    original, lost = tmp_path / "workorders.db", tmp_path / "attempt-lost.db"
    runtime = open_runtime(settings(f"sqlite:///{original}"), clock=ManualClock(START))
    try:
        incident, children = opened(client_of(runtime), runtime)
    finally:
        runtime.close()
    shutil.copy(original, lost)
    resolving = command("WorkOrderAction.valid-reply.xml", WorkOrderId=incident)

    def attempt(database: Path, *, replied_between: str | None = None) -> dict[str, str]:
        runtime = open_runtime(settings(f"sqlite:///{database}"), clock=ManualClock(START))
        try:
            assert isinstance(runtime.clock, ManualClock)
            runtime.clock.advance(timedelta(hours=2))
            client = client_of(runtime)
            if replied_between is not None:
                assert reply(client, replied_between) == "REPLIED"
            since = len(client.sent)
            assert reply(client, incident, resolving) == "REPLIED"
            return notices(client, since)
        finally:
            runtime.close()

    first = attempt(lost)
    assert sorted(first) == sorted(children)  # every child a VIP's with a manager
    told_first = next(iter(first))
    again = attempt(original, replied_between=told_first)
    assert sorted(again) == sorted(set(children) - {told_first})
    assert {child: first[child] for child in again} == again  # each as the first time: CRM keeps one of each
    assert len(set(first.values())) == len(first)


def test_a_work_orders_own_follow_ups_keep_the_steps_earlier_hubs_gave_them(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime) -> None:
    """A work order's own follow-ups are numbered by their place among its follow-ups, as earlier hubs did."""
    created, created_id = command("CreateWorkOrder.valid-dispatch-at-intake.xml")
    work_order_id = text(answer(client.request(envelope(created, created_id))), "wo:WorkOrderId") or ""
    sent = [(e.command_type, e.message_id) for e, _ in client.sent if e.command_type != "boss.QueryCustomerTier"]
    assert sent == [(NOTICE, derive_message_id(created_id, "crm-notify-0", CONSUMER, "CS")),
                    ("nsp.NetworkComplaintDispatch", derive_message_id(created_id, "nsp-dispatch-1", CONSUMER, "CS"))]
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    since = len(client.sent)
    assert reply(client, work_order_id, (document, message_id)) == "REPLIED"
    visit = derive_message_id(message_id, "crm-return-visit-0", CONSUMER, "CS")
    assert notices(client, since) == {work_order_id: visit}


def test_a_cleared_outages_return_visit_notices_are_named_by_their_work_orders(client: WorkerTestClient,
                                                                                runtime: WorkflowRuntime) -> None:
    """An outage notice names no work order: each notice it owes is named by its own, whichever of the linked
    complaints are still open when it is delivered (again)."""
    linked = [text(outage_complaint(client), "wo:WorkOrderId") or "" for _ in range(3)]
    assert client.send(notice_envelope()).processed  # a late notice: it links the three
    outage_clock(runtime).advance(timedelta(hours=2))
    since, cleared = len(client.sent), "nsp-20261123-111000-0007"
    assert client.send(cleared_envelope(message_id=cleared)).processed
    assert notices(client, since) == {
        work_order_id: derive_message_id(cleared, f"crm-return-visit-{work_order_id}", CONSUMER, "NSP")
        for work_order_id in linked}


def _owed(kind: str, work_order_id: str, **details: str) -> FollowUp:
    return FollowUp(kind, {"id": work_order_id}, details)


def test_the_steps_name_the_work_order_and_kind_of_each_follow_up_for_another_work_order() -> None:
    own, child, other = "WO20261123ABCD1234", "WO20261123EFGH5678", "WO20261123JKLM9012"
    owed = [_owed("oa-todo", own), _owed(CLOSE_TODO, own, item_id=f"{own}-esc1-0"),
            _owed(CLOSE_TODO, child, item_id=f"{child}-esc1-0"), _owed(CLOSE_TODO, child, item_id=f"{child}-dsp1"),
            _owed("crm-return-visit", child), _owed("crm-return-visit", own), _owed("crm-return-visit", other),
            _owed("crm-return-visit", other)]
    assert follow_up_steps(owed, own) == [
        "oa-todo-0", "oa-close-todo-1",  # the own work order's: as earlier hubs numbered them
        f"oa-close-todo-{child}-{child}-esc1-0", f"oa-close-todo-{child}-{child}-dsp1",  # each to-do its own
        f"crm-return-visit-{child}", "crm-return-visit-2", f"crm-return-visit-{other}",
        f"crm-return-visit-{other}-2"]  # none owes that twice today: still two ids


def test_a_to_reads_withdrawal_is_named_by_its_item_whatever_else_is_owed() -> None:
    """A close whose first run failed to commit is redelivered after the scheduler kept another to-read: numbered
    in order, the new one would take the first run's MessageId (dropped downstream as a duplicate) and stay in OA."""
    own = "WO20261123ABCD1234"
    first = [_owed(WITHDRAW_TO_READ, own, item_id=f"{own}-rem0-9")]
    again = [_owed(WITHDRAW_TO_READ, own, item_id=f"{own}-rem0-12"), *first]
    assert follow_up_steps(first, own) == [f"oa-withdraw-toread-{own}-rem0-9"]
    assert follow_up_steps(again, own)[1] == follow_up_steps(first, own)[0]
    assert follow_up_steps([_owed("oa-todo", own), *first], own)[0] == "oa-todo-0"  # the others as before


def test_a_message_of_no_work_order_names_each_follow_ups_work_order() -> None:
    """An outage notice's to-reads and notices: the same whichever of its linked work orders are still owed one."""
    first, second = "WO20261123ABCD1234", "WO20261123EFGH5678"
    both = follow_up_steps([_owed("oa-toread", first), _owed("oa-toread", second)], None)
    assert both == [f"oa-toread-{first}", f"oa-toread-{second}"]
    assert follow_up_steps([_owed("oa-toread", second)], None) == [both[1]]
