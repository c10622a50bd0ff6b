"""A missed return visit is escalated to the hotline that owes it (docs/deadlines.md, "who holds a role"): the
intake department (``[workflow] intake_department``) makes the visit, as its warning says; the department that
replied owes nothing more. Before, the breach's to-do went to the replying department's role holder (a network
desk's shift leader), the statistics counted it an escalation of that department, and the hotline never heard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.config.workflow import WorkflowSettings
from hub.workers import WorkerTestClient
from hub.workflow.clock import ManualClock
from hub.workflow.lifecycle import LifecycleAction as A
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.scheduler import DeadlineScheduler
from hub.workflow.statistics import rebuild_counters, zone_of
from tests.unit.workflow.deadline_kit import act, clock, create, history, row
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_statistics_counters import counter_rows

pytestmark = pytest.mark.unit
OA = "{urn:onepoint:oa:1}"
HOLDERS = {"SHIFT_LEADER": {"CUSTOMER_SERVICE": "hotline-shift-01", "NMC": "nmc-shift-01"}}


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[WorkflowRuntime]:
    """The workflow conftest's runtime, with the holders' table (the ``client`` fixture sends through it)."""
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}", escalation_managers=HOLDERS)
    opened = open_runtime(settings, clock=ManualClock(START))
    yield opened
    opened.close()


def todos(client: WorkerTestClient, since: int) -> list[str]:
    documents = [etree.fromstring(envelope.payload) for envelope, *_ in client.sent[since:]
                 if envelope.command_type == "oa.PushTodo"]
    return [d.findtext(f"{OA}UserId") or "" for d in documents]


def escalated_by_department(runtime: WorkflowRuntime) -> dict[str, int]:
    """The daily department rows of ``escalated``."""
    return {key[6]: n for key, n in counter_rows(runtime).items()
            if key[-1] == "escalated" and key[6] != "*" and len(key[0]) == 10}


def test_a_missed_return_visit_tells_the_hotlines_role_holder_and_counts_for_the_hotline(
        runtime: WorkflowRuntime, client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "CONTRACT")
    act(runtime, work_order_id, A.DISPATCH)  # to NMC, the network desk, which replies
    act(runtime, work_order_id, A.START)
    act(runtime, work_order_id, A.REPLY, Note="fixed")
    assert row(runtime, work_order_id)["owner"] == "NMC"
    before = len(client.sent)
    clock(runtime).set(row(runtime, work_order_id)["return_visit_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    assert todos(client, before) == ["hotline-shift-01"]
    [note] = [h["note"] for h in history(runtime, work_order_id)
              if h["field"] == "escalation_level" and h["action"] == "ESCALATE"]
    assert note.startswith("RETURN_VISIT deadline") and note.endswith("; SHIFT_LEADER told (hotline-shift-01)")
    assert row(runtime, work_order_id)["owner"] == "NMC"  # the owner stays, as at any breach
    assert escalated_by_department(runtime) == {"CUSTOMER_SERVICE": 1}


def test_another_limits_breach_still_tells_the_owners_role_holder(runtime: WorkflowRuntime,
                                                                  client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "CONTRACT")
    act(runtime, work_order_id, A.DISPATCH)  # the first response, in time; NMC owes the reply
    before = len(client.sent)
    clock(runtime).set(row(runtime, work_order_id)["reply_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    assert todos(client, before) == ["nmc-shift-01"]
    assert escalated_by_department(runtime) == {"NMC": 1}


def test_the_rebuild_counts_the_missed_visit_for_the_hotline_as_the_live_count(runtime: WorkflowRuntime,
                                                                                client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=50)
    work_order_id = create(runtime, "CONTRACT")
    act(runtime, work_order_id, A.DISPATCH)
    act(runtime, work_order_id, A.REPLY, Note="fixed")
    clock(runtime).set(row(runtime, work_order_id)["return_visit_due"] + timedelta(minutes=1))
    assert scheduler.run_pass().escalations == 1
    live = counter_rows(runtime)
    rebuild_counters(runtime.store.engine, zone_of(runtime.engine.observers))
    assert counter_rows(runtime) == live
    assert escalated_by_department(runtime) == {"CUSTOMER_SERVICE": 1}
