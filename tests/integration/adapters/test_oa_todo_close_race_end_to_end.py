"""The whole system (the workflow, the OA adapter's worker, the OA emulator over HTTP): a department's to-do whose
push waits in a delay tier (OA answered 503) while the work order is cancelled ends closed in OA. The audit's
order: the hub's CompleteTodo, sent later but not delayed, reaches OA first and is answered ``unknown-item``; then
the push comes back from its tier. Before, it opened the to-do of the cancelled work order in the department's
inbox and feed for good (the hub's history said closed); now the push is not made (adapters/oa/closed_items.py)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import tests.integration.resilience.faulty_system as faulty
from emulators.population import generate_population
from hub.transport import DelayTier
from hub.workers import DeadLetterQueues
from tests.integration.adapters.department_dispatch import DEPARTMENT, dispatched_to_department
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    SEED,
    SUBSCRIBERS,
    HotlineAgent,
    broker_url,  # noqa: F401 - the fixture: memory:// and RabbitMQ
    seeded_emulators,
    settle,
)
from tests.integration.workflow.test_complaint_end_to_end import NS as WO_NS
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text

OA = "urn:onepoint:oa:1"
TIERS = (DelayTier("5s", 5000), DelayTier("10s", 10_000), DelayTier("20s", 20_000))  # the first as by default


def test_a_todo_pushed_after_the_work_order_was_cancelled_ends_closed_in_oa(
        broker_url: str, tmp_path: Path, emulator_factory: Any,  # noqa: F811 - the fixture imported above
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(faulty.AUDIT_KEY_ENV, "oa-todo-close-race-e2e-audit-key-0123456789ab")
    monkeypatch.setattr(faulty, "FAST_TIERS", TIERS)
    monkeypatch.chdir(tmp_path)

    start_emulator = seeded_emulators(emulator_factory, nsp_replies=True)

    customer = generate_population(SEED, SUBSCRIBERS).subscribers[0]
    with faulty.running_system(broker_url, tmp_path, start_emulator, CALM) as hub, \
            closing(HotlineAgent(hub)) as agent:
        oa = hub.emulators["oa"]
        oa.add_fault("error", "PushTodo", status=503, times=3)  # the push's in-process attempts: to the 5 s tier
        work_order_id = dispatched_to_department(agent, customer.msisdn)
        item_id = f"{work_order_id}-dsp1"

        def calls() -> list[tuple[str, int]]:
            """OA's calls naming the item, oldest first: (operation, status)."""
            return [(e["operation"], e["status"]) for e in oa.journal(
                xpath=f"/*/oa:ItemId[. = '{item_id}']", namespaces={"oa": OA}, bodies=False)]

        settle(lambda: len(calls()) >= 3, "the push's failed attempts")  # now waiting in the 5 s tier
        assert wo_text(agent.act("WorkOrderAction.valid-cancel.xml", work_order_id), "wo:State") == "CANCELLED"
        settle(lambda: len(calls()) >= 5, "the hub's close, then the push back from its tier")
        seen = calls()
        todos = [i["item_id"] for i in oa.http.get(f"/oa/users/{DEPARTMENT}/items").json()["todo"]]
        feed = oa.http.get(f"/feeds/{DEPARTMENT}/todo.atom").text
        items = [i for i in oa.state()["items"] if i["item_id"] == item_id]
        shown = agent.query(work_order_id)
        dead = DeadLetterQueues(hub.broker).counts()
    # the audit's order: the close (OA has no such item yet) reached OA while the push waited in its tier
    assert seen[:4] == [("PushTodo", 503)] * 3 + [("CompleteTodo", 404)], seen
    assert item_id not in todos
    assert f"urn:onepoint:oa:item:{item_id}" not in feed
    assert all(i["status"] != "open" for i in items), items
    closed = [e.findtext("wo:NewValue", namespaces=WO_NS) for e in shown.iterfind("wo:History", WO_NS)
              if e.findtext("wo:Field", namespaces=WO_NS) == "oa_todo_closed"]
    assert closed == [item_id]
    assert not any(dead.values()), dead
    assert ("PushTodo", 200) not in seen, seen  # back from its tier, the push of a closed to-do is not made
