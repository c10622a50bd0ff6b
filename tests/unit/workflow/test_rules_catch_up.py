"""An action on a work order the recalculation has not reached yet (docs/deadlines.md, "a limit the rules move"):
the engine reloads an edited SLA table before an action, the scheduler's recalculation comes later. The action
first brings the work order to the new rules as the recalculation would (``rules_catch_up.catch_up``): before, it
wrote the new versions without them, so a breach the edit undid stayed open in OA, a limit the edit made overdue was
taken for an outage, and the recalculation skipped the work order for good. Nor does an action reset an alarm a
recalculation started; an alarm overdue before the edit (the hub was down) is no start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workflow.deadlines import compute_deadlines
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.recalculation import recalculate
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.sla import load_sla_table
from hub.workflow.todos import CLOSE_TODO, open_todos
from tests.unit.workflow.deadline_kit import (
    act,
    clock,
    contract_reply,
    create,
    fire_every_row_until,
    history,
    open_on,
    pushed,
    row,
)
from tests.unit.workflow.incident_kit import client_of

pytestmark = pytest.mark.unit

@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    opened = open_on(f"sqlite:///{tmp_path}/wo.db")
    yield opened
    opened.close()



def breached_reply(runtime: WorkflowRuntime, scheduler: DeadlineScheduler) -> str:
    """A CONTRACT work order whose reply limit was breached half an hour ago, its shift leader told."""
    order = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=30))
    act(runtime, order, A.DISPATCH)
    fire_every_row_until(runtime, scheduler, order, row(runtime, order)["reply_due"] + timedelta(minutes=30))
    clock(runtime).set(row(runtime, order)["reply_due"] + timedelta(minutes=30))
    return order


def test_an_action_before_the_recalculation_undoes_a_breach_the_edit_moved_ahead(runtime: WorkflowRuntime,
                                                                                 tmp_path: Path) -> None:
    client = client_of(runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound)
    order = breached_reply(runtime, scheduler)
    runtime.engine.sla = load_sla_table(contract_reply(tmp_path, "40h"))
    changed = act(runtime, order, A.START)  # the desk starts work before the scheduler recalculates
    assert [f.kind for f in changed.follow_ups].count(CLOSE_TODO) == 1  # the notice closed with the action
    assert scheduler.recalculate() == 0  # current already: nothing left for the recalculation
    view = runtime.store.get_work_order(order)
    assert view is not None
    new_due = view.row["reply_due"]
    assert new_due > runtime.clock.now()
    assert open_todos(view.row, view.history) == []
    actions = [h["action"] for h in view.history]
    assert "BREACH_UNDONE" in actions and "RECALCULATE" in actions
    assert actions.index("RECALCULATE") < actions.index(A.START.value)  # caught up first
    assert [(d["kind"], d["due_at"]) for d in view.deadlines if d["fired_at"] is None] == [("REPLY:ALARM", new_due)]


@pytest.mark.parametrize("recalculated_first", [False, True])
def test_an_action_after_an_edit_cuts_a_limit_into_the_past_keeps_it_a_breach_told_first(
        runtime: WorkflowRuntime, tmp_path: Path, recalculated_first: bool) -> None:
    """Before: the action wrote the alarm due at the limit gone by (before the recalculation) or reset the one the
    recalculation had started to it (after), and the next pass told the department manager, as after an outage."""
    client = client_of(runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound)
    order = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=30))
    act(runtime, order, A.DISPATCH)
    clock(runtime).advance(timedelta(days=2))
    scheduler.run_pass()
    runtime.engine.sla = load_sla_table(contract_reply(tmp_path, "8h"))
    if recalculated_first:
        scheduler.recalculate()
    act(runtime, order, A.START)
    scheduler.recalculate()
    client.outbound.sent.clear()
    scheduler.run_pass()
    told = pushed(client)
    assert [user for user, _ in told] == ["SHIFT_LEADER"]
    assert "changed at" in (told[0][1] or "") and "came due" not in (told[0][1] or "")


def test_an_alarm_overdue_before_the_edit_keeps_the_outage_rule(runtime: WorkflowRuntime, tmp_path: Path) -> None:
    """The hub down past the limit, the limit cut meanwhile: before, the alarm kept its old due time, later than
    the new limit, and was taken for one the edit started ("changed at" the old limit, no outage wording)."""
    client = client_of(runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound)
    order = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=30))
    act(runtime, order, A.DISPATCH)
    clock(runtime).set(row(runtime, order)["reply_due"] + timedelta(minutes=10))  # down from before the limit
    runtime.engine.sla = load_sla_table(contract_reply(tmp_path, "8h"))
    scheduler.recalculate()  # the restarted scheduler recalculates before its first pass
    client.outbound.sent.clear()
    scheduler.run_pass()
    told = pushed(client)
    assert len(told) == 1 and "changed at" not in (told[0][1] or "")
    assert "came due" in (told[0][1] or "")  # the outage rule: how late, at the highest level passed
    again = [d for d in runtime.store.get_work_order(order).deadlines  # type: ignore[union-attr]
             if d["kind"] == "REPLY:ALARM"]
    assert [d["due_at"] for d in again] == [row(runtime, order)["reply_due"]]  # due at the limit: no start


def test_the_command_counts_the_work_orders_it_leaves_to_the_scheduler(runtime: WorkflowRuntime,
                                                                       tmp_path: Path) -> None:
    client = client_of(runtime)
    order = breached_reply(runtime, DeadlineScheduler(runtime, client.outbound))
    runtime.engine.sla = load_sla_table(contract_reply(tmp_path, "40h"))
    left: list[str] = []
    assert recalculate(runtime, left=left.append) == 0  # no tell: the command cannot close the notice in OA
    assert left == [order]
    assert "BREACH_UNDONE" not in [h["action"] for h in history(runtime, order)]


def test_the_command_prints_how_many_it_left_to_the_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, it said only "N open work order(s) recalculated": those it left were in INFO logs."""
    from hub.cli import workorders
    from hub.workflow import recalculation

    def recalculated(_runtime: object, *, left: Callable[[str], None], **_: object) -> int:
        left("WO1")
        left("WO2")
        return 3

    opened = SimpleNamespace(engine=SimpleNamespace(sla=SimpleNamespace(version="abc")), close=lambda: None)
    monkeypatch.setattr(recalculation, "recalculate", recalculated)
    monkeypatch.setattr(workorders, "_runtime", lambda _settings: opened)
    monkeypatch.setattr(workorders, "settings_of", lambda _path: SimpleNamespace(workflow=None))
    printed = CliRunner().invoke(main, ["workorders", "recalculate"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.splitlines() == [
        "3 open work order(s) recalculated (SLA table abc)",
        "2 left to the hub's scheduler (their breach notices are closed in OA by it)"]


def test_an_escalation_before_the_recalculation_leaves_the_alarm_the_edit_makes_overdue_to_it(
        runtime: WorkflowRuntime, tmp_path: Path) -> None:
    """The first response's breach climbs a level on a work order the recalculation has not reached: before, its
    reschedule wrote the reply alarm due at the reply limit the edit put in the past, and the recalculation took it
    for an outage."""
    client = client_of(runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound)
    order = create(runtime, "CONTRACT")  # never answered: the first response breached at 1 h, and climbing
    cut = load_sla_table(contract_reply(tmp_path, "8h"))
    view = runtime.store.get_work_order(order)
    assert view is not None
    cut_reply = compute_deadlines(runtime.engine.timing_facts(view.row, view.history), cut,
                                  runtime.engine.calendars).reply.due.at
    assert cut_reply is not None
    fire_every_row_until(runtime, scheduler, order, cut_reply)
    runtime.engine.sla = cut  # the reply limit now passed
    view = runtime.store.get_work_order(order)
    assert view is not None
    level = min(d["due_at"] for d in view.deadlines if d["fired_at"] is None
                and d["kind"].startswith("FIRST_RESPONSE:ESCALATE"))
    assert cut_reply < level < view.row["reply_due"]
    clock(runtime).set(level)
    scheduler.run_pass()  # the first response's level fires before the recalculation
    alarm = next(d for d in runtime.store.get_work_order(order).deadlines  # type: ignore[union-attr]
                 if d["kind"] == "REPLY:ALARM")
    assert alarm["due_at"] > runtime.clock.now()  # as the old rules had it: the recalculation's to judge
    scheduler.recalculate()
    client.outbound.sent.clear()
    scheduler.run_pass()
    told = [summary or "" for _, summary in pushed(client) if (summary or "").startswith("REPLY")]
    assert len(told) == 1 and "changed at" in told[0] and "came due" not in told[0]
