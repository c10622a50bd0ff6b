"""The whole system (the workflow, the OA adapter's worker, the OA emulator over HTTP): a reminder's to-read (待阅)
of a work order dispatched to a department is withdrawn from OA once the work order is cancelled: the hub's
``oa:WithdrawToRead`` goes through the OA adapter and the emulator takes the to-read off the user's list and feed
(``withdrawn`` by the hub), while the department's to-do is closed as before. Before, the to-read stayed in the
inbox of a complaint long over (hub/workflow/withdrawn_to_reads.py)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from emulators.population import generate_population
from hub.workers import DeadLetterQueues
from tests.integration.adapters.department_dispatch import dispatched_to_department
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    SEED,
    SUBSCRIBERS,
    HotlineAgent,
    broker_url,  # noqa: F401 - the fixture: memory:// and RabbitMQ
    seeded_emulators,
    settle,
)
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text


def test_a_reminders_to_read_is_withdrawn_in_oa_when_the_work_order_is_cancelled(
        broker_url: str, tmp_path: Path, emulator_factory: Any,  # noqa: F811 - the fixture imported above
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "oa-to-read-withdrawn-e2e-audit-key-0123456789ab")
    monkeypatch.chdir(tmp_path)

    start_emulator = seeded_emulators(emulator_factory, nsp_replies=True)

    customer = generate_population(SEED, SUBSCRIBERS).subscribers[0]
    with running_system(broker_url, tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        oa = hub.emulators["oa"]
        work_order_id = dispatched_to_department(agent, customer.msisdn)
        agent.act("WorkOrderAction.valid-remind.xml", work_order_id)

        def to_reads() -> list[dict[str, Any]]:
            return [i for i in oa.state()["items"] if i["inbox"] == "toread" and i["work_order_id"] == work_order_id]

        settle(lambda: bool(to_reads()), "the reminder's to-read in OA")
        (pushed,) = to_reads()
        user = pushed["user_id"]

        def open_to_reads() -> list[str]:
            return [i["item_id"] for i in oa.http.get(f"/oa/users/{user}/items").json()["toread"]]

        assert pushed["item_id"] in open_to_reads()
        assert wo_text(agent.act("WorkOrderAction.valid-cancel.xml", work_order_id), "wo:State") == "CANCELLED"
        settle(lambda: pushed["item_id"] not in open_to_reads(), "the hub to withdraw the to-read in OA")
        (item,) = to_reads()
        feed = oa.http.get(f"/feeds/{user}/toread.atom").text
        withdrawals = oa.journal(operation="WithdrawToRead", bodies=False)
        dead = DeadLetterQueues(hub.broker).counts()
    assert (item["status"], item["closed_by"]) == ("withdrawn", "hub")
    assert item["outcome"] == f"work order {work_order_id} cancelled"
    assert f"urn:onepoint:oa:item:{pushed['item_id']}" not in feed
    assert [(e["operation"], e["status"]) for e in withdrawals] == [("WithdrawToRead", 200)]
    assert not any(dead.values()), dead
