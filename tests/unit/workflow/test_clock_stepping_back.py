"""A clock that steps back (an NTP step, a virtual machine resynced) or two hub processes on one work-order database
whose clocks differ by a second: the next change of a work order is stamped no earlier than its latest history entry
(``hub.workflow.history_clock``), so its history only moves forward and its deadlines can always be computed again.

Before, the action that ended a pause or changed the owner was stamped before the previous entry: ``pause ends …
before it starts`` (Resume, SupplyInfo, Cancel of a suspended work order) or ``handover … precedes the previous
owner's start`` (RejectDispatch, Escalate), dead-lettered as permanent, the work order stuck SUSPENDED or
DISPATCHED. And a history already holding such a stamp (written before) is computed with a pause or an owner of no
length, never refused."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.workflow.history_clock import change_moment
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, history, open_on, row

pytestmark = pytest.mark.unit


@pytest.fixture
def on_sqlite() -> Iterator[WorkflowRuntime]:
    with tempfile.TemporaryDirectory() as folder:
        runtime = open_on(f"sqlite:///{folder}/wo.db")
        try:
            yield runtime
        finally:
            runtime.close()


def ordered(runtime: WorkflowRuntime, work_order_id: str) -> bool:
    times = [entry["at"] for entry in history(runtime, work_order_id)]
    return times == sorted(times)


@pytest.mark.parametrize(("before", "then", "state"), [
    ([A.SUSPEND], A.RESUME, "ACCEPTED"),
    ([A.SUSPEND], A.CANCEL, "CANCELLED"),
    ([A.DISPATCH, A.START, A.REQUEST_INFO], A.SUPPLY_INFO, "IN_PROGRESS"),
    ([A.DISPATCH], A.REJECT_DISPATCH, "DISPATCH_REJECTED"),
    ([A.DISPATCH], A.ESCALATE, "ESCALATED"),
])
def test_an_action_one_second_earlier_than_the_last_is_carried_out(on_sqlite: WorkflowRuntime, before: list[A],
                                                                   then: A, state: str) -> None:
    runtime = on_sqlite
    work_order_id = create(runtime)
    clock(runtime).advance(timedelta(minutes=20))
    for action in before:
        details = {"Until": (clock(runtime).now() + timedelta(days=2)).isoformat()} if action is A.SUSPEND else {}
        act(runtime, work_order_id, action, **details)
    last = history(runtime, work_order_id)[-1]["at"]
    clock(runtime).set(clock(runtime).now() - timedelta(seconds=1))  # stepped back, or the other machine's clock
    act(runtime, work_order_id, then, **({"ToDepartment": "NOC-PROV"} if then is A.ESCALATE else {}))
    assert row(runtime, work_order_id)["state"] == state
    assert ordered(runtime, work_order_id) and history(runtime, work_order_id)[-1]["at"] == last
    clock(runtime).advance(timedelta(seconds=2))  # the clock caught up: stamped with it again
    if state != "CANCELLED":
        act(runtime, work_order_id, A.CANCEL)
    assert ordered(runtime, work_order_id)


def test_a_deadline_fired_by_a_clock_behind_the_last_entry_is_stamped_after_it(on_sqlite: WorkflowRuntime) -> None:
    """The scheduler of a process whose clock is 4 s behind the one that wrote the last entry."""
    runtime = on_sqlite
    work_order_id = create(runtime)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    due = min(d["due_at"] for d in view.deadlines if d["fired_at"] is None)
    clock(runtime).set(due + timedelta(seconds=5))
    with runtime.store.transaction() as tx:
        runtime.engine.note(tx, work_order_id, {"nsp_status": "working"}, actor="nsp", system="NSP",
                            now=clock(runtime).now())
    clock(runtime).set(due + timedelta(seconds=1))
    assert DeadlineScheduler(runtime, None).run_pass().fired == 1
    entries = history(runtime, work_order_id)
    assert len(entries) > len(view.history) + 1  # the note, and what the deadline wrote
    assert ordered(runtime, work_order_id) and entries[-1]["at"] == due + timedelta(seconds=5)


def test_the_moment_is_now_unless_the_history_or_the_row_is_later() -> None:
    now = datetime(2026, 11, 23, 9, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
    earlier, later = [{"at": now - timedelta(hours=1)}], [{"at": datetime(2026, 11, 23, 1, 15, 2, tzinfo=UTC)}]
    assert change_moment(now, earlier) is now and change_moment(now, [{"at": None}], None) is now
    assert change_moment(now, [*earlier, *later]) == now + timedelta(seconds=2)
    assert change_moment(now, earlier, now + timedelta(seconds=3)).tzinfo is UTC


def test_a_reminder_after_a_step_back_is_stamped_after_the_entry_it_follows(on_sqlite: WorkflowRuntime) -> None:
    """Remind bypasses ``engine.act``: its REMIND entry was stamped before the Start it follows (review of 63fd226)."""
    import uuid

    from hub.workflow.commands import ActionRequest
    from hub.workflow.reminders import remind

    runtime = on_sqlite
    work_order_id = create(runtime)
    clock(runtime).advance(timedelta(minutes=20))
    act(runtime, work_order_id, A.DISPATCH)
    act(runtime, work_order_id, A.START)
    clock(runtime).set(clock(runtime).now() - timedelta(seconds=2))
    with runtime.store.transaction() as tx:
        remind(runtime.engine, tx, ActionRequest(work_order_id, A.REMIND, "agent", "CS",
                                                 {"Reason": "customer called again"},
                                                 message_id=f"m-{uuid.uuid4().hex[:8]}"), clock(runtime).now())
    assert history(runtime, work_order_id)[-1]["action"] == "REMIND"
    assert ordered(runtime, work_order_id)
