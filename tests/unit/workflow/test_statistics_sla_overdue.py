"""SLA compliance per tier counts the complaints whose reply limit passed unreplied as breached (``Overdue``, read
as of the query), as the simulator's figures do; a pause still credits its time, and a complaint replied late
after being overdue is counted once, as late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.simulate.figures import read_figures as simulator_figures
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime
from tests.unit.workflow.kit import WO, act, answer, command, envelope, text
from tests.unit.workflow.test_statistics_counters import check_rebuild, create

pytestmark = pytest.mark.unit


def manual(runtime: WorkflowRuntime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def statistics(client: WorkerTestClient) -> etree._Element:
    document, message_id = command("QueryStatistics.valid.xml")
    days = document.find(f"{{{WO}}}Days")
    assert days is not None
    days[0].text, days[1].text = "2026-11-23", "2026-11-23"
    found = answer(client.request(envelope(document, message_id)))
    CommandSetRegistry.installed().get("workorder").lxml_schema.assertValid(found)
    return found


def test_a_tier_whose_complaints_are_all_overdue_and_unreplied_shows_no_compliance(
        client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    create(client)  # VIP_GOLD: reply within 6 h
    create(client, Msisdn="13900139000")
    manual(runtime).advance(timedelta(days=2))  # both past their limit, neither replied
    figures = statistics(client)
    assert text(figures, "wo:TierSla/wo:Tier") == "VIP_GOLD"
    assert text(figures, "wo:TierSla/wo:Replied") == "0" and text(figures, "wo:TierSla/wo:Overdue") == "2"
    assert text(figures, "wo:TierSla/wo:Compliance") == "0"
    assert text(figures, "wo:Totals/wo:Overdue") == "2" and text(figures, "wo:Shares/wo:SlaCompliance") == "0"


def test_overdue_then_replied_late_counts_once_and_a_pause_credits_its_time(client: WorkerTestClient,
                                                                             runtime: WorkflowRuntime) -> None:
    in_time = create(client)
    late = create(client, Msisdn="13900139000")
    paused = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13700137000")
    still_open = create(client, Msisdn="13600136000")
    manual(runtime).advance(timedelta(hours=1))
    act(client, in_time, "WorkOrderAction.valid-reply.xml")
    act(client, paused, "WorkOrderAction.valid-start.xml")
    assert text(act(client, paused, "WorkOrderAction.valid-pend.xml"), "wo:State") == "PENDING"  # before its limit
    manual(runtime).advance(timedelta(days=2))
    before = statistics(client)
    assert text(before, "wo:TierSla/wo:Overdue") == "2"  # late and still_open; the paused one's clock stands still
    act(client, late, "WorkOrderAction.valid-reply.xml")  # overdue, now replied: late, not overdue any more
    after = statistics(client)
    assert [text(after, f"wo:TierSla/wo:{name}") for name in ("Replied", "InSla", "Late", "Overdue")] == [
        "2", "1", "1", "1"]
    assert text(after, "wo:TierSla/wo:Compliance") == "0.3333"  # 1 kept of 3 limits run out
    assert text(after, "wo:Totals/wo:Overdue") == "1"
    view = runtime.store.get_work_order(still_open)
    assert view is not None and view.row["state"] == "ACCEPTED"
    check_rebuild(runtime)  # nothing of it is a counter: the rebuild still equals the maintained counters


def test_the_hub_and_the_simulator_agree_on_sla_per_tier(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    replied = create(client)
    create(client, Msisdn="13900139000")  # never replied
    manual(runtime).advance(timedelta(hours=2))
    act(client, replied, "WorkOrderAction.valid-reply.xml")
    manual(runtime).advance(timedelta(days=1))
    hub = statistics(client)
    simulated = simulator_figures(runtime.store.engine.url.render_as_string(hide_password=False),
                                  runtime.clock.now()).sla["VIP_GOLD"]
    in_sla = int(text(hub, "wo:TierSla/wo:InSla") or 0)
    breached = int(text(hub, "wo:TierSla/wo:Late") or 0) + int(text(hub, "wo:TierSla/wo:Overdue") or 0)
    assert (in_sla, breached) == (simulated.reply_met, simulated.reply_breached) == (1, 1)
    assert float(text(hub, "wo:TierSla/wo:Compliance") or "nan") == pytest.approx(0.5)


def test_cancelling_an_overdue_complaint_keeps_its_breach(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    """Cancelling the complaints past their limit must not raise SLA compliance: each stays breached
    (``CancelledOverdue``); one cancelled before its limit, or while paused before it, needs no reply and counts
    in no SLA figure."""
    in_time = create(client)  # VIP_GOLD: reply within 6 h
    early = create(client, Msisdn="13900139000")
    paused = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml", Msisdn="13700137000")
    overdue = create(client, Msisdn="13600136000")
    manual(runtime).advance(timedelta(hours=1))
    act(client, in_time, "WorkOrderAction.valid-reply.xml")
    assert text(act(client, early, "WorkOrderAction.valid-cancel.xml"), "wo:State") == "CANCELLED"
    act(client, paused, "WorkOrderAction.valid-start.xml")
    act(client, paused, "WorkOrderAction.valid-pend.xml")
    manual(runtime).advance(timedelta(days=2))
    assert text(statistics(client), "wo:TierSla/wo:Compliance") == "0.5"  # the overdue one is breached
    assert text(act(client, overdue, "WorkOrderAction.valid-cancel.xml"), "wo:State") == "CANCELLED"
    assert text(act(client, paused, "WorkOrderAction.valid-cancel.xml"), "wo:State") == "CANCELLED"
    figures = statistics(client)
    assert [text(figures, f"wo:TierSla/wo:{name}") for name in ("Replied", "InSla", "Late", "Overdue",
                                                                 "CancelledOverdue", "Compliance")] == [
        "1", "1", "0", "0", "1", "0.5"]  # before: 1 of 1, 100 %, once the overdue one was cancelled
    assert [text(figures, f"wo:Totals/wo:{name}") for name in ("Overdue", "CancelledOverdue", "Cancelled")] == [
        "0", "1", "3"]
    assert text(figures, "wo:Shares/wo:SlaCompliance") == "0.5"
    check_rebuild(runtime)  # the rebuild counts the cancelled breach as the observer did
    simulated = simulator_figures(runtime.store.engine.url.render_as_string(hide_password=False),
                                  runtime.clock.now()).sla["VIP_GOLD"]
    assert (simulated.reply_met, simulated.reply_breached) == (1, 1)


def test_escalations_are_in_the_totals(client: WorkerTestClient, runtime: WorkflowRuntime) -> None:
    escalated = create(client, "CreateWorkOrder.valid-dispatch-at-intake.xml")
    act(client, escalated, "WorkOrderAction.valid-escalate.xml")
    assert text(statistics(client), "wo:Totals/wo:Escalated") == "1"
    check_rebuild(runtime)
