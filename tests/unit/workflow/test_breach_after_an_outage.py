"""After the hub was down across several deadlines, each breach is told once, at the highest level whose due time
has passed, saying how late; a warning of a limit that has passed meanwhile is not sent (the breach tells). Before,
the missed levels were replayed one pass apart within seconds of the restart (a CRM notice per level, to-dos
pushed and closed again) and the owner was "reminded" of a limit breached hours before as if still ahead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from hub.workers import WorkerTestClient
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.scheduler import DeadlineScheduler
from tests.unit.workflow.deadline_kit import clock, create, history

pytestmark = pytest.mark.unit
OA = "{urn:onepoint:oa:1}"


def test_levels_missed_while_the_hub_was_down_are_told_once(runtime: WorkflowRuntime,
                                                            client: WorkerTestClient) -> None:
    scheduler = DeadlineScheduler(runtime, client.outbound, batch=200)
    work_order_id = create(runtime, "VIP_GOLD", manager="AM0001")  # 09:15; first response 20 min, reply 6 h
    clock(runtime).advance(timedelta(hours=12))  # down from 09:16 to 21:15
    for _ in range(6):  # the first 30 s after the restart
        scheduler.run_pass()
        clock(runtime).advance(timedelta(seconds=5))
    sent = [(envelope.command_type, etree.fromstring(envelope.payload)) for envelope, *_ in client.sent]
    kinds = [kind for kind, _ in sent]
    assert kinds.count("crm.NotifyAccountManager") == 2  # one per limit breached, not one per level
    assert kinds.count("oa.CompleteTodo") == 0 and kinds.count("oa.PushToRead") == 0  # no stale warning
    told = [(document.findtext(f"{OA}UserId"), document.findtext(f"{OA}Summary") or "")
            for kind, document in sent if kind == "oa.PushTodo"]
    assert [user for user, _ in told] == ["DEPUTY_GENERAL_MANAGER"] * 2  # straight to the level due by now
    first_response, reply = (summary for _, summary in told)
    assert "FIRST_RESPONSE deadline 2026-11-23T09:35:00+08:00 breached (level 4)" in first_response
    assert "after level 4 came due" in first_response  # how late it is told
    assert reply.startswith("REPLY deadline") and "came due" in reply  # its own notice: answered on its own
    assert [h["note"] for h in history(runtime, work_order_id) if h["action"] == "BREACH"] == []
    view = runtime.store.get_work_order(work_order_id)
    assert view is not None
    assert [d["kind"] for d in view.deadlines if d["fired_at"] is None] == []  # nothing replayed later
