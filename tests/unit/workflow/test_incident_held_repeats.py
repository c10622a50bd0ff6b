"""An incident and the repeats held for its children: a held repeat (SUSPENDED, ``repeat_of`` its original) is no
child of the incident (answered with its original); a child answered already while the resolution walks the others
is left as it is, a child's refused step noted for its agent; an action an observer refuses leaves nothing written;
a repeat of a child of an incident its department rejected is dispatched as any complaint."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select, update

from hub.workers import WorkerTestClient
from hub.workflow.changes import ActionObserver, WorkOrderRefused
from hub.workflow.clock import ManualClock
from hub.workflow.commands import ActionRequest
from hub.workflow.engine import Changed, FollowUp
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store import WorkOrderProcessedStore, WorkOrderTransaction
from hub.workflow.store.schema import work_order_history, work_orders
from tests.unit.workflow.incident_kit import children, complain, nsp_dispatches
from tests.unit.workflow.kit import act, answer, command, envelope, text

pytestmark = pytest.mark.unit


def burst_with_a_held_repeat(client: WorkerTestClient, clock: ManualClock) -> tuple[str, str, str]:
    """Customer 0 complains, then again (held for the first), then nine others: (incident, original, repeat)."""
    first = complain(client, 0)
    clock.advance(timedelta(minutes=1))
    again = complain(client, 0)
    assert text(again, "wo:State") == "SUSPENDED"
    last = first
    for number in range(1, 10):
        clock.advance(timedelta(minutes=1))
        last = complain(client, number)
    incident_id, original, repeat = text(last, "wo:IncidentId"), text(first, "wo:WorkOrderId"), \
        text(again, "wo:WorkOrderId")
    assert incident_id and original and repeat
    return incident_id, original, repeat


def state_of(runtime: WorkflowRuntime, work_order_id: str) -> str:
    with runtime.store.engine.connect() as connection:
        return str(connection.execute(select(work_orders.c.state).where(work_orders.c.id == work_order_id))
                   .scalar_one())


def replies_of(runtime: WorkflowRuntime, work_order_id: str) -> int:
    h = work_order_history.c
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(h.work_order_id == work_order_id,
                                                                 h.action == "REPLY")).scalar_one())


def test_a_held_repeat_is_no_child_and_is_answered_with_its_original(client: WorkerTestClient,
                                                                     runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    incident_id, original, repeat = burst_with_a_held_repeat(client, runtime.clock)
    assert repeat not in {child["id"] for child in children(runtime, incident_id)}
    replied = act(client, incident_id, "WorkOrderAction.valid-reply.xml")
    assert text(replied, "wo:State") == "REPLIED", text(replied, "c:Code")
    assert {child["state"] for child in children(runtime, incident_id)} == {"REPLIED"}
    assert state_of(runtime, repeat) == "REPLIED"
    assert replies_of(runtime, original) == 1 and replies_of(runtime, repeat) == 1


def test_a_child_answered_during_the_resolution_is_left_as_it_is(client: WorkerTestClient,
                                                                 runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    incident_id, _, repeat = burst_with_a_held_repeat(client, runtime.clock)
    with runtime.store.engine.begin() as connection:  # linked before the window left held repeats out
        connection.execute(update(work_orders).where(work_orders.c.id == repeat).values(incident_id=incident_id))
    replied = act(client, incident_id, "WorkOrderAction.valid-reply.xml")
    assert text(replied, "wo:State") == "REPLIED", text(replied, "c:Code")
    assert {child["state"] for child in children(runtime, incident_id)} == {"REPLIED"}
    assert replies_of(runtime, repeat) == 1


class Refusing(ActionObserver):
    """Refuses ``action`` on ``work_order_id`` after the action's own writes (an observer runs after them)."""

    def __init__(self, work_order_id: str, action: LifecycleAction = LifecycleAction.REPLY) -> None:
        self.work_order_id, self.action = work_order_id, action

    def changed(self, tx: WorkOrderTransaction, changed: Changed, request: ActionRequest,
                now: datetime) -> list[FollowUp]:
        if request.work_order_id == self.work_order_id and request.action is self.action:
            raise WorkOrderRefused("refused by a test observer", code="test-refused")
        return []


def test_a_childs_refused_step_is_noted_and_the_others_are_answered(client: WorkerTestClient,
                                                                   runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    incident_id, original, _ = burst_with_a_held_repeat(client, runtime.clock)
    runtime.engine.observers.append(Refusing(original))
    replied = act(client, incident_id, "WorkOrderAction.valid-reply.xml")
    assert text(replied, "wo:State") == "REPLIED", text(replied, "c:Code")
    states = {child["id"]: child["state"] for child in children(runtime, incident_id)}
    assert states.pop(original) != "REPLIED" and set(states.values()) == {"REPLIED"}
    h = work_order_history.c
    with runtime.store.engine.connect() as connection:
        notes = connection.execute(select(h.note).where(h.work_order_id == original)).scalars().all()
    assert any(note and "test-refused" in note for note in notes)


def reply_refused_by_an_observer(client: WorkerTestClient, runtime: WorkflowRuntime
                                 ) -> tuple[str, str, int, tuple[etree._Element, str]]:
    """A complaint whose Reply an observer (``Refusing``) will refuse: its id, its state and number of history
    entries before, and the Reply's document with its MessageId."""
    created = complain(client, 7)
    work_order_id = text(created, "wo:WorkOrderId")
    assert work_order_id is not None
    before, entries = state_of(runtime, work_order_id), history_count(runtime, work_order_id)
    runtime.engine.observers.append(Refusing(work_order_id))
    return work_order_id, before, entries, command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)


def test_an_action_refused_by_an_observer_leaves_nothing_written(client: WorkerTestClient,
                                                                runtime: WorkflowRuntime) -> None:
    work_order_id, before, entries, (document, message_id) = reply_refused_by_an_observer(client, runtime)
    refused = answer(client.request(envelope(document, message_id)))
    assert text(refused, "c:Code") == "test-refused"
    assert state_of(runtime, work_order_id) == before and history_count(runtime, work_order_id) == entries
    again = answer(client.request(envelope(document, message_id)))  # redelivered: the same answer, kept
    assert text(again, "c:Code") == "test-refused"


def test_an_action_refused_in_a_batch_leaves_nothing_written(client: WorkerTestClient,
                                                              runtime: WorkflowRuntime) -> None:
    """The batch path: one transaction, a savepoint per message; the refusal is the message's answer, recorded."""
    work_order_id, before, entries, (document, message_id) = reply_refused_by_an_observer(client, runtime)
    message = replace(client.message(envelope(document, message_id)), reply_to="reply-queue")
    parsed, spec = client.processor.resolve(message)
    (claim,) = WorkOrderProcessedStore(runtime.store).run_claims(
        [(message_id, lambda: client.processor.run_handler(spec, parsed, message))], before_commit=lambda: None)
    assert claim.ran and claim.reply is not None and b"test-refused" in claim.reply
    assert state_of(runtime, work_order_id) == before and history_count(runtime, work_order_id) == entries


def history_count(runtime: WorkflowRuntime, work_order_id: str) -> int:
    h = work_order_history.c
    with runtime.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(h.work_order_id == work_order_id)).scalar_one())


def test_a_repeat_of_a_child_of_a_rejected_incident_is_dispatched(client: WorkerTestClient,
                                                                  runtime: WorkflowRuntime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    last = complain(client, 0)
    for number in range(1, 10):
        runtime.clock.advance(timedelta(minutes=1))
        last = complain(client, number)
    incident_id = text(last, "wo:IncidentId")
    assert incident_id is not None
    assert text(act(client, incident_id, "WorkOrderAction.valid-reject-dispatch.xml"), "wo:State") == \
        "DISPATCH_REJECTED"
    runtime.clock.advance(timedelta(minutes=5))
    sent = len(nsp_dispatches(client))
    again = complain(client, 9)
    assert text(again, "wo:IncidentId") is None
    assert len(nsp_dispatches(client)) == sent + 1


def test_a_held_repeat_whose_original_is_older_than_the_window_is_a_child_and_answered(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """The review: its customer counted towards the threshold, but a held repeat was never linked, so the incident's
    reply left it SUSPENDED (its original, older than the window, is on its own ticket). Linked when its original is
    not among the complaints linked: answered with the incident."""
    assert isinstance(runtime.clock, ManualClock)
    first = complain(client, 0)
    runtime.clock.advance(timedelta(minutes=40))
    again = complain(client, 0)
    assert text(again, "wo:State") == "SUSPENDED"
    last = again
    for number in range(1, 10):
        runtime.clock.advance(timedelta(minutes=1))
        last = complain(client, number)
    incident_id, original, repeat = text(last, "wo:IncidentId"), text(first, "wo:WorkOrderId"), \
        text(again, "wo:WorkOrderId")
    assert incident_id and repeat in {child["id"] for child in children(runtime, incident_id)}
    replied = act(client, incident_id, "WorkOrderAction.valid-reply.xml")
    assert text(replied, "wo:State") == "REPLIED", text(replied, "c:Code")
    assert state_of(runtime, repeat) == "REPLIED" and replies_of(runtime, repeat) == 1
    assert state_of(runtime, original) == "DISPATCHED"  # its own ticket, answered by its own reply
