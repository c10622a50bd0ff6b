"""A scheduler pass survives one row that cannot fire (a to-do OA's schema refuses): that row is marked fired with
the error in its work order's history, every other due row fires, and later passes do not stumble on it again. A
pass PostgreSQL aborted (deadlock, serialization failure) is run again at once, not an interval later."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from types import MappingProxyType

import pytest
from sqlalchemy.exc import OperationalError

from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler, SchedulerPass
from hub.workflow.sla import SlaTable
from tests.unit.workflow.deadline_kit import clock, create, history

pytestmark = pytest.mark.unit


def with_role(table: SlaTable, tier: str, role: str) -> SlaTable:
    """``table`` with ``tier``'s first escalation role replaced (past the loader, which refuses such a role)."""
    row = table.rows[tier]
    rows = {**table.rows, tier: dataclasses.replace(row, escalation=(role, *row.escalation[1:]))}
    return dataclasses.replace(table, rows=MappingProxyType(rows), version="bad-role")


def test_one_row_that_cannot_fire_does_not_stop_the_others(runtime: WorkflowRuntime, client) -> None:
    runtime.engine.sla = with_role(runtime.engine.sla, "VIP_GOLD", "值班长")  # OA's UserId refuses it
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    vip = create(runtime, "VIP_GOLD")  # its first-response alarm (20 min) is the oldest row due
    others = [create(runtime, "CONTRACT", msisdn=f"1390000000{n}") for n in range(3)]  # warnings at 48 min
    clock(runtime).advance(timedelta(minutes=50))  # (the VIP's warning, its limit passed, is not sent)

    done = scheduler.run_pass()
    assert (done.failed, done.warnings, done.escalations) == (1, 3, 0)  # the others' warnings fired
    assert done.sent == ["PushToRead"] * 3
    failed = [h for h in history(runtime, vip) if h["action"] == "DEADLINE_FAILED"]
    assert [h["new_value"].split(" ")[0] for h in failed] == ["FIRST_RESPONSE:ALARM"]
    assert "DocumentRefused" in failed[0]["note"] and "UserId" in failed[0]["note"]
    for other in others:
        assert [h["action"] for h in history(runtime, other)].count("WARNING") >= 1

    again = scheduler.run_pass()  # the failed row is not due any more: nothing is tried twice
    assert again.failed == 0
    assert [h["action"] for h in history(runtime, vip)].count("DEADLINE_FAILED") == 1


def test_a_pass_failing_on_the_database_rolls_back_whole(runtime: WorkflowRuntime, client, monkeypatch) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "VIP_GOLD")
    clock(runtime).advance(timedelta(minutes=16))

    def lost(*_: object, **__: object) -> None:
        raise OperationalError("UPDATE", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(runtime.engine, "escalate_on_breach", lost)
    monkeypatch.setattr("hub.workflow.deadline_warnings.HistoryEntry", lost)  # the warning's history entry
    with pytest.raises(OperationalError):
        scheduler.run_pass()
    monkeypatch.undo()
    assert [h["action"] for h in history(runtime, work_order_id)].count("DEADLINE_FAILED") == 0
    assert scheduler.run_pass().warnings == 1  # still due: it fires on the next pass


class Aborted(Exception):
    sqlstate = "40P01"


def test_a_pass_aborted_on_a_deadlock_is_run_again_at_once(runtime: WorkflowRuntime, monkeypatch) -> None:
    scheduler = DeadlineScheduler(runtime, None, interval=3600)
    outcomes: list[BaseException | SchedulerPass] = [OperationalError("SELECT", {}, Aborted("deadlock detected")),
                                                     SchedulerPass(fired=0)]

    def run_pass() -> SchedulerPass:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr(scheduler, "run_pass", run_pass)
    scheduler.run_passes()  # returns only after the second, good pass
    assert outcomes == []


def test_a_pass_failing_otherwise_waits_for_the_next_interval(runtime: WorkflowRuntime, monkeypatch) -> None:
    scheduler = DeadlineScheduler(runtime, None, interval=3600)
    calls: list[int] = []

    def run_pass() -> SchedulerPass:
        calls.append(1)
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(scheduler, "run_pass", run_pass)
    with pytest.raises(OperationalError):
        scheduler.run_passes()
    assert len(calls) == 1


def test_a_pass_rolled_back_after_sending_sends_the_same_message_ids_again(runtime: WorkflowRuntime, client,
                                                                          monkeypatch) -> None:
    """What a rolled-back pass sent goes out again under the same MessageId (derived from the deadline row and the
    step): OA answers the repeat DUPLICATE, the OA worker's processed store drops it before that."""
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    create(runtime, "VIP_GOLD")
    clock(runtime).advance(timedelta(minutes=16))
    send = DeadlineScheduler._send

    def send_then_lose_the_database(self: DeadlineScheduler, *args: object) -> None:
        send(self, *args)  # type: ignore[arg-type]
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(DeadlineScheduler, "_send", send_then_lose_the_database)
    with pytest.raises(OperationalError):
        scheduler.run_pass()
    monkeypatch.undo()
    assert scheduler.run_pass().warnings == 1
    first, again = (envelope.message_id for envelope, *_ in client.sent[-2:])
    assert first == again


class StalePlan(Exception):
    """psycopg's error when a newer hub's migration changed a column a prepared statement returns."""

    sqlstate = "0A000"

    class diag:  # noqa: N801 - psycopg's attribute
        source_function = "RevalidateCachedQuery"


def test_a_plan_cached_before_a_schema_change_does_not_fail_the_deadline(runtime: WorkflowRuntime, client,
                                                                         monkeypatch) -> None:
    """A newer hub migrated the shared database under this one: the row's statement fails once on each connection
    that had prepared it. The pass is run again (the row is not marked failed, its escalation not lost)."""
    from sqlalchemy.exc import NotSupportedError

    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50, interval=3600)
    work_order_id = create(runtime, "VIP_GOLD")
    clock(runtime).advance(timedelta(minutes=16))
    failures = [NotSupportedError("SELECT", {}, StalePlan("cached plan must not change result type"))]

    def once(*args: object, **kwargs: object) -> object:
        if failures:
            raise failures.pop()
        return original(*args, **kwargs)

    original = DeadlineScheduler._fire
    monkeypatch.setattr(DeadlineScheduler, "_fire", lambda self, *a, **k: once(self, *a, **k))
    scheduler.run_passes()
    assert not failures
    actions = [h["action"] for h in history(runtime, work_order_id)]
    assert actions.count("DEADLINE_FAILED") == 0 and actions.count("WARNING") == 1
