"""A scheduler pass that runs late (the hub was down, the scheduler lagged) must neither give a work order time nor
tell its owner a wrong deadline:

* a suspension with ``Until`` is credited up to its Until, whoever resumes it and however late: the RESUME entry
  keeps when the hub acted, records the Until, and a limit that ran out meanwhile breaches at the next pass;
* a warning that fires after its work order was paused tells the business time its limit has left, no instant;
* the reminders' and escalations' free text gives deadlines in the operator's zone (``+08:00``), not UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import act, clock, create, history, row
from tests.unit.workflow.kit import START

pytestmark = pytest.mark.unit
OA = "{urn:onepoint:oa:1}"


def passes(scheduler: DeadlineScheduler) -> None:
    for _ in range(20):
        if scheduler.run_pass().fired == 0:
            return


def suspended_one_to_three_hours(runtime: WorkflowRuntime, scheduler: DeadlineScheduler) -> str:
    """A VIP_GOLD complaint (reply limit 6 h on the 7x24 hotline) suspended from +1 h until +3 h."""
    work_order_id = create(runtime, "VIP_GOLD")
    clock(runtime).advance(timedelta(hours=1))
    passes(scheduler)
    act(runtime, work_order_id, A.SUSPEND, Until=(START + timedelta(hours=3)).isoformat())
    return work_order_id


def sent(client: WorkerTestClient, command: str) -> list[etree._Element]:
    documents = [etree.fromstring(message[0].payload) for message in client.sent]
    return [document for document in documents if etree.QName(document).localname == command]


def test_a_resume_after_the_hub_was_down_credits_the_suspension_up_to_its_until(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound)
    work_order_id = suspended_one_to_three_hours(runtime, scheduler)
    clock(runtime).set(START + timedelta(hours=10))  # down from +2 h to +10 h: the first pass is now
    passes(scheduler)
    assert row(runtime, work_order_id)["reply_due"] == START + timedelta(hours=8)  # 6 h running + 2 h suspended
    entries = history(runtime, work_order_id)
    resume = next(h for h in entries if h["action"] == "RESUME")  # when the hub acted, with the Until it ended at
    assert resume["at"] == START + timedelta(hours=10)
    assert (resume["field"], resume["new_value"]) == ("suspended_until", "2026-11-23T12:15:00+08:00")  # +3 h
    assert [h["at"] for h in entries] == sorted(h["at"] for h in entries)
    breach = "REPLY deadline 2026-11-23T17:15:00+08:00 breached"  # the reply's breach at +8 h is raised (the
    assert any(h["action"] in ("ESCALATE", "BREACH") and breach in f"{h['new_value']} {h['note']}"  # chain's level
               for h in entries)  # its unanswered first response reached is noted, not told twice)
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    assert any(d["kind"] == "REPLY:ALARM" and d["fired_at"] == START + timedelta(hours=10) for d in view.deadlines)
    # the history alone gives the same pause: a later recomputation (an action, a recalculation) keeps it
    assert runtime.engine.timing_facts(view.row, view.history).pauses == (
        (START + timedelta(hours=1), START + timedelta(hours=3)),)


def test_a_callers_late_resume_is_credited_up_to_the_until_too(runtime: WorkflowRuntime) -> None:
    work_order_id = suspended_one_to_three_hours(runtime, DeadlineScheduler(runtime, None))
    clock(runtime).set(START + timedelta(hours=5))  # before any pass: the agent's Resume comes first
    act(runtime, work_order_id, A.RESUME)
    assert row(runtime, work_order_id)["reply_due"] == START + timedelta(hours=8)


def test_a_resume_before_the_until_is_credited_up_to_the_resume(runtime: WorkflowRuntime) -> None:
    work_order_id = suspended_one_to_three_hours(runtime, DeadlineScheduler(runtime, None))
    clock(runtime).set(START + timedelta(hours=2))
    act(runtime, work_order_id, A.RESUME)
    assert row(runtime, work_order_id)["reply_due"] == START + timedelta(hours=7)
    resume = next(h for h in history(runtime, work_order_id) if h["action"] == "RESUME")
    assert (resume["field"], resume["new_value"]) == (None, None)


def test_a_warning_fired_after_the_pause_tells_the_time_left_and_no_due(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound)
    work_order_id = create(runtime, "VIP_GOLD")  # reply due 07:15 UTC, its warning (75 %) at 05:45
    clock(runtime).advance(timedelta(minutes=16))
    passes(scheduler)
    clock(runtime).set(START + timedelta(hours=4, minutes=30, seconds=3))
    act(runtime, work_order_id, A.SUSPEND, Until=(START + timedelta(days=1)).isoformat())  # before the pass
    passes(scheduler)
    warning = [h["new_value"] for h in history(runtime, work_order_id)
               if h["action"] == "WARNING" and str(h["new_value"]).startswith("REPLY")]
    assert warning == ["REPLY paused with 1 h 30 min of business time left"]
    reminder = next(item for item in sent(client, "PushToRead") if "REPLY" in (item.findtext(f"{OA}Summary") or ""))
    assert reminder.find(f"{OA}Due") is None
    assert (reminder.findtext(f"{OA}Summary") or "").startswith("REPLY deadline paused with 1 h 30 min of business "
                                                                 "time left: work order ")


def test_a_warning_in_time_gives_the_limit_in_the_operator_zone(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound)
    work_order_id = create(runtime, "VIP_GOLD")
    limit = row(runtime, work_order_id)["first_response_due"]
    clock(runtime).advance(timedelta(minutes=16))
    passes(scheduler)
    reminder = sent(client, "PushToRead")[-1]
    assert datetime.fromisoformat(reminder.findtext(f"{OA}Due") or "") == limit
    summary = reminder.findtext(f"{OA}Summary") or ""
    assert summary.startswith("FIRST_RESPONSE deadline at 2026-11-23T09:35:00+08:00: ")  # 01:35 UTC
