"""Emulators served on 127.0.0.1 by the runner, observed by a real httpx client over a real socket."""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from lxml import etree

from emulators.toolkit import EmulatorAdmin, FakeClock, serve_all, start_emulator, start_server
from tests.support.ports import free_port
from tests.unit.emulators.demo_apps import (
    DEMO_NS,
    SOAP_ENV,
    make_soap_emulator,
    make_xml_emulator,
    ping,
    soap_request,
)

pytestmark = pytest.mark.integration

SOAP_HEADERS = {"content-type": "text/xml; charset=utf-8", "SOAPAction": '"QueryCustomerTier"'}


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    """Poll a condition (a bounded wait for a state change, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def _read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


@pytest.fixture
def demo():
    with start_emulator(make_xml_emulator(seed=42)) as handle:
        yield handle


def test_served_on_loopback_on_a_free_port(demo):
    assert demo.server is not None
    assert demo.server.host == "127.0.0.1"
    assert demo.server.port > 0
    assert demo.http.post("/", content=ping()).status_code == 200
    assert demo.admin.health()["emulator"] == "demo"
    demo.assert_called("Ping", times=1)
    assert demo.state()["pings"] == 1
    demo.reset()
    assert demo.state()["pings"] == 0
    demo.assert_not_called("Ping")


def test_connection_reset_is_a_real_tcp_reset(demo):
    demo.admin.add_fault("reset", operation="Ping", times=1)
    with httpx.Client(base_url=demo.base_url) as client:
        with pytest.raises(httpx.ReadError) as caught:
            client.post("/", content=ping())
        cause = caught.value.__cause__ or caught.value.__context__
        while cause is not None and not isinstance(cause, ConnectionResetError):
            cause = cause.__cause__ or cause.__context__
        assert isinstance(cause, ConnectionResetError)
        assert cause.errno == errno.ECONNRESET
        assert client.post("/", content=ping()).status_code == 200  # a new connection is answered
    assert [e["status"] for e in demo.journal()] == [None, 200]


def test_reset_seen_by_a_raw_socket():
    with start_emulator(make_xml_emulator()) as demo:
        demo.admin.add_fault("reset")
        body = ping()
        with socket.create_connection((demo.server.host, demo.server.port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            with pytest.raises(ConnectionResetError):
                _read_until_closed(sock)


def test_hang_times_out_the_client_and_the_server_answers_the_next_request(demo):
    demo.admin.add_fault("hang", operation="Ping", times=1, max_seconds=60)
    with httpx.Client(base_url=demo.base_url) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/", content=ping(), timeout=httpx.Timeout(5.0, read=0.2))
        assert client.post("/", content=ping()).status_code == 200
    # the client went away, so the hung request let go of its wait: nothing is left hanging
    assert _wait_for(lambda: demo.admin.health()["hanging"] == 0)
    assert demo.admin.count("Ping", fault="hang") == 1


def test_a_hang_is_released_by_admin_reset(demo):
    demo.admin.add_fault("hang", max_seconds=60)
    outcome: list[BaseException] = []

    def hung_call() -> None:
        try:
            httpx.post(demo.url("/"), content=ping(), timeout=30)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=hung_call)
    caller.start()
    assert _wait_for(lambda: demo.admin.health()["hanging"] == 1)
    demo.admin.reset()
    caller.join(20)
    assert not caller.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], httpx.ReadError | httpx.RemoteProtocolError)
    assert demo.admin.health()["hanging"] == 0
    assert demo.http.post("/", content=ping()).status_code == 200


def test_stop_releases_hung_requests_and_ends_the_server_thread():
    # a port of this test process's own (tests.support.ports): after the stop nobody else can answer on it
    handle = start_emulator(make_xml_emulator(), port=free_port())
    handle.admin.add_fault("hang", max_seconds=300)
    errors: list[BaseException] = []

    def hung_call() -> None:
        try:
            httpx.post(handle.url("/"), content=ping(), timeout=60)
        except httpx.HTTPError as exc:
            errors.append(exc)

    caller = threading.Thread(target=hung_call)
    caller.start()
    assert _wait_for(lambda: handle.app.hanging == 1)
    server = handle.server
    handle.stop()
    caller.join(20)
    assert not caller.is_alive()
    assert errors
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/__admin/health", timeout=5)


def test_error_rate_over_the_socket_is_deterministic(demo):
    def run() -> list[int]:
        demo.admin.add_fault("error", operation="Ping", probability=0.2, status=503)
        return [demo.http.post("/", content=ping()).status_code for _ in range(60)]

    first = run()
    demo.reset()
    assert run() == first
    assert 0 < first.count(503) < 60
    assert demo.admin.count(status=503) == first.count(503)


def test_latency_and_outage_on_an_injected_clock():
    clock = FakeClock()
    with start_emulator(make_xml_emulator(clock=clock)) as demo:
        demo.admin.add_fault("latency", operation="Ping", distribution="lognormal", median=0.5, sigma=0.3, cap=2)
        demo.admin.add_fault("outage", operation="Ping", start_in=10, duration=10)
        assert demo.http.post("/", content=ping()).status_code == 200
        clock.advance(12)
        assert demo.http.post("/", content=ping()).status_code == 503
        entries = demo.journal()
        assert [e["faults"][0]["kind"] for e in entries] == ["latency", "latency"]
        assert entries[1]["faults"][1] == {"id": "f2", "kind": "outage", "status": 503}
        delays = [e["faults"][0]["delay"] for e in entries]
        assert all(0 < d <= 2 for d in delays)
        assert clock.sleeps == delays


def test_soap_fault_and_journal_over_the_socket():
    with start_emulator(make_soap_emulator()) as soap:
        soap.admin.add_fault("error", operation="QueryCustomerTier", probability=1.0, times=1)
        failed = soap.http.post("/", content=soap_request(), headers=SOAP_HEADERS)
        assert failed.status_code == 500
        root = etree.fromstring(failed.content)
        assert root.findtext(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode") == "soap11env:Server"
        answered = soap.http.post("/", content=soap_request(msisdn="13900139000"), headers=SOAP_HEADERS)
        assert answered.status_code == 200
        assert b"diamond" in answered.content
        ns = {"d": DEMO_NS}
        soap.assert_called("QueryCustomerTier", times=2)
        soap.assert_called(xpath="//d:msisdn = '13900139000'", namespaces=ns, times=1)


def test_eight_concurrent_clients_are_all_answered_and_journalled():
    with start_emulator(make_soap_emulator(journal_capacity=10_000)) as soap:
        def client_loop(n: int) -> list[int]:
            with httpx.Client(base_url=soap.base_url, timeout=30) as client:
                return [client.post("/", content=soap_request(), headers=SOAP_HEADERS).status_code
                        for _ in range(n)]

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(client_loop, [50] * 8))
        assert all(status == 200 for statuses in results for status in statuses)
        assert soap.admin.count("QueryCustomerTier") == 400


def test_start_server_on_a_given_port_and_admin_client_by_url():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with start_server(make_xml_emulator(), port=port) as server, EmulatorAdmin(server.url) as admin:
        assert server.port == port
        assert admin.health()["status"] == "ok"
        with pytest.raises(OSError, match=r"[Aa]ddress already in use"):
            start_server(make_xml_emulator(), port=port)


def test_emulator_factory_fixture_starts_and_stops(emulator_factory):
    demo = emulator_factory(make_xml_emulator())
    soap = emulator_factory(make_soap_emulator(), in_process=True)
    assert demo.base_url.startswith("http://127.0.0.1:")
    assert demo.http.post("/", content=ping()).status_code == 200
    assert soap.http.post("/", content=soap_request(), headers=SOAP_HEADERS).status_code == 200
    demo.assert_called("Ping", times=1)
    soap.assert_called("QueryCustomerTier", times=1)


def test_serve_all_runs_several_emulators_until_stopped():
    stop = threading.Event()
    started: list = []
    runner = threading.Thread(
        target=serve_all,
        args=([(make_xml_emulator(), 0), (make_soap_emulator(), 0)],),
        kwargs={"stop": stop, "on_started": started.extend},
    )
    runner.start()
    assert _wait_for(lambda: len(started) == 2)
    assert len({server.port for server in started}) == 2
    for server in started:
        assert httpx.get(f"{server.url}/__admin/health", timeout=5).json()["status"] == "ok"
    stop.set()
    runner.join(30)
    assert not runner.is_alive()
    assert not any(server.running for server in started)


@pytest.mark.timeout(300, method="thread")
def test_journal_queries_given_up_by_their_clients_are_stopped_and_free_their_slots():
    forever = "count(//b[count(preceding::b[count(preceding::b) > count(following::b)]) = 1])"
    with start_emulator(make_xml_emulator(journal_query_seconds=120)) as demo:
        demo.http.post("/", content=b"<a>" + b"<b/>" * 5000 + b"</a>")

        def give_up() -> None:
            with contextlib.suppress(httpx.TimeoutException):
                httpx.get(demo.url("/__admin/journal/count"), params={"xpath": forever}, timeout=0.5)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: give_up(), range(4)))
        assert demo.admin.count() == 1  # no XPath: never behind them
        # both XPath slots are free again long before the abandoned queries' 120 s budget
        assert demo.admin.count(xpath="count(//b) > 1") == 1
