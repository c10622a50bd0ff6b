"""The emulator wrapper after the audit, in-process: any error status is sent and journalled as sent, SOAP faults
carry the fault's status, scoped faults name known operations, unscoped ones leave WSDL and control routes alone,
a reset drops requests still in flight, big requests stay searchable, queries are bounded, the clock is used."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from lxml import etree

from emulators.boss import create_emulator as create_boss
from emulators.crm import create_emulator as create_crm
from emulators.dsmp import create_emulator as create_dsmp
from emulators.nsp import create_emulator as create_nsp
from emulators.toolkit import FakeClock, SyncEmulatorTransport, in_process_emulator
from emulators.toolkit.client import AdminAPIError
from tests.unit.emulators.crm.test_crm_in_process import notify
from tests.unit.emulators.soap_helpers import NS, SOAP_NS, body_child, boss_command

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
SOAP = {"content-type": "text/xml; charset=utf-8"}
NSP_NS = {"nsp": "urn:onepoint:nsp:1"}


def dsmp_query(examples_dir) -> bytes:
    return (examples_dir / "dsmp" / "QuerySpComplaintStats.valid.xml").read_bytes()


@pytest.mark.parametrize("status", [499, 420, 509, 599, 503])
def test_any_error_status_is_sent_and_journalled_as_sent(examples_dir, status):
    with in_process_emulator(create_dsmp()) as dsmp:
        dsmp.admin.add_fault("error", status=status)
        response = dsmp.http.post("/xml", content=dsmp_query(examples_dir), headers=XML)
        assert response.status_code == status
        assert response.text.startswith(f"{status} ")
        (entry,) = dsmp.journal(bodies=False)
        assert entry["status"] == status
        assert entry["faults"] == [{"id": "f1", "kind": "error", "status": status}]


@pytest.mark.parametrize(("status", "code"), [(503, "soap11env:Server"), (418, "soap11env:Client")])
def test_a_soap_emulator_sends_the_faults_status_with_its_fault(status, code):
    with in_process_emulator(create_boss(subscribers=50)) as boss:
        msisdn = boss.app.boss_state.population.subscribers[0].msisdn
        boss.admin.add_fault("error", operation="QuerySubscriber", status=status)
        response = boss.http.post("/", content=boss_command("QuerySubscriber", msisdn), headers=SOAP)
        assert response.status_code == status
        fault = etree.fromstring(response.content).find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
        assert fault is not None and fault.findtext("faultcode") == code
        assert [(e["status"], e["faults"][0]["status"]) for e in boss.journal(bodies=False)] == [(status, status)]
        boss.admin.clear_faults()
        boss.admin.add_fault("outage", duration=60)
        assert boss.http.post("/", content=boss_command("QuerySubscriber", msisdn), headers=SOAP).status_code == 503


def test_a_fault_for_an_operation_the_emulator_lacks_is_refused_naming_the_known_ones():
    with in_process_emulator(create_dsmp()) as dsmp:
        with pytest.raises(AdminAPIError) as refused:
            dsmp.admin.add_fault("error", operation="QuerySpComplaintStat")
        assert refused.value.status == 400
        assert refused.value.message == ("unknown operation 'QuerySpComplaintStat'; known operations: ListAudit, "
                                         "ListSps, QuerySmsLog, QuerySpComplaintStats")
        assert dsmp.admin.faults() == []
        with pytest.raises(AdminAPIError, match="not apply to a reset fault"):
            dsmp.admin.add_fault("reset", status=503)


def test_unscoped_faults_leave_the_wsdl_alone():
    with in_process_emulator(create_boss(subscribers=50)) as boss:
        msisdn = boss.app.boss_state.population.subscribers[0].msisdn
        boss.admin.add_fault("reset", times=1)  # "reset the first call"
        assert boss.http.get("/?wsdl").status_code == 200
        assert boss.admin.fault("f1")["seen"] == 0
        with pytest.raises(httpx.ReadError):
            boss.http.post("/", content=boss_command("QueryCustomerTier", msisdn), headers=SOAP)
        assert boss.http.post("/", content=boss_command("QueryCustomerTier", msisdn), headers=SOAP).status_code == 200
        boss.admin.add_fault("error", requests="all")  # opted in: the WSDL fails too
        assert boss.http.get("/?wsdl").status_code == 500


def test_unscoped_faults_leave_the_emulators_own_routes_alone(examples_dir):
    with in_process_emulator(create_nsp(auto_reply=False)) as nsp:
        nsp.admin.add_fault("error", status=503)
        spec = {"title": "t", "wording": "w", "services": ["VOICE"], "areas": ["0755"]}
        assert nsp.http.post("/nsp/outages", json=spec).status_code == 201
        assert nsp.http.get("/nsp/tickets").status_code == 200
        dispatch = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes()
        assert nsp.http.post("/xml", content=dispatch, headers=XML).status_code == 503
        nsp.admin.add_fault("error", operation="RaiseOutage", status=502)  # scoped to a control route: it fails
        assert nsp.http.post("/nsp/outages", json=spec).status_code == 502


def test_a_request_delayed_at_a_reset_is_neither_passed_on_nor_journalled_after_it(examples_dir):
    app = create_nsp(auto_reply=False)
    dispatch = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes()
    with in_process_emulator(app) as nsp, httpx.Client(transport=SyncEmulatorTransport(app),
                                                       base_url="http://nsp.test", timeout=30) as other:
        nsp.admin.add_fault("latency", seconds=10)
        done: dict[str, str] = {}

        def call() -> None:
            try:
                done["outcome"] = str(other.post("/xml", content=dispatch, headers=XML).status_code)
            except httpx.ReadError as exc:
                done["outcome"] = type(exc).__name__

        caller = threading.Thread(target=call)
        caller.start()
        deadline = time.monotonic() + 10
        while app.releaser.waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        nsp.reset()
        caller.join(15)
        assert done == {"outcome": "ReadError"}  # released at once, its connection reset
        assert nsp.journal() == []  # it belongs to before the reset...
        nsp.assert_not_called("NetworkComplaintDispatch")
        assert nsp.state()["tickets"] == []  # ...and never reached the freshly reset NSP


def _big_dispatch(examples_dir) -> bytes:
    base = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_text()
    description = "Since 08:40 every outgoing call fails; incoming calls work. Customer is a gold VIP."
    big = base.replace(description, "自08:40起所有主叫均失败，被叫正常，客户为金卡VIP。" * 60)
    return big.replace("hub-1a2b3c4d5e6f7081", "hub-big-000000000001").encode()


def test_a_valid_request_over_4_kib_is_found_by_xpath(examples_dir):
    with in_process_emulator(create_nsp(auto_reply=False)) as nsp:
        big = _big_dispatch(examples_dir)
        assert len(big) > 4096
        assert nsp.http.post("/xml", content=big, headers=XML).status_code == 200
        assert nsp.assert_called("NetworkComplaintDispatch", times=1, xpath="//nsp:Msisdn='13800138000'",
                                 namespaces=NSP_NS) == 1


def test_a_request_stored_truncated_is_reported_not_silently_missed(examples_dir):
    with in_process_emulator(create_nsp(auto_reply=False, body_cap=1024)) as nsp:
        nsp.http.post("/xml", content=_big_dispatch(examples_dir), headers=XML)
        details = nsp.admin.count_details("NetworkComplaintDispatch", xpath="//nsp:Msisdn", namespaces=NSP_NS)
        assert (details["count"], details["unsearchable"]) == (0, 1)
        with pytest.raises(AssertionError, match=r"1 more request.*truncated.*could not be checked"):
            nsp.assert_called("NetworkComplaintDispatch", xpath="//nsp:Msisdn", namespaces=NSP_NS)


def test_journal_bodies_stay_within_their_byte_budget():
    with in_process_emulator(create_dsmp(max_journal_bytes=20_000)) as dsmp:
        for _ in range(40):
            dsmp.http.post("/xml", content=b"<x>" + b"y" * 1000 + b"</x>", headers=XML)
            assert dsmp.app.journal.stored_bytes <= 20_000
        health = dsmp.admin.health()["journal"]
        assert health["recorded"] == 40 and health["dropped"] == 40 - health["entries"] > 0
        assert dsmp.admin.count_details()["dropped"] == health["dropped"]


def test_a_journal_query_stops_at_its_time_budget(examples_dir):
    with in_process_emulator(create_dsmp(journal_query_seconds=0.001)) as dsmp:
        for _ in range(5):
            dsmp.http.post("/xml", content=dsmp_query(examples_dir), headers=XML)
        slow = "count(//*[count(//*[count(//*[count(//*) > 0]) > 0]) > 0]) > 0"
        response = dsmp.http.get("/__admin/journal/count", params={"xpath": slow})
        assert response.status_code == 400
        assert "took over 0.001 s" in response.json()["error"]
        assert dsmp.http.get("/__admin/journal", params={"xpath": slow}).status_code == 400


def test_boss_and_crm_answer_with_the_emulators_clock():
    clock = FakeClock(start=1_795_395_600.0)  # 2026-11-23T09:00:00+08:00
    with in_process_emulator(create_boss(subscribers=50, clock=clock)) as boss:
        msisdn = boss.app.boss_state.population.subscribers[0].msisdn
        answer = body_child(boss.http.post("/", content=boss_command("SyncHLR", msisdn), headers=SOAP).content)
        assert answer.findtext("boss:Ack/c:ReceivedAt", namespaces=NS) == "2026-11-23T09:00:00+08:00"
        assert answer.findtext("boss:SyncedAt", namespaces=NS) == "2026-11-23T09:00:00+08:00"
    with in_process_emulator(create_crm(subscribers=300, clock=clock)) as crm:
        manager = crm.app.crm_state.population.account_managers[0]
        customer = crm.app.crm_state.population.customers_of(manager.id)[0]
        answer = body_child(crm.http.post("/", content=notify(manager.id, customer.msisdn), headers=SOAP).content)
        assert answer.findtext("crm:Ack/c:ReceivedAt", namespaces=NS) == "2026-11-23T09:00:00+08:00"
        assert crm.app.crm_state.notices()[0].notice_id.startswith("AMN20261123")
