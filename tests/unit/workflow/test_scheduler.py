"""The deadline scheduler, by moving a ManualClock: warnings remind the owner, alarms escalate along the tier's
chain (OA to-dos), nothing fires twice, and a changed SLA table recalculates the open work orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from hub.workflow.clock import ManualClock
from hub.workflow.deadlines import DeadlineKind
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.sla import SlaTable, load_sla_table, parse_sla_table
from tests.unit.workflow.kit import WO, act, answer, command, envelope, text

pytestmark = pytest.mark.unit


@pytest.fixture
def scheduler(runtime: WorkflowRuntime, client) -> DeadlineScheduler:
    return DeadlineScheduler(runtime, client.outbound, batch=50)


def created_id(client) -> str:
    return text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId") or ""


def clock(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def test_warning_then_alarm_then_the_next_level(runtime, client, scheduler) -> None:
    work_order_id = created_id(client)  # VIP_GOLD: first response 20 min (7x24 hotline), warning at 75 %
    before = runtime.store.get_work_order(work_order_id)
    assert before is not None
    assert scheduler.run_pass().fired == 0

    clock(runtime).advance(timedelta(minutes=16))
    warned = scheduler.run_pass()
    assert (warned.fired, warned.warnings, warned.escalations) == (1, 1, 0)
    assert warned.sent == ["PushToRead"]  # the owner is reminded
    reminder = etree.fromstring(client.sent[-1][0].payload)  # of the limit, 4 min on, not of the warning's instant
    limit = before.row["first_response_due"]
    assert datetime.fromisoformat(reminder.findtext("{urn:onepoint:oa:1}Due") or "") == limit
    said = f"FIRST_RESPONSE deadline at {limit.astimezone(ZoneInfo('Asia/Shanghai')).isoformat()}:"  # operator's zone
    assert said in (reminder.findtext("{urn:onepoint:oa:1}Summary") or "")
    assert scheduler.run_pass().fired == 0  # fired once

    clock(runtime).advance(timedelta(minutes=5))
    breached = scheduler.run_pass()
    assert (breached.fired, breached.escalations) == (1, 1)
    assert breached.sent == ["PushTodo", "NotifyAccountManager"]  # a VIP's account manager is told too
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None  # the level rises; the state, the owner and so the hotline's clock stay
    assert (view.row["state"], view.row["owner"], view.row["escalation_level"]) == ("ACCEPTED", "CUSTOMER_SERVICE", 1)
    assert view.row["reply_due"] == before.row["reply_due"]  # a breach never moves a deadline
    todo = etree.fromstring(client.sent[-2][0].payload)
    assert todo.findtext("{urn:onepoint:oa:1}UserId") == "SHIFT_LEADER"
    notice = etree.fromstring(client.sent[-1][0].payload)
    assert notice.findtext("{urn:onepoint:crm:1}AccountManagerId") == view.row["account_manager_id"]
    assert (notice.findtext("{urn:onepoint:crm:1}Summary") or "").startswith("escalated to level 1 (SHIFT_LEADER): ")
    assert notice.findtext("{urn:onepoint:crm:1}DueAt") is not None  # the reply is still owed
    assert scheduler.run_pass().fired == 0

    clock(runtime).advance(timedelta(hours=1))  # VIP_GOLD's escalation interval
    again = scheduler.run_pass()
    assert again.escalations == 1 and again.sent == ["CompleteTodo", "PushTodo", "NotifyAccountManager"]
    todo = etree.fromstring(client.sent[-2][0].payload)  # level 1's to-do closed in OA, level 2's pushed
    assert todo.findtext("{urn:onepoint:oa:1}UserId") == "DEPARTMENT_MANAGER"
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    assert (view.row["owner"], view.row["escalation_level"]) == ("CUSTOMER_SERVICE", 2)
    escalations = [h for h in view.history if h["action"] == "ESCALATE"]
    assert [(h["kind"], h["old_value"], h["new_value"]) for h in escalations] == [("field", "0", "1"),
                                                                                 ("field", "1", "2")]
    assert "DEPARTMENT_MANAGER told" in escalations[-1]["note"]
    assert [h["action"] for h in view.history].count("WARNING") == 1

    # the escalated complaint goes on as any other: dispatched to the network centre, on its calendar
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "DISPATCHED"


def test_a_work_order_answered_in_time_raises_nothing(runtime, client, scheduler) -> None:
    work_order_id = created_id(client)
    document, message_id = command("WorkOrderAction.valid-reply.xml", WorkOrderId=work_order_id)
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "REPLIED"
    clock(runtime).advance(timedelta(hours=7))  # past the first-response and reply limits: both met
    assert scheduler.run_pass().fired == 0
    clock(runtime).advance(timedelta(hours=20))  # the return visit (24 h after the reply) is late now
    late = scheduler.run_pass()  # its warning, the limit passed by the time it fires, is not sent: the breach tells
    assert late.warnings == 0 and late.escalations == 1 and late.sent == ["PushTodo", "NotifyAccountManager"]
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["state"] == "REPLIED"  # no escalation from REPLIED: the role is told


def test_a_changed_sla_table_recalculates_open_work_orders(runtime, client, scheduler) -> None:
    work_order_id = created_id(client)
    before = runtime.store.get_work_order(work_order_id)
    assert before is not None
    assert scheduler.recalculate() == 0  # computed from this very table

    runtime.engine = replace_engine(runtime, faster_table())
    assert scheduler.recalculate() == 1
    after = runtime.store.get_work_order(work_order_id)
    assert after is not None
    assert after.row["reply_due"] - after.row["created_at"] == timedelta(hours=2)
    assert after.row["sla_version"] == "faster"
    assert after.history[-1]["action"] == "RECALCULATE"
    kinds = sorted(d["kind"] for d in after.deadlines if d["fired_at"] is None)
    assert kinds == sorted(f"{k.value}:{w}" for k in (DeadlineKind.FIRST_RESPONSE, DeadlineKind.REPLY)
                           for w in ("WARNING", "ALARM"))
    assert scheduler.recalculate() == 0


def test_a_changed_sla_table_leaves_the_limits_of_a_replied_work_order_as_they_were(runtime, client,
                                                                                     scheduler) -> None:
    """A limit met or missed is history: the statistics counted the reply against it, QueryWorkOrder shows it."""
    work_order_id = created_id(client)  # VIP_GOLD: reply within 6 h
    clock(runtime).advance(timedelta(hours=3))
    assert text(act(client, work_order_id, "WorkOrderAction.valid-reply.xml"), "wo:State") == "REPLIED"
    before = runtime.store.get_work_order(work_order_id)
    assert before is not None
    runtime.engine = replace_engine(runtime, faster_table(return_visit="12h"))
    assert scheduler.recalculate() == 1
    after = runtime.store.get_work_order(work_order_id)
    assert after is not None and after.row["sla_version"] == "faster"
    for limit in ("first_response_due", "reply_due"):
        assert after.row[limit] == before.row[limit]  # not two hours after creation: the reply came at three
    assert after.row["return_visit_due"] - after.row["replied_at"] == timedelta(hours=12)  # still open: the new


def faster_table(return_visit: str = "24h") -> SlaTable:
    """Every tier's first response in 10 minutes and reply in 2 hours (version "faster")."""
    table = load_sla_table()
    return parse_sla_table({"defaults": {"warning_share": 0.8, "return_visit": return_visit,
                                         "escalation": ["SHIFT_LEADER"], "escalation_interval": "1h"},
                            "tiers": {tier: {"priority": row.priority, "first_response": "10m", "reply": "2h"}
                                      for tier, row in table.rows.items()},
                            "unknown_tier": {"priority": 4, "first_response": "10m", "reply": "2h"}},
                           version="faster")


def replace_engine(runtime: WorkflowRuntime, sla):
    from hub.workflow.engine import WorkOrderEngine

    engine = runtime.engine
    return WorkOrderEngine(sla, engine.calendars, engine.taxonomy, engine.settings)


def test_due_rows_are_found_by_the_index_not_by_scanning_work_orders(runtime) -> None:
    from sqlalchemy import text as sql

    with runtime.store.engine.connect() as connection:
        plan = " ".join(str(r[-1]) for r in connection.execute(sql(
            "EXPLAIN QUERY PLAN SELECT id FROM deadlines WHERE fired_at IS NULL AND due_at <= '2026-01-01' "
            "ORDER BY due_at LIMIT 100")))
    assert "ix_deadlines_open_due" in plan and "work_orders" not in plan



def test_a_suspended_work_order_resumes_at_its_until(runtime, client, scheduler) -> None:
    work_order_id = created_id(client)
    clock(runtime).advance(timedelta(minutes=5))  # before any warning
    until = clock(runtime).now() + timedelta(hours=2)
    document, message_id = command("WorkOrderAction.valid-suspend.xml", WorkOrderId=work_order_id)
    document.find(f"{{{WO}}}Suspend/{{{WO}}}Until").text = until.isoformat()
    assert text(answer(client.request(envelope(document, message_id))), "wo:State") == "SUSPENDED"
    clock(runtime).set(until - timedelta(minutes=1))
    assert scheduler.run_pass().fired == 0  # paused: no warning, no alarm, not yet resumed
    clock(runtime).set(until)
    resumed = scheduler.run_pass()
    assert (resumed.fired, resumed.warnings, resumed.escalations) == (1, 0, 0)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["state"] == "ACCEPTED" and view.row["paused_since"] is None
    assert [h["action"] for h in view.history if h["kind"] == "state"][-1] == "RESUME"
    assert view.row["first_response_due"] == view.row["created_at"] + timedelta(minutes=20, hours=2)  # credited


def test_two_limits_breached_at_once_are_each_told_and_no_role_is_skipped(runtime, client, scheduler) -> None:
    """Each limit's breach is told and has its own notice: two limits ending together each tell the chain's first
    role (two notices, one per limit: each is closed when its own limit is answered); each limit's later levels
    come from its own breach, an interval on, and tell the role above the one reached, closing that limit's lower
    notice: every role told, none skipped. (Before, the second breach was only noted, "already escalated to level
    1"; then, a role sitting on one limit's notice was not told of another's.)"""
    table = load_sla_table()
    runtime.engine = replace_engine(runtime, parse_sla_table({
        "defaults": {"warning_share": 0.8, "return_visit": "24h", "escalation_interval": "1h",
                     "escalation": ["SHIFT_LEADER", "DEPARTMENT_MANAGER", "DIRECTOR"]},
        "tiers": {tier: {"priority": row.priority, "first_response": "2h", "reply": "2h"}
                  for tier, row in table.rows.items()},
        "unknown_tier": {"priority": 4, "first_response": "2h", "reply": "2h"}}, version="together"))
    work_order_id = created_id(client)
    clock(runtime).advance(timedelta(hours=2, minutes=1))  # both limits ran out in the same minute
    breached = scheduler.run_pass()
    assert breached.escalations == 2
    assert breached.sent.count("PushTodo") == 2 and breached.sent.count("CompleteTodo") == 0
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None and view.row["escalation_level"] == 2
    assert [h["note"] for h in view.history if h["action"] == "BREACH"] == []

    clock(runtime).advance(timedelta(hours=1))  # level 2 of both limits: the roles above, each limit's own
    again = scheduler.run_pass()
    assert again.escalations == 2 and again.sent.count("CompleteTodo") == 2  # each limit's lower notice
    told = [etree.fromstring(p.payload).findtext("{urn:onepoint:oa:1}UserId") for p, *_ in client.sent
            if etree.QName(etree.fromstring(p.payload)).localname == "PushTodo"]
    assert told[:2] == ["SHIFT_LEADER", "SHIFT_LEADER"]
    assert set(told[2:]) == {"DEPARTMENT_MANAGER", "DIRECTOR"}  # every role told, none skipped
