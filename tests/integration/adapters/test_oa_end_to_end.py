"""End to end through the OA adapter's Worker and the OA emulator over HTTP, on memory:// and on RabbitMQ:

* a to-do pushed (as the workflow sends it) lands in the manager's OA inbox; the manager completes it in OA and
  OA's CompleteTodo call-back comes through the hub's XML ingress (OA's own token) into the workflow's queue;
* an outage notice NSP raises comes through the ingress, is broadcast, and each manager of its area finds a
  to-read item in OA (one PushToRead command per manager, sent by the adapter through the routing table);
* with the whole system (the workflow too): a dispatched department's OA to-do is closed in OA by the hub once
  the work order is cancelled (hub/workflow/department_todos.py).
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import adapters.oa as oa_adapter
from emulators.population import generate_population
from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.outbound import BrokerOutbound
from hub.store.keys import processed_key
from hub.validation import DocumentValidator
from hub.workers import DeadLetterQueues
from tests.integration.adapters.conftest import take, wait_until, xml_gateway_settings
from tests.integration.adapters.department_dispatch import DEPARTMENT, dispatched_to_department
from tests.integration.adapters.hub_kit import RunningHub
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
from tests.integration.workflow.test_complaint_end_to_end import NS as WO_NS
from tests.integration.workflow.test_complaint_end_to_end import text as wo_text
from tests.unit.adapters.soap_kit import example

OA = "urn:onepoint:oa:1"
OA_TOKEN, NSP_TOKEN = "oa-dev-token", "nsp-dev-token"  # the systems' development caller credentials
MANAGERS = {"0755": ["mgr-0755-01", "mgr-0755-02"], "020": ["mgr-020-01"]}
LINK = "http://127.0.0.1:8000/bulletin#{notice_id}"


def oa_settings(oa: Any) -> Any:
    return xml_gateway_settings("oa", oa.base_url, options={"area_managers": MANAGERS, "notice_link": LINK})


def test_a_to_do_completed_in_oa_comes_back_to_the_workflow(running_hub: RunningHub, emulator_factory: Any) -> None:
    oa = emulator_factory("oa", hub_url=running_hub.base_url, hub_token=OA_TOKEN, callback_backoff=0.05)
    cause = Envelope("cs-escalate-000001", "workorder.WorkOrderAction", "CS", b"<escalated/>")
    outbound = BrokerOutbound(running_hub.broker, running_hub.router.table, DocumentValidator(running_hub.registry))
    with running_hub.adapter(oa_adapter, oa_settings(oa)) as deps:
        sent = outbound.send(example("oa/PushTodo.valid.xml"), cause=cause, step="todo-overdue", consumer="workflow")
        key = processed_key("oa", HUB_SYSTEM, sent.message_id)
        wait_until(lambda: deps["store"].outcome(key) is not None, "the to-do in OA")
        assert deps["store"].outcome(key) == "to-do todo-WO20261123A7K2M9Q1-overdue"
        (todo,) = oa.http.get("/oa/users/mgr-cs-0755-03/items").json()["todo"]
        assert todo["message_id"] == sent.message_id
        done = oa.http.post(f"/oa/todos/{todo['item_id']}/complete", json={"outcome": "Called the customer back",
                                                                               "user_id": todo["user_id"]})
        assert done.status_code == 200, done.text
        completed = take(running_hub.broker, running_hub.queue("workflow"), "CompleteTodo in the workflow queue")
    assert (completed.command_type, completed.source_system) == ("oa.CompleteTodo", "OA")
    document = etree.fromstring(completed.payload)
    assert document.findtext(f"{{{OA}}}ItemId") == "todo-WO20261123A7K2M9Q1-overdue"
    assert document.findtext(f"{{{OA}}}Outcome") == "Called the customer back"
    assert completed.correlation_id == sent.message_id  # OA answers the push it got from the hub


def test_the_managers_of_an_outage_area_get_a_to_read_item(running_hub: RunningHub, emulator_factory: Any) -> None:
    oa = emulator_factory("oa", hub_url=running_hub.base_url, hub_token=OA_TOKEN)
    nsp = emulator_factory("nsp", hub_url=running_hub.base_url, hub_token=NSP_TOKEN, callback_backoff=0.05)
    spec = {"title": "Futian: base station SZ-FT-0412 out of service", "areas": ["0755"],
            "services": ["VOICE", "DATA"], "wording": "A base station fault affects calls around the Civic Center."}

    def inbox(user: str) -> list[dict[str, Any]]:
        return list(oa.http.get(f"/oa/users/{user}/items").json()["toread"])

    with running_hub.adapter(oa_adapter, oa_settings(oa)):
        raised = nsp.http.post("/nsp/outages", json=spec)
        assert raised.status_code == 201, raised.text
        notice_id = raised.json()["notice_id"]
        wait_until(lambda: all(inbox(user) for user in MANAGERS["0755"]), "the managers' to-read items")
    for user in MANAGERS["0755"]:
        (item,) = inbox(user)
        assert item["item_id"] == f"toread-{notice_id}-{user}"
        assert item["title"] == f"Fault notice: {spec['title']}"
        assert item["link"] == LINK.format(notice_id=notice_id)
        assert spec["wording"] in item["summary"]
    assert inbox("mgr-020-01") == []  # another area's manager is not told
    assert nsp.state()["callbacks"][0]["status"] == "delivered"
    oa.assert_called("PushToRead", times=2)


def test_a_department_todo_is_closed_in_oa_when_the_work_order_is_cancelled(
        broker_url: str, tmp_path: Path, emulator_factory: Any,  # noqa: F811 - the fixture imported above
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole system: a dispatch to a department reached through BOSS is its OA to-do ``<id>-dsp1``; the work
    order cancelled, the hub's CompleteTodo goes through the OA adapter and the emulator closes the item (its inbox
    and its feed no longer list it, ``closed_by`` the hub). Before, the to-do stayed open in OA for ever."""
    monkeypatch.setenv(AUDIT_KEY_ENV, "oa-department-todo-e2e-audit-key-0123456789ab")
    monkeypatch.chdir(tmp_path)

    start_emulator = seeded_emulators(emulator_factory, nsp_replies=True)

    customer = generate_population(SEED, SUBSCRIBERS).subscribers[0]
    with running_system(broker_url, tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        oa = hub.emulators["oa"]
        work_order_id = dispatched_to_department(agent, customer.msisdn)
        item_id = f"{work_order_id}-dsp1"

        def open_todos() -> list[str]:
            return [i["item_id"] for i in oa.http.get(f"/oa/users/{DEPARTMENT}/items").json()["todo"]]

        settle(lambda: item_id in open_todos(), "the department's to-do in OA")
        assert wo_text(agent.act("WorkOrderAction.valid-cancel.xml", work_order_id), "wo:State") == "CANCELLED"
        settle(lambda: item_id not in open_todos(), "the hub to close the department's to-do in OA")
        (item,) = [i for i in oa.state()["items"] if i["item_id"] == item_id]
        feed = oa.http.get(f"/feeds/{DEPARTMENT}/todo.atom").text
        shown = agent.query(work_order_id)
        dead = DeadLetterQueues(hub.broker).counts()
    assert (item["status"], item["closed_by"]) == ("completed", "hub")
    assert "cancelled" in (item["outcome"] or "")
    assert f"urn:onepoint:oa:item:{item_id}" not in feed
    closed = [e for e in shown.iterfind("wo:History", WO_NS) if e.findtext("wo:Field", namespaces=WO_NS)
              == "oa_todo_closed"]
    assert [e.findtext("wo:NewValue", namespaces=WO_NS) for e in closed] == [item_id]
    assert not any(dead.values()), dead
