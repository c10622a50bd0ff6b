"""A return visit takes several calls (``[workflow] return_visit_attempts``, default 3): a Callback whose customer
was NOT_REACHED before the last attempt records the attempt (an ``attempt n of N: customer not reached`` field entry
with the visit's time and note, a TMF621 note event, the ``return_visit_attempt_not_reached`` count) and leaves the
work order REPLIED, its return-visit limit running; the N-th unreached call, or any reached one, is the visit.
Before, one unanswered call was the visit: RETURN_VISITED, the limit met, a second call refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from hub.config.workflow import WorkflowSettings, parse_workflow
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.statistics.rebuild import rebuild_counters
from hub.workflow.store.schema import work_order_events
from tests.unit.workflow.deadline_kit import clock, history, row
from tests.unit.workflow.incident_kit import client_of
from tests.unit.workflow.kit import START, text
from tests.unit.workflow.kit import send_filled as send
from tests.unit.workflow.test_statistics_counters import measures
from tests.unit.workflow.test_statistics_departments import statistics

pytestmark = pytest.mark.unit


def opened(tmp_path: Path, **settings: int) -> WorkflowRuntime:
    return open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", **settings),
                        clock=ManualClock(START))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    found = opened(tmp_path)
    yield found
    found.close()


def replied(client: WorkerTestClient) -> str:
    """A complaint dispatched, handled and replied: its return visit due."""
    work_order_id = text(send(client, "CreateWorkOrder.valid.xml"), "wo:WorkOrderId")
    assert work_order_id
    for example in ("WorkOrderAction.valid-dispatch.xml", "WorkOrderAction.valid-start.xml",
                    "WorkOrderAction.valid-reply.xml"):
        send(client, example, work_order_id)
    return work_order_id


def call(client: WorkerTestClient, runtime: WorkflowRuntime, work_order_id: str, outcome: str,
         note: str = "no answer") -> etree._Element:
    """A Callback made now (its VisitedAt the clock's time) with ``outcome``."""
    visited = clock(runtime).now().isoformat()
    return send(client, "WorkOrderAction.valid-callback.xml", work_order_id, Callback__VisitedAt=visited,
                Callback__Satisfaction=outcome, Callback__Note=note)


def attempts(runtime: WorkflowRuntime, work_order_id: str) -> list[dict[str, object]]:
    return [h for h in history(runtime, work_order_id) if h["field"] == "return_visit_attempt"]


def test_an_unreached_call_before_the_last_is_an_attempt_and_the_work_order_stays_replied(
        runtime: WorkflowRuntime) -> None:
    client = client_of(runtime)
    work_order_id = replied(client)
    clock(runtime).advance(timedelta(minutes=10))
    answered = call(client, runtime, work_order_id, "NOT_REACHED", "no answer, 1st attempt")
    assert text(answered, "wo:State") == "REPLIED", etree.tostring(answered)
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(answered)
    assert text(answered, "wo:ReturnVisitAttempt/wo:Attempt") == "1"
    assert text(answered, "wo:ReturnVisitAttempt/wo:Of") == "3"
    assert text(answered, "wo:ReturnVisitAttempt/wo:Outcome") == "NOT_REACHED"
    stored = row(runtime, work_order_id)
    assert (stored["state"], stored["return_visited_at"], stored["satisfaction"]) == ("REPLIED", None, None)
    [entry] = attempts(runtime, work_order_id)
    assert entry["action"] == "RETURN_VISIT_ATTEMPT" and entry["kind"] == "field"
    assert entry["new_value"] == "attempt 1 of 3: customer not reached"
    assert "visited at" in str(entry["note"]) and "no answer, 1st attempt" in str(entry["note"])

    clock(runtime).advance(timedelta(hours=3))
    assert text(call(client, runtime, work_order_id, "NOT_REACHED"), "wo:State") == "REPLIED"
    clock(runtime).advance(timedelta(hours=3))
    third = call(client, runtime, work_order_id, "NOT_REACHED", "third call, no answer")
    assert text(third, "wo:State") == "RETURN_VISITED"
    assert text(third, "wo:ReturnVisitAttempt") is None
    stored = row(runtime, work_order_id)
    assert (stored["state"], stored["satisfaction"]) == ("RETURN_VISITED", "NOT_REACHED")
    assert [e["new_value"] for e in attempts(runtime, work_order_id)] == [
        "attempt 1 of 3: customer not reached", "attempt 2 of 3: customer not reached"]


@pytest.mark.parametrize("outcome", ["SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED"])
def test_a_reached_call_after_an_unreached_one_is_the_visit(runtime: WorkflowRuntime, outcome: str) -> None:
    client = client_of(runtime)
    work_order_id = replied(client)
    call(client, runtime, work_order_id, "NOT_REACHED")
    clock(runtime).advance(timedelta(hours=3))
    assert text(call(client, runtime, work_order_id, outcome, "reached"), "wo:State") == "RETURN_VISITED"
    assert row(runtime, work_order_id)["satisfaction"] == outcome


def test_the_return_visit_limit_keeps_running_after_an_unreached_call(runtime: WorkflowRuntime) -> None:
    client = client_of(runtime)
    work_order_id = replied(client)
    due = row(runtime, work_order_id)["return_visit_due"]
    call(client, runtime, work_order_id, "NOT_REACHED")
    assert row(runtime, work_order_id)["return_visit_due"] == due
    clock(runtime).set(due + timedelta(hours=1))
    DeadlineScheduler(runtime, client.outbound, batch=50).run_pass()
    assert [h for h in history(runtime, work_order_id) if h["action"] == "ESCALATE"]  # a missed visit escalates


def test_an_attempt_is_counted_writes_a_note_event_and_the_rebuild_agrees(runtime: WorkflowRuntime) -> None:
    client = client_of(runtime)
    work_order_id = replied(client)
    statement = select(work_order_events.c.kind, work_order_events.c.payload).order_by(work_order_events.c.position)
    with runtime.store.engine.connect() as connection:
        before = len(connection.execute(statement).all())
    call(client, runtime, work_order_id, "NOT_REACHED", "voicemail")
    with runtime.store.engine.connect() as connection:
        events = connection.execute(statement).all()[before:]
    assert [kind for kind, _ in events] == ["TroubleTicketAttributeValueChangeEvent"]  # no state change event
    ticket = json.loads(events[0].payload)["event"]["troubleTicket"]
    assert ticket["state"] == "REPLIED" and "statusChangeReason" not in ticket
    change = ticket["attributeValueChange"]
    assert (change["fieldPath"], change["noteType"], change["attempt"]) == ("note", "returnVisitAttempt", 1)
    kept = measures(runtime)
    assert kept["return_visit_attempt_not_reached"] == 1 and kept["return_visited"] == 0
    rebuild_counters(runtime.store.engine, runtime.engine.settings.local_zone)
    assert measures(runtime) == kept


def test_one_attempt_keeps_the_visit_of_the_first_unreached_call(tmp_path: Path) -> None:
    runtime = opened(tmp_path, return_visit_attempts=1)
    try:
        client = client_of(runtime)
        work_order_id = replied(client)
        assert text(call(client, runtime, work_order_id, "NOT_REACHED"), "wo:State") == "RETURN_VISITED"
        assert attempts(runtime, work_order_id) == []
    finally:
        runtime.close()


@pytest.mark.parametrize("value", [0, 11, True, "3"])
def test_the_attempts_setting_is_checked(value: object) -> None:
    with pytest.raises(ValueError, match="return_visit_attempts"):
        parse_workflow({"return_visit_attempts": value}, "hub.toml")
    assert parse_workflow({"return_visit_attempts": 5}, "hub.toml").return_visit_attempts == 5
    assert parse_workflow({}, "hub.toml").return_visit_attempts == 3


def test_the_attempts_count_from_the_reply_that_made_the_visit_due() -> None:
    """Calls made while an AUTO_ANSWERED complaint was not replied were for that answer: its REPLY starts the
    visit's attempts afresh (else that visit got fewer calls)."""
    from hub.workflow.visit_attempts import ATTEMPT_ENTRY, attempts_of

    called = {"kind": "field", "action": ATTEMPT_ENTRY}
    replied = {"kind": "state", "action": "REPLY", "to_state": "REPLIED"}
    assert attempts_of([called, called]) == 2
    assert attempts_of([called, called, replied, called]) == 1


def test_the_unreached_calls_are_in_query_statistics(runtime: WorkflowRuntime) -> None:
    client = client_of(runtime)
    work_order_id = replied(client)
    call(client, runtime, work_order_id, "NOT_REACHED")
    call(client, runtime, work_order_id, "NOT_REACHED", "busy")
    root = statistics(client)
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(root)
    assert (text(root, "wo:Totals/wo:VisitAttemptsNotReached"), text(root, "wo:Totals/wo:ReturnVisited")) == ("2", "0")
    call(client, runtime, work_order_id, "SATISFIED")
    root = statistics(client, message_id="cs-attempts-0002")
    assert (text(root, "wo:Totals/wo:VisitAttemptsNotReached"), text(root, "wo:Totals/wo:ReturnVisited")) == ("2", "1")
