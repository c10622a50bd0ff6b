"""What open work orders do when the SLA table or a calendar changes (docs/deadlines.md, "a limit the rules move"):
the history says which limit moved and why; a limit made overdue by the edit is a breach told from the chain's first
role, not an outage's missed levels; a breached limit moved ahead has its breach undone; an edit that changes
nothing the limits depend on recalculates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from hub.workflow.datafile import packaged
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.sla import load_sla_table
from tests.unit.workflow.deadline_kit import (
    act,
    clock,
    contract_reply,
    create,
    fire_every_row_until,
    history,
    network_desk_hours,
    open_on,
    pushed,
    row,
    sla_seed_with,
    write,
)
from tests.unit.workflow.incident_kit import client_of

pytestmark = pytest.mark.unit

@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    opened = open_on(f"sqlite:///{tmp_path}/wo.db")
    yield opened
    opened.close()



def test_the_recalculation_entry_names_the_limit_that_moved_and_the_calendar(runtime: WorkflowRuntime) -> None:
    order = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=5))
    act(runtime, order, A.DISPATCH)  # NMC's calendar from now on
    before = row(runtime, order)["reply_due"]
    runtime.engine.calendars = network_desk_hours("08:30-12:00")
    assert DeadlineScheduler(runtime, None).recalculate() == 1
    after = row(runtime, order)["reply_due"]
    entries = [h for h in history(runtime, order) if h["action"] == "RECALCULATE"]
    network_ops = runtime.engine.calendars.calendars["network_ops"]
    assert [(h["field"], h["old_value"], h["new_value"]) for h in entries] == [
        ("reply_due", before.isoformat(), after.isoformat())]
    assert f"network_ops {network_ops.version}" in entries[0]["note"]
    assert entries[0]["note"].startswith("calendar ")


def test_a_limit_the_edit_makes_overdue_tells_the_first_role_saying_the_edit(runtime: WorkflowRuntime,
                                                                              tmp_path: Path) -> None:
    client = client_of(runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound)
    order = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=30))
    act(runtime, order, A.DISPATCH)
    clock(runtime).advance(timedelta(days=2))
    scheduler.run_pass()  # the reply (24 h) still ahead: nothing breached
    runtime.engine.sla = load_sla_table(contract_reply(tmp_path, "8h"))
    scheduler.recalculate()
    client.outbound.sent.clear()
    scheduler.run_pass()
    told = pushed(client)
    assert [user for user, _ in told] == ["SHIFT_LEADER"]
    summary = told[0][1] or ""
    assert f"breached under the SLA table {runtime.engine.sla.version} changed at" in summary
    assert "came due" not in summary and "level 2" not in summary
    escalate2 = [d for d in runtime.store.get_work_order(order).deadlines  # type: ignore[union-attr]
                 if d["kind"] == "REPLY:ESCALATE2" and d["fired_at"] is None]
    assert [d["due_at"] > runtime.clock.now() for d in escalate2] == [True]  # climbs from now, an interval on
    clock(runtime).set(escalate2[0]["due_at"] - timedelta(minutes=1))
    client.outbound.sent.clear()
    scheduler.run_pass()
    assert pushed(client) == []
    clock(runtime).set(escalate2[0]["due_at"])
    scheduler.run_pass()
    assert [user for user, _ in pushed(client)] == ["DEPARTMENT_MANAGER"]


def test_a_breached_limit_moved_ahead_has_its_breach_undone(runtime: WorkflowRuntime, tmp_path: Path) -> None:
    client = client_of(runtime)
    scheduler = DeadlineScheduler(runtime, client.outbound)
    order = create(runtime, "CONTRACT")
    clock(runtime).advance(timedelta(minutes=30))
    act(runtime, order, A.DISPATCH)
    fire_every_row_until(runtime, scheduler, order, row(runtime, order)["reply_due"] + timedelta(minutes=30))
    clock(runtime).set(row(runtime, order)["reply_due"] + timedelta(minutes=30))
    assert [user for user, _ in pushed(client)] == ["SHIFT_LEADER"]
    runtime.engine.sla = load_sla_table(contract_reply(tmp_path, "40h"))
    client.outbound.sent.clear()
    scheduler.recalculate()
    new_due = row(runtime, order)["reply_due"]
    assert new_due > runtime.clock.now()
    assert [e.command_type for e, *_ in client.outbound.sent] == ["oa.CompleteTodo"]  # the stale notice closed
    [undone] = [h for h in history(runtime, order) if h["action"] == "BREACH_UNDONE"]
    local = new_due.astimezone(runtime.engine.settings.local_zone).isoformat(timespec="seconds")
    assert undone["new_value"] == f"REPLY due {local}"  # as a warning's entry says it: in the operator's zone
    pending = [(d["kind"], d["due_at"]) for d in runtime.store.get_work_order(order).deadlines  # type: ignore[union-attr]
               if d["fired_at"] is None]
    assert pending == [("REPLY:ALARM", new_due)]  # no escalation before the new limit
    client.outbound.sent.clear()
    clock(runtime).set(new_due)
    scheduler.run_pass()
    told = pushed(client)
    assert [user for user, _ in told] == ["SHIFT_LEADER"]
    assert new_due.astimezone(runtime.engine.settings.local_zone).isoformat(timespec="seconds") in (told[0][1] or "")


def test_a_comment_only_edit_of_the_table_recalculates_nothing(runtime: WorkflowRuntime, tmp_path: Path) -> None:
    orders = [create(runtime, "CONTRACT", msisdn=f"1390000000{n}") for n in range(3)]
    text = packaged("sla.toml").read_text(encoding="utf-8") + "\n# reviewed by the SLA owner\n"
    edited = load_sla_table(write(tmp_path / "sla.toml", text))
    assert edited.version == runtime.engine.sla.version
    runtime.engine.sla = edited
    assert DeadlineScheduler(runtime, None).recalculate() == 0
    assert not [h for order in orders for h in history(runtime, order) if h["action"] == "RECALCULATE"]


def test_a_recalculation_that_moves_no_column_writes_no_entry(runtime: WorkflowRuntime, tmp_path: Path) -> None:
    order = create(runtime, "CONTRACT")
    vip = sla_seed_with('reply = "6h"\nwarning_share = 0.75', 'reply = "6h"\nwarning_share = 0.5')
    runtime.engine.sla = load_sla_table(write(tmp_path / "sla.toml", vip))  # another tier's row edited
    assert DeadlineScheduler(runtime, None).recalculate() == 1
    assert row(runtime, order)["sla_version"] == runtime.engine.sla.version
    assert "RECALCULATE" not in [h["action"] for h in history(runtime, order)]
