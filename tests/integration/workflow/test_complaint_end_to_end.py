"""A complaint from creation to close through the whole running system (issue 12, point 8), on memory:// and on a
real RabbitMQ: the hub (XML ingress, broker, a worker per queue: the workflow and the adapters), the five
systems' emulators over HTTP (NSP and OA call the hub back).

A VIP of the emulators' seeded population complains at the hotline (CS, its development bearer token): BOSS gives
the tier (its journal), CRM tells the account manager (its journal), the dispatch reaches NSP (its ticket), NSP's
reply (triggered through its admin API) comes back through the ingress and starts the work order, the agent replies,
the return visit is made and the work order is closed. The history names every step with its actor and system, and
nothing is dead-lettered. A Close while ACCEPTED is refused with a c:Error naming the state and the action.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from emulators.population import Subscriber, generate_population
from hub.workers import DeadLetterQueues
from hub.workflow.sla import load_sla_table
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, FaultPlan, FaultySystem, running_system

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "workorder"
CS_TOKEN = "cs-dev-token"  # the complaint front end's development bearer token (hub/config/defaults.toml)
SEED, SUBSCRIBERS = 0, 1000  # the population BOSS and CRM answer from
CATEGORY = "01.02.03"  # basic voice → cannot connect within the network → cannot originate: dispatched to NSP
DISPATCH_FIELDS = {  # what template voice_originate wants beyond the msisdn and contact number
    "terminal_type": "Huawei Mate 60", "fault_time": "2026-11-23T08:40:00+08:00",
    "fault_place": "Shenzhen Civic Center, car park B2",
    "announcement_heard": "The number you dialled cannot be connected",
    "calling_functions_affected": "local and long-distance",
}
SETTLE = 30.0  # seconds before something that should have happened fails the test (never asserted on)
CALM = FaultPlan(read_timeout=10.0, breaker_fail_max=5, breaker_reset_seconds=30.0)  # no faults are injected


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.integration),
                        pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])])
def broker_url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("rabbitmq_server").url)


def vip_with_account_manager() -> Subscriber:
    population = generate_population(SEED, SUBSCRIBERS)
    return next(s for s in population.subscribers
                if s.effective_tier.startswith("VIP_") and s.account_manager_id is not None)


def settle(predicate: Callable[[], Any], what: str, timeout: float = SETTLE) -> Any:
    """``predicate()``'s first true value, polled until ``timeout``; the test fails naming ``what``."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def text(root: etree._Element, path: str) -> str:
    found: str | None = root.findtext(path, namespaces=NS)
    assert found is not None, f"{path} missing in {etree.tostring(root).decode()[:2000]}"
    return found


def moment(root: etree._Element, path: str) -> datetime:
    return datetime.fromisoformat(text(root, path))


class HotlineAgent:
    """The complaint front end (CS): work-order commands from the schema examples, fresh ids, POSTed to
    ``/xml/workorder`` with CS's bearer token; answers parsed (a c:Error comes with 422)."""

    def __init__(self, hub: FaultySystem) -> None:
        self.http = httpx.Client(base_url=hub.base_url, timeout=SETTLE,
                                 headers={"authorization": f"Bearer {CS_TOKEN}", "content-type": "application/xml"})
        self.sent: list[str] = []  # the MessageIds sent, in order

    def close(self) -> None:
        self.http.close()

    def document(self, example: str, **values: str) -> etree._Element:
        document = etree.parse(str(EXAMPLES / example)).getroot()
        message_id = f"cs-e2e-{uuid.uuid4().hex[:12]}"
        text_of = {"Header/c:MessageId": message_id,
                   "Header/c:SentAt": datetime.now(UTC).isoformat(timespec="milliseconds"), **values}
        for path, value in text_of.items():
            element = document.find(f"wo:{path}", NS)
            assert element is not None, f"{example} has no {path}"
            element.text = value
        return document

    def send(self, document: etree._Element) -> tuple[int, etree._Element]:
        message_id = text(document, "wo:Header/c:MessageId")
        self.sent.append(message_id)
        answer = self.http.post("/xml/workorder", content=etree.tostring(document, xml_declaration=True,
                                                                            encoding="UTF-8"))
        return answer.status_code, etree.fromstring(answer.content)

    def answered(self, document: etree._Element) -> etree._Element:
        status, root = self.send(document)
        assert status == 200, etree.tostring(root).decode()
        return root

    def act(self, example: str, work_order_id: str, **values: str) -> etree._Element:
        return self.answered(self.document(example, WorkOrderId=work_order_id, **values))

    def query(self, work_order_id: str) -> etree._Element:
        found = self.act("QueryWorkOrder.valid.xml", work_order_id).find("wo:WorkOrder", NS)
        assert found is not None
        return found

    def dispatch(self, work_order_id: str) -> etree._Element:
        document = self.document("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
        dispatch = document.find("wo:Dispatch", NS)
        assert dispatch is not None
        for field in dispatch.findall("wo:Field", NS):
            dispatch.remove(field)
        for name, value in DISPATCH_FIELDS.items():
            etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
        return self.answered(document)


def history(work_order: etree._Element) -> list[dict[str, str]]:
    return [{etree.QName(child).localname: child.text or "" for child in entry}
            for entry in work_order.iterfind("wo:History", NS)]


def seeded_emulators(emulator_factory: Any, *, nsp_replies: bool = False) -> Callable[..., Any]:
    """Start the emulators as the resilience system does, BOSS and CRM from our seeded population; NSP replies to
    a dispatch only when told (``nsp_replies``: at once, as it does by default)."""
    def start_emulator(name: str, **options: Any) -> Any:
        if name in ("boss", "crm"):
            options.update(seed=SEED, subscribers=SUBSCRIBERS)
        if name == "nsp" and not nsp_replies:
            options.update(auto_reply=False)
        return emulator_factory(name, **options)

    return start_emulator


def test_a_vip_complaint_from_creation_to_close(broker_url: str, tmp_path: Path, emulator_factory: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "workflow-e2e-audit-key-0123456789abcdefghij")
    monkeypatch.chdir(tmp_path)  # the adapters' processed stores on amqp:// are sqlite files in the working folder

    start_emulator = seeded_emulators(emulator_factory)

    vip = vip_with_account_manager()
    limits = load_sla_table().row(vip.effective_tier)
    with running_system(broker_url, tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        boss, crm, nsp = (hub.emulators[name] for name in ("boss", "crm", "nsp"))

        # -- created: tier from BOSS, priority and deadlines from the SLA table, the account manager told --------
        created = agent.answered(agent.document(
            "CreateWorkOrder.valid.xml", Msisdn=vip.msisdn, ContactNumber=vip.msisdn, CategoryCode=CATEGORY,
            **{"Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}))
        work_order_id = text(created, "wo:WorkOrderId")
        causes = {"CREATE": agent.sent[-1], "ACCEPT": agent.sent[-1]}
        assert text(created, "wo:State") == "ACCEPTED"
        assert text(created, "wo:Tier") == vip.effective_tier
        assert text(created, "wo:Priority") == str(limits.priority) == "1"  # VIP: the most urgent
        received = moment(created, "wo:Ack/c:ReceivedAt")  # the hotline's calendar is 7×24: limits are elapsed time
        assert moment(created, "wo:Deadlines/wo:FirstResponseDue") - received == limits.first_response
        assert moment(created, "wo:Deadlines/wo:ReplyDue") - received == limits.reply
        assert text(created, "wo:Deadlines/wo:Paused") == "false"
        assert text(created, "wo:RepeatComplaint") == "false"
        boss.assert_called("QueryCustomerTier", times=1,
                           xpath=f"//*[local-name()='Msisdn' or local-name()='msisdn']='{vip.msisdn}'")
        told = f"//*[local-name()='WorkOrderId']='{work_order_id}' and " \
               f"//*[local-name()='AccountManagerId']='{vip.account_manager_id}'"
        settle(lambda: crm.admin.count("NotifyAccountManager", xpath=told), "CRM to tell the account manager")
        crm.assert_called("NotifyAccountManager", times=1)

        # -- a refused action: the state and the action named -----------------------------------------------------
        status, refused = agent.send(agent.document("WorkOrderAction.valid-close.xml", WorkOrderId=work_order_id))
        assert (status, refused.tag) == (422, f"{{{C}}}Error")
        assert text(refused, "c:Code") == "transition-refused"
        assert "Close is not allowed" in text(refused, "c:Message")
        assert "in state ACCEPTED" in text(refused, "c:Message")
        assert text(agent.query(work_order_id), "wo:State") == "ACCEPTED"

        # -- dispatched to NSP with the template's fields ----------------------------------------------------------
        dispatched = agent.dispatch(work_order_id)
        assert text(dispatched, "wo:State") == "DISPATCHED"
        assert text(dispatched, "wo:Owner") == "NOC-PROV"
        causes["DISPATCH"] = agent.sent[-1]
        tickets = settle(lambda: [t for t in nsp.state()["tickets"] if t["work_order_id"] == work_order_id],
                         "NSP to open a ticket for the dispatch")
        (ticket,) = tickets
        assert ticket["fault_place"] == DISPATCH_FIELDS["fault_place"]
        assert ticket["functions"] == ["ORIGINATE_CALL"]
        assert (ticket["category"], ticket["area_code"], ticket["priority"]) == (CATEGORY, vip.area_code, 1)
        nsp.assert_called("NetworkComplaintDispatch", times=1)

        # -- NSP replies (its call-back through the ingress): the work order is in progress -----------------------
        replied = nsp.http.post(f"/nsp/tickets/{ticket['ticket_id']}/reply", json={"resolved": True})
        assert replied.status_code == 200, replied.text
        handler = replied.json()["replied_by"]
        causes["START"] = replied.json()["message_id"]  # NSP's call-back
        settle(lambda: text(agent.query(work_order_id), "wo:State") == "IN_PROGRESS",
               "NSP's reply to start the work order")

        # -- replied to the customer, return visit, closed ---------------------------------------------------------
        for action, example, state in (("REPLY", "valid-reply", "REPLIED"),
                                       ("RETURN_VISIT", "valid-callback", "RETURN_VISITED"),
                                       ("CLOSE", "valid-close", "CLOSED")):
            assert text(agent.act(f"WorkOrderAction.{example}.xml", work_order_id), "wo:State") == state
            causes[action] = agent.sent[-1]

        work_order = agent.query(work_order_id)
        dead = DeadLetterQueues(hub.broker).counts()
        callbacks = nsp.state()["callbacks"]

    # -- the history: every step in order, by whom and from which system ----------------------------------------
    assert (text(work_order, "wo:State"), text(work_order, "wo:Tier")) == ("CLOSED", vip.effective_tier)
    entries = history(work_order)
    steps = [(e["Action"], e.get("FromState"), e["State"], e["By"], e["System"]) for e in entries
             if "State" in e and "Field" not in e]
    assert steps == [
        ("CREATE", None, "NEW", "agent-1024", "CS"),
        ("ACCEPT", "NEW", "ACCEPTED", "hub", "HUB"),
        ("DISPATCH", "ACCEPTED", "DISPATCHED", "agent-1024", "CS"),
        ("START", "DISPATCHED", "IN_PROGRESS", handler["staff_id"], "NSP"),
        ("REPLY", "IN_PROGRESS", "REPLIED", "noc-zhang.wei", "CS"),
        ("RETURN_VISIT", "REPLIED", "RETURN_VISITED", "rv-2207", "CS"),
        ("CLOSE", "RETURN_VISITED", "CLOSED", "agent-1024", "CS"),
    ]
    # the causing message of each step, as its sender named it
    assert {e["Action"]: e["MessageId"] for e in entries
            if "State" in e and "Field" not in e} == causes
    nsp_facts = {e["Field"]: e for e in entries if e.get("System") == "NSP" and "Field" in e}
    assert nsp_facts["nsp_nspticketid"]["NewValue"] == ticket["ticket_id"]
    assert nsp_facts["nsp_resolved"]["NewValue"] == "true"
    assert nsp_facts["nsp_resolved"]["Note"] == f"NSP answered the dispatch ({handler['name']})"
    owner = next(e for e in entries if e.get("Field") == "owner")
    assert (owner["OldValue"], owner["NewValue"]) == ("CUSTOMER_SERVICE", "NOC-PROV")
    assert [c["status"] for c in callbacks] == ["delivered"]
    assert {"workflow", "boss", "crm", "nsp"} <= set(dead) and not any(dead.values()), dead  # DLQs exist, empty
