"""The emulator wrapper over the in-process httpx transports (no socket)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from lxml import etree

from emulators.toolkit import (
    EmulatorAdmin,
    EmulatorTransport,
    FakeClock,
    SyncEmulatorTransport,
    in_process_emulator,
)
from emulators.toolkit.client import AdminAPIError
from tests.unit.emulators.demo_apps import (
    DEMO_NS,
    SEED_TIERS,
    SOAP_ENV,
    make_asgi_emulator,
    make_soap_emulator,
    make_xml_emulator,
    ping,
    soap_request,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def demo():
    with in_process_emulator(make_xml_emulator(seed=42)) as handle:
        yield handle


@pytest.fixture
def soap():
    with in_process_emulator(make_soap_emulator(seed=42)) as handle:
        yield handle


def test_requests_pass_through_and_are_journalled(demo):
    response = demo.http.post("/orders", content=ping("13800138000"))
    assert response.status_code == 200
    assert etree.fromstring(response.content).findtext(f"{{{DEMO_NS}}}count") == "1"
    (entry,) = demo.journal()
    assert entry["operation"] == "Ping"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/orders", 200)
    assert entry["request_body"] == ping("13800138000").decode()
    assert "<count>1</count>" in entry["response_body"]
    assert entry["faults"] == []
    demo.assert_called("Ping", times=1)
    demo.assert_not_called("Upgrade")
    with pytest.raises(AssertionError, match=r"expected exactly 2 call\(s\) of Ping, found 1.*'Ping': 1"):
        demo.assert_called("Ping", times=2)


def test_asgi_apps_are_wrapped_too():
    with in_process_emulator(make_asgi_emulator()) as handle:
        assert handle.app.is_asgi
        assert handle.http.post("/", content=ping()).text == "<PingResponse>1</PingResponse>"
        handle.assert_called("Ping", times=1)


def test_error_rate_with_a_seed_gives_a_deterministic_count(demo):
    def run() -> list[int]:
        demo.admin.add_fault("error", operation="Ping", probability=0.25, status=503)
        return [demo.http.post("/", content=ping()).status_code for _ in range(100)]

    first = run()
    demo.reset()
    second = run()
    assert first == second
    failures = first.count(503)
    assert set(first) == {200, 503}
    assert 10 <= failures <= 40
    assert demo.admin.count("Ping", status=503) == failures
    assert demo.admin.count("Ping", fault="error") == failures
    demo.reset(seed=43)
    demo.admin.add_fault("error", operation="Ping", probability=0.25, status=503)
    third = [demo.http.post("/", content=ping()).status_code for _ in range(100)]
    assert third != first


def test_xml_error_is_plain_http_and_scoped(demo):
    demo.admin.add_fault("error", operation="Upgrade", message="billing down")
    assert demo.http.post("/", content=ping()).status_code == 200
    response = demo.http.post("/", content=b"<Upgrade xmlns='urn:onepoint:demo:1'><msisdn>1</msisdn></Upgrade>")
    assert response.status_code == 500
    assert "billing down" in response.text
    assert demo.state()["tiers"] == SEED_TIERS  # the app was not called


def test_soap_error_is_a_fault_with_faultcode_server_sent_with_the_faults_status(soap):
    ok = soap.http.post("/", content=soap_request(), headers={"content-type": "text/xml"})
    assert ok.status_code == 200
    assert b"gold" in ok.content
    soap.admin.add_fault("error", operation="QueryCustomerTier", status=503, message="BOSS busy")
    response = soap.http.post("/", content=soap_request(), headers={"content-type": "text/xml"})
    assert response.status_code == 503  # the status the fault names, and the journal says so
    fault = etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "soap11env:Server"
    assert fault.findtext("faultstring") == "BOSS busy"
    (entry,) = soap.journal(fault="error")
    assert entry["operation"] == "QueryCustomerTier"
    assert entry["faults"] == [{"id": "f1", "kind": "error", "status": 503}]


def test_latency_goes_through_the_injected_clock():
    clock = FakeClock()
    with in_process_emulator(make_xml_emulator(clock=clock)) as demo:
        demo.admin.add_fault("latency", operation="Ping", distribution="fixed", seconds=1.5)
        demo.admin.add_fault("latency", distribution="uniform", min=0.2, max=0.4)
        assert demo.http.post("/", content=ping()).status_code == 200
        (entry,) = demo.journal()
        delays = [f["delay"] for f in entry["faults"]]
        assert delays[0] == 1.5
        assert 0.2 <= delays[1] <= 0.4
        assert clock.sleeps == [pytest.approx(sum(delays))]
        assert entry["latency_ms"] == pytest.approx(sum(delays) * 1000, abs=1e-3)


def test_outage_window_on_a_fake_clock():
    clock = FakeClock()
    with in_process_emulator(make_soap_emulator(clock=clock)) as soap:
        soap.admin.add_fault("outage", start_in=60, end_in=120)
        statuses = []
        for _ in range(4):
            response = soap.http.post("/", content=soap_request(), headers={"content-type": "text/xml"})
            statuses.append(response.status_code)
            clock.advance(40)
        assert statuses == [200, 200, 503, 200]  # t=0, 40, 80 (in the window), 120 (window closed)
        assert soap.admin.count(fault="outage") == 1


def test_reset_fault_becomes_an_httpx_read_error(demo):
    demo.admin.add_fault("reset", operation="Ping", times=1)
    with pytest.raises(httpx.ReadError, match="reset"):
        demo.http.post("/", content=ping())
    assert demo.http.post("/", content=ping()).status_code == 200
    entries = demo.journal()
    assert [e["status"] for e in entries] == [None, 200]
    assert entries[0]["faults"][0]["kind"] == "reset"
    assert demo.state()["pings"] == 1  # the reset request never reached the app


def test_hang_fault_times_out_the_client_then_the_emulator_answers(demo):
    demo.admin.add_fault("hang", operation="Ping", times=1, max_seconds=30)
    with pytest.raises(httpx.ReadTimeout):
        demo.http.post("/", content=ping(), timeout=0.05)
    assert demo.http.post("/", content=ping()).status_code == 200
    assert demo.app.hanging == 0
    assert demo.admin.health()["hanging"] == 0


def test_reset_and_state_hooks(demo):
    demo.http.post("/", content=ping())
    demo.http.post("/", content=b"<Upgrade xmlns='urn:onepoint:demo:1'><msisdn>1</msisdn></Upgrade>")
    demo.admin.add_fault("latency", seconds=0)
    assert demo.state() == {"pings": 1, "tiers": {**SEED_TIERS, "1": "diamond"}}
    assert demo.admin.reset() == {"reset": True, "seed": 42, "data_seed": 42}
    assert demo.state() == {"pings": 0, "tiers": SEED_TIERS}
    assert demo.admin.faults() == []
    assert demo.journal() == []
    health = demo.admin.health()
    assert health["journal"]["recorded"] == 0
    assert health["status"] == "ok"


def test_a_reset_seed_is_the_fault_seed_and_says_so(demo):
    assert demo.admin.reset(5) == {"reset": True, "seed": 5, "data_seed": 42}
    health = demo.admin.health()
    assert (health["seed"], health["data_seed"]) == (5, 42)


@pytest.mark.parametrize(("path", "params", "named"), [
    ("/__admin/journal/count", {"oparation": "Ping"}, "'oparation'"),
    ("/__admin/journal/count", {"limit": "1"}, "'limit'"),  # a count has no limit: a slip, not a filter
    ("/__admin/journal", {"Operation": "Ping"}, "'Operation' (keys are lower case: 'operation')"),
])
def test_a_journal_query_parameter_it_does_not_take_is_a_400_naming_it(demo, path, params, named):
    demo.http.post("/", content=ping())
    response = demo.http.get(path, params=params)
    assert response.status_code == 400 and named in response.json()["error"], response.text
    assert demo.http.get("/__admin/journal", params={"limit": "1", "bodies": "0"}).status_code == 200


def test_a_reset_key_it_does_not_take_is_a_400_naming_it(demo):
    demo.http.post("/", content=ping())
    response = demo.http.post("/__admin/reset", json={"sed": 5})
    assert response.status_code == 400 and "'sed'" in response.json()["error"]
    assert demo.state()["pings"] == 1  # nothing was reset


def test_admin_fault_crud_and_errors(demo):
    first = demo.admin.add_fault("error", operation="Ping", probability=0.5)
    second = demo.admin.add_fault("reset", operation="Other")
    assert [f["id"] for f in demo.admin.faults()] == [first["id"], second["id"]]
    assert demo.admin.fault(first["id"])["probability"] == 0.5
    demo.admin.delete_fault(first["id"])
    with pytest.raises(AdminAPIError) as missing:
        demo.admin.fault(first["id"])
    assert missing.value.status == 404
    with pytest.raises(AdminAPIError) as invalid:
        demo.admin.add_fault("error", probability=2)
    assert invalid.value.status == 400
    demo.admin.clear_faults()
    assert demo.admin.faults() == []
    assert demo.http.get("/__admin/nothing").status_code == 404
    assert demo.http.post("/__admin/health").status_code == 405
    assert demo.http.post("/__admin/faults", content=b"{oops").status_code == 400
    assert demo.http.post("/__admin/reset", content=b"[1]").status_code == 400
    bad_ns = demo.http.get("/__admin/journal/count", params={"xpath": "//x", "ns": "novalue"})
    assert bad_ns.status_code == 400
    assert "ns" in bad_ns.json()["error"]
    bad_xpath = demo.http.get("/__admin/journal/count", params={"xpath": "//["})
    assert bad_xpath.status_code == 400


def test_xpath_count_through_the_admin_api(demo):
    for msisdn in ("13800138000", "13900139000", "13800138000"):
        demo.http.post("/", content=ping(msisdn))
    ns = {"d": DEMO_NS}
    assert demo.admin.count(xpath="/d:Ping[d:msisdn='13800138000']", namespaces=ns) == 2
    assert demo.admin.count("Ping", xpath="/d:Ping[d:msisdn='1']", namespaces=ns) == 0
    assert demo.admin.count_by_operation() == {"Ping": 3}
    demo.assert_called("Ping", times=2, xpath="//d:msisdn='13800138000'", namespaces=ns)
    newest = demo.journal(limit=1, bodies=False)
    assert [e["seq"] for e in newest] == [3]
    assert "request_body" not in newest[0]


def test_journal_holds_its_bound_over_10000_requests():
    app = make_xml_emulator(journal_capacity=500, body_cap=256)
    with in_process_emulator(app) as demo:
        body = ping("1" * 400)  # bigger than the cap
        plateau = None
        for i in range(10_000):
            assert demo.http.post("/", content=body).status_code == 200
            if i == 1_999:
                plateau = app.journal.stored_bytes
        health = demo.admin.health()["journal"]
        assert (health["entries"], health["recorded"]) == (500, 10_000)
        stored = app.journal.snapshot()
        assert sum(len(e.request_body) for e in stored) == 500 * 256  # every request body cut to the cap
        response_sizes = {len(e.response_body) for e in stored}
        assert app.journal.stored_bytes == 500 * 256 + sum(len(e.response_body) for e in stored)
        assert plateau is not None
        assert app.journal.stored_bytes - plateau <= 500 * (max(response_sizes) - min(response_sizes) + 1)
        entries = demo.journal(bodies=False)
        assert entries[0]["seq"] == 9_501
        assert all(e["request_truncated"] for e in entries)


def test_admin_client_and_async_transport_without_a_socket():
    app = make_xml_emulator()

    async def scenario() -> tuple[int, int, str]:
        transport = EmulatorTransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
            await client.post("/__admin/faults", json={"kind": "reset", "times": 1})
            with pytest.raises(httpx.ReadError):
                await client.post("/", content=ping())
            ok = await client.post("/", content=ping())
            count = (await client.get("/__admin/journal/count", params={"operation": "Ping"})).json()["count"]
            return ok.status_code, count, ok.text

    status, count, text = asyncio.run(scenario())
    assert (status, count) == (200, 2)
    assert "<count>1</count>" in text
    transport = SyncEmulatorTransport(app)
    with EmulatorAdmin(client=httpx.Client(transport=transport, base_url="http://demo.test")) as admin:
        assert admin.count("Ping") == 2
        assert admin.state()["pings"] == 1
    transport.close()


def test_admin_changes_are_logged_as_structured_events(demo, caplog):
    caplog.set_level(logging.INFO, logger="onepoint.emulators.demo")
    demo.admin.add_fault("error", operation="Ping", probability=0.5)
    demo.admin.reset()
    events = [(r.getMessage(), vars(r)) for r in caplog.records if hasattr(r, "emulator")]
    assert [name for name, _ in events] == ["fault.added", "emulator.reset"]  # the event's name is the message
    added = events[0][1]  # and its fields are the record's extras
    assert (added["kind"], added["operation"], added["probability"]) == ("error", "Ping", 0.5)
    assert (events[1][1]["emulator"], events[1][1]["seed"]) == ("demo", 42)


def test_the_admin_root_the_url_table_prints_lists_its_resources() -> None:
    """``onepoint serve`` prints ``…/__admin/`` as each emulator's admin API: it answers with what is there."""
    from emulators.toolkit.admin import AdminAPI

    class _Emulator:
        journal = None
        journal_query_seconds = 1.0

    api = AdminAPI(_Emulator())  # type: ignore[arg-type]
    for path in ("/__admin", "/__admin/"):
        response = api.handle({"method": "GET", "path": path, "query_string": b""}, b"")
        assert response.status == 200
        assert b"/__admin/state" in response.body and b"/__admin/faults" in response.body
    assert api.handle({"method": "POST", "path": "/__admin/", "query_string": b""}, b"").status == 405
