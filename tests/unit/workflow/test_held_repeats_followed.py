"""What follows a held repeat (docs/lifecycle.md, "A repeat complaint of an open work order"): one held while the
open one was being answered is not left SUSPENDED; one the agent took back is hers; the open one's visit after
its last unreached call closes it; the account manager and OA hear of a dissatisfied visit once; the statistics
count one late fault and one visit once (``hub.workflow.held_repeats``)."""

from __future__ import annotations

import pytest

import hub.workflow.held_repeats as held_repeats
import hub.workflow.work_order_creation as creation
from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.store import HistoryEntry
from tests.unit.workflow.audit_kit import NS, history, send, state
from tests.unit.workflow.kit import answer, command, envelope, text
from tests.unit.workflow.test_held_repeats import AT_INTAKE, held_pair, later, notes
from tests.unit.workflow.test_statistics_counters import check_rebuild, measures

pytestmark = pytest.mark.unit


def callback(client: WorkerTestClient, work_order_id: str, satisfaction: str) -> str | None:
    document, message_id = command("WorkOrderAction.valid-callback.xml")
    document.find("{urn:onepoint:workorder:1}WorkOrderId").text = work_order_id
    document.find(".//{urn:onepoint:workorder:1}Satisfaction").text = satisfaction
    return text(answer(client.request(envelope(document, message_id))), "wo:State")


def test_a_repeat_of_one_replied_in_between_is_not_left_held(client: WorkerTestClient, runtime: WorkflowRuntime,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = text(send(client, AT_INTAKE), "wo:WorkOrderId") or ""
    later(runtime, hours=1)
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first), "wo:State") == "REPLIED"
    real = creation.complained_of_before  # read as it stood before the Reply committed (READ COMMITTED)
    monkeypatch.setattr(creation, "complained_of_before", lambda *a, **k: (
        {**row, "state": "DISPATCHED"} if (row := real(*a, **k)) else row))
    second = send(client, AT_INTAKE)
    monkeypatch.undo()
    new_one = text(second, "wo:WorkOrderId") or ""
    # the open one's reply had found no held repeat to answer: the new one is dispatched as any other, not held
    assert (text(second, "wo:State"), state(client, new_one)) == ("DISPATCHED", "DISPATCHED")
    assert ("HUB", "REPEAT_OF") not in history(client, new_one) and second.find("wo:RepeatOf", NS) is None


def test_a_held_repeat_the_agent_resumed_is_no_longer_followed(client: WorkerTestClient,
                                                               runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    assert text(send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=held), "wo:State") == "ACCEPTED"
    assert history(client, held)[-1] == ("HUB", "repeat_of")  # its field entry: no longer held
    assert text(send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=held), "wo:State") == "REPLIED"
    later(runtime, hours=5)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    assert text(send(client, "WorkOrderAction.valid-callback.xml", WorkOrderId=first), "wo:State") == "RETURN_VISITED"
    assert state(client, held) == "REPLIED" and notes(client, held, "RETURN_VISIT") == []


def test_a_held_repeat_resumed_and_suspended_again_is_not_answered_by_the_open_one(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=held)
    assert text(send(client, "WorkOrderAction.valid-suspend.xml", WorkOrderId=held), "wo:State") == "SUSPENDED"
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    assert state(client, held) == "SUSPENDED" and not any(first in note for note in notes(client, held, "REPLY"))


def test_the_open_ones_last_unreached_call_visits_and_closes_its_repeat(client: WorkerTestClient,
                                                                        runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    for _ in range(3):
        later(runtime, hours=2)
        callback(client, first, "NOT_REACHED")
    assert (state(client, first), state(client, held)) == ("RETURN_VISITED", "RETURN_VISITED")
    assert text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=first), "wo:State") == "CLOSED"
    assert state(client, held) == "CLOSED"


def test_a_dissatisfied_visit_is_told_once(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    before = len(client.sent)
    assert callback(client, first, "DISSATISFIED") == "RETURN_VISITED" and state(client, held) == "RETURN_VISITED"
    sent = [(e.command_type, e.payload.decode()) for e, _ in client.sent[before:]]
    assert sent and not [kind for kind, payload in sent if held in payload]


def test_a_held_repeat_and_its_visit_are_not_counted_again(client: WorkerTestClient,
                                                           runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    later(runtime, days=3)
    scheduler.run_pass()
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    callback(client, first, "SATISFIED")
    counted = measures(runtime)
    # the open one replied late; the repeat answered with it is out of the SLA measures (one fault, judged once)
    assert (counted["replied"], counted["replied_late"], counted["replied_in_sla"]) == (2, 1, 0)
    assert (counted["return_visited"], counted["satisfied"]) == (1, 1)
    assert state(client, held) == "RETURN_VISITED"
    check_rebuild(runtime)


def test_the_open_ones_close_closes_a_repeat_left_replied(client: WorkerTestClient,
                                                          runtime: WorkflowRuntime) -> None:
    first, held = held_pair(client, runtime)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    callback(client, first, "SATISFIED")
    with runtime.store.transaction() as tx:  # as one whose copied visit was refused (or counted an attempt) was left
        tx.update(held, {"state": "REPLIED", "return_visited_at": None, "satisfaction": None})
    assert text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=first), "wo:State") == "CLOSED"
    assert state(client, held) == "CLOSED"
    assert any(f"closed with {first}" in note for note in notes(client, held, "RETURN_VISIT"))


@pytest.mark.parametrize(("example", "after"), [("WorkOrderAction.valid-reply.xml", "REPLIED"),
                                                ("WorkOrderAction.valid-cancel.xml", "CANCELLED")])
def test_the_open_ones_action_stands_when_its_repeat_was_taken_back_meanwhile(
        client: WorkerTestClient, runtime: WorkflowRuntime, monkeypatch: pytest.MonkeyPatch, example: str,
        after: str) -> None:
    """The review's race: the agent resumes the held repeat while the department replies to (cancels) the open one,
    whose list of held repeats was read before her commit (PostgreSQL, read committed; simulated by the list). The
    repeat, read again under its lock, is hers: the department's action stands (it was refused, yet committed)."""
    first, held = held_pair(client, runtime)
    assert text(send(client, "WorkOrderAction.valid-resume.xml", WorkOrderId=held), "wo:State") == "ACCEPTED"
    real = held_repeats.held_for
    monkeypatch.setattr(held_repeats, "held_for", lambda tx, open_one, st=held_repeats.S.SUSPENDED: (
        [held] if open_one == first and st is held_repeats.S.SUSPENDED else real(tx, open_one, st)))
    assert text(send(client, example, WorkOrderId=first), "wo:State") == after
    assert state(client, held) == "ACCEPTED"


def test_the_open_ones_close_sends_what_the_visit_of_a_repeat_left_replied_owes(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """A repeat left REPLIED with a breach to-do open: the Close visits and closes it, and the CompleteTodo its visit
    owes is sent (the visit's follow-ups were dropped: the history said closed, OA kept the to-do)."""
    first, held = held_pair(client, runtime)
    send(client, "WorkOrderAction.valid-reply.xml", WorkOrderId=first)
    callback(client, first, "SATISFIED")
    now = runtime.clock.now()
    with runtime.store.transaction() as tx:
        tx.update(held, {"state": "REPLIED", "return_visited_at": None, "satisfaction": None, "escalation_level": 1},
                  history=[HistoryEntry(at=now, kind="field", actor="hub", system="HUB", action="ESCALATE",
                                        field="escalation_level", old_value="0", new_value="1",
                                        note="RETURN_VISIT deadline breached; shift_leader told (u1)")])
    before = len(client.sent)
    assert text(send(client, "WorkOrderAction.valid-close.xml", WorkOrderId=first), "wo:State") == "CLOSED"
    assert state(client, held) == "CLOSED"
    closes = [e for e, _ in client.sent[before:]
              if e.command_type == "oa.CompleteTodo" and f"{held}-esc1-0".encode() in e.payload]
    assert len(closes) == 1
