"""The deadline scheduler on PostgreSQL takes locks in the order every action does, the work order before its
deadline rows: a pass never waits for an action or another pass (it skips the work orders they hold, without
locking their rows), so an action on a work order a pass holds waits for the pass instead of deadlocking with it.
The scheduler's unit tests that move rows between passes run here too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.conftest import client  # noqa: F401 - the fixture, on this module's runtime
from tests.unit.workflow.deadline_kit import act, clock, create, history, open_on, row
from tests.unit.workflow.test_escalation_after_hand_up import (  # noqa: F401
    test_a_breach_after_a_hand_up_tells_the_chain,
)
from tests.unit.workflow.test_recalculation import (  # noqa: F401
    test_a_changed_calendar_recalculates_the_work_orders_on_it,
    test_nothing_changed_costs_the_same_for_ten_or_sixty_open_work_orders,
)
from tests.unit.workflow.test_scheduler_failures import (  # noqa: F401
    test_one_row_that_cannot_fire_does_not_stop_the_others,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runtime(postgres_runtime: WorkflowRuntime) -> WorkflowRuntime:
    return postgres_runtime


@pytest.fixture
def second(runtime: WorkflowRuntime) -> Iterator[WorkflowRuntime]:
    """Another hub process on the same database, at the same time."""
    other = open_on(runtime.store.engine.url.render_as_string(hide_password=False), start=runtime.clock.now())
    yield other
    other.close()


def lock_now(runtime: WorkflowRuntime, sql: str, **params: Any) -> bool:
    """Whether another transaction could take the rows' locks at once (NOWAIT), released right after."""
    refused: str | None = None
    with runtime.store.engine.connect() as connection:
        try:
            connection.execute(text(sql + " FOR UPDATE NOWAIT"), params).all()
        except OperationalError as exc:
            refused = getattr(exc.orig, "sqlstate", None)
        finally:
            connection.rollback()
    assert refused in (None, "55P03")  # taken, or lock not available
    return refused is None


def test_a_claim_holds_the_work_orders_of_its_rows(runtime: WorkflowRuntime) -> None:
    work_order_id = create(runtime)
    clock(runtime).advance(timedelta(minutes=16))  # the first response's warning is due
    with runtime.store.claim_due_deadlines(runtime.clock.now()) as due:
        assert [d.work_order_id for d in due.deadlines] == [work_order_id]
        assert not lock_now(runtime, "SELECT id FROM work_orders WHERE id = :w", w=work_order_id)


def test_a_work_order_an_action_holds_is_skipped_without_locking_its_rows(runtime: WorkflowRuntime) -> None:
    held, free = create(runtime), create(runtime, msisdn="13900000001")
    clock(runtime).advance(timedelta(minutes=16))
    with runtime.store.engine.connect() as action:  # an action: its work order locked first
        action.execute(text("SELECT id FROM work_orders WHERE id = :w FOR UPDATE"), {"w": held})
        with runtime.store.claim_due_deadlines(runtime.clock.now()) as due:
            assert [d.work_order_id for d in due.deadlines] == [free]
            assert lock_now(runtime, "SELECT id FROM deadlines WHERE work_order_id = :w", w=held)
        action.rollback()
    with runtime.store.claim_due_deadlines(runtime.clock.now()) as due:  # released: the next pass takes it
        assert [d.work_order_id for d in due.deadlines] == [held]


def waiting_on_a_lock(runtime: WorkflowRuntime) -> bool:
    with runtime.store.engine.connect() as connection:
        return bool(connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one())


def test_an_action_on_a_work_order_a_pass_holds_waits_instead_of_deadlocking(runtime: WorkflowRuntime,
                                                                             second: WorkflowRuntime,
                                                                             monkeypatch) -> None:
    work_order_id = create(runtime)
    for each in (runtime, second):
        clock(each).advance(timedelta(minutes=16))
    errors: list[BaseException] = []

    def dispatch() -> None:
        try:
            act(second, work_order_id, A.DISPATCH)  # the other process's action on the same work order
        except BaseException as exc:
            errors.append(exc)

    action = threading.Thread(target=dispatch)
    fire = DeadlineScheduler._fire

    def fire_once_the_action_waits(self: DeadlineScheduler, *args: Any) -> Any:
        if not action.is_alive() and not action.ident:
            action.start()
            for _ in range(3000):  # until the action waits on a lock (the pass holds its work order)
                if waiting_on_a_lock(runtime) or not action.is_alive():
                    break
                time.sleep(0.01)
        return fire(self, *args)

    monkeypatch.setattr(DeadlineScheduler, "_fire", fire_once_the_action_waits)
    try:
        done = DeadlineScheduler(runtime, None).run_pass()
    except BaseException as exc:
        errors.append(exc)
        done = None
    action.join(60)
    assert errors == [] and done is not None and done.warnings == 1
    assert row(runtime, work_order_id)["state"] == "DISPATCHED"
    assert [h["action"] for h in history(runtime, work_order_id)].count("WARNING") == 1


def test_two_passes_split_one_work_orders_rows_without_deadlock(runtime: WorkflowRuntime,
                                                                second: WorkflowRuntime) -> None:
    """After a stop three rows of one work order are due; a pass holding its first ones keeps the work order, so
    another process's pass at the same moment skips the third instead of taking it and waiting."""
    work_order_id = create(runtime)  # VIP_GOLD: FR warning 15 min, FR alarm 20 min, reply warning 4 h 30
    for each in (runtime, second):
        clock(each).advance(timedelta(hours=5))
    with runtime.store.claim_due_deadlines(runtime.clock.now(), limit=2) as first:
        assert [d.kind for d in first.deadlines] == ["FIRST_RESPONSE:WARNING", "FIRST_RESPONSE:ALARM"]
        assert DeadlineScheduler(second, None, batch=1).run_pass().fired == 0
        first.release(first.deadlines[0])
        first.release(first.deadlines[1])
    for _ in range(10):  # (each escalation replaces the rows still to come: they fire on the next pass)
        if not DeadlineScheduler(second, None).run_pass().fired:
            break
    actions = [h["action"] for h in history(runtime, work_order_id)]
    # the first response's warning is not sent (its limit passed), its levels 2-4 (1 h apart) came due during the
    # stop: told once, at level 4; the reply's warning (its limit ahead) is sent
    assert (actions.count("WARNING"), actions.count("ESCALATE")) == (1, 1)
