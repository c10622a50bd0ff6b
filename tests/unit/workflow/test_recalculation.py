"""Recalculation asks the store which open work orders are stale: with nothing changed it costs a few statements
however many are open (it runs at every start), and a changed calendar still recalculates exactly the work orders
whose owners work by it."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from sqlalchemy import event

from hub.workflow.calendars import parse_calendars
from hub.workflow.datafile import packaged
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, history, network_desk_hours, row

pytestmark = pytest.mark.unit


def statements_of_a_recalculation(runtime: WorkflowRuntime) -> tuple[int, int]:
    counted = [0]

    def count(*_: object) -> None:
        counted[0] += 1

    event.listen(runtime.store.engine, "before_cursor_execute", count)
    try:
        changed = DeadlineScheduler(runtime, None).recalculate()
    finally:
        event.remove(runtime.store.engine, "before_cursor_execute", count)
    return changed, counted[0]


def test_nothing_changed_costs_the_same_for_ten_or_sixty_open_work_orders(runtime: WorkflowRuntime) -> None:
    for n in range(10):
        create(runtime, "CONTRACT", msisdn=f"139000000{n:02d}")
    ten = statements_of_a_recalculation(runtime)
    for n in range(10, 60):
        create(runtime, "CONTRACT", msisdn=f"139000000{n:02d}")
    sixty = statements_of_a_recalculation(runtime)
    assert ten[0] == sixty[0] == 0
    assert sixty[1] == ten[1] < 10


def test_a_changed_calendar_recalculates_the_work_orders_on_it(runtime: WorkflowRuntime) -> None:
    hotline_only = create(runtime, "CONTRACT")
    dispatched = create(runtime, "CONTRACT", msisdn="13900000001")
    clock(runtime).advance(timedelta(minutes=5))
    act(runtime, dispatched, A.DISPATCH)  # NMC: the network desk's calendar from now on
    before = row(runtime, dispatched)
    runtime.engine.calendars = network_desk_hours("08:30-12:00")
    assert statements_of_a_recalculation(runtime)[0] == 1
    after = row(runtime, dispatched)
    assert after["calendar_version"] != before["calendar_version"] and after["reply_due"] > before["reply_due"]
    assert [h["action"] for h in history(runtime, hotline_only)].count("RECALCULATE") == 0  # not on that calendar
    assert statements_of_a_recalculation(runtime)[0] == 0


def test_a_long_recalculation_reports_each_chunk_it_went_through(runtime: WorkflowRuntime) -> None:
    from hub.workflow.recalculation import recalculate

    for n in range(7):
        order = create(runtime, "CONTRACT", msisdn=f"139000001{n:02d}")
        act(runtime, order, A.DISPATCH)
    document = tomllib.loads(packaged("calendars.toml").read_text(encoding="utf-8"))
    document["calendars"]["network_ops"]["hours"] = {day: ["09:00-11:00"] for day in ("mon", "tue", "wed")}
    runtime.engine.calendars = parse_calendars(document, "short weeks")
    reported: list[tuple[int, int]] = []
    assert recalculate(runtime, chunk=3, progress=lambda looked_at, changed: reported.append((looked_at, changed))) == 7
    assert reported == [(3, 3), (6, 6), (7, 7)]
