"""Every fault kind as a client of the NSP emulator sees it, over a real socket."""

from __future__ import annotations

import httpx
import pytest

from emulators.nsp import create_emulator
from emulators.toolkit import FakeClock, start_emulator
from tests.integration.emulators.nsp.test_nsp import XML, dispatch_doc

pytestmark = pytest.mark.integration

OPERATION = "NetworkComplaintDispatch"


@pytest.fixture
def nsp():
    with start_emulator(create_emulator(seed=1, auto_reply=False)) as handle:
        yield handle


def post(client: httpx.Client, examples_dir, n: int = 1) -> httpx.Response:
    doc = dispatch_doc(examples_dir, message_id=f"hub-fault-{n:06d}", work_order=f"WO20261123FAULT{n:03d}")
    return client.post("/xml", content=doc, headers=XML)


def test_error_fault_answers_503(nsp, examples_dir):
    nsp.add_fault("error", OPERATION, status=503, times=1)
    assert post(nsp.http, examples_dir, 1).status_code == 503
    assert post(nsp.http, examples_dir, 2).status_code == 200
    assert [e["status"] for e in nsp.journal(operation=OPERATION)] == [503, 200]
    assert len(nsp.state()["tickets"]) == 1  # the failed request never reached NSP


def test_reset_fault_is_a_connection_error(nsp, examples_dir):
    nsp.add_fault("reset", OPERATION, times=1)
    with httpx.Client(base_url=nsp.base_url) as client:
        with pytest.raises(httpx.TransportError):
            post(client, examples_dir, 1)
        assert post(client, examples_dir, 2).status_code == 200


def test_hang_fault_times_the_client_out_then_the_next_request_works(nsp, examples_dir):
    nsp.add_fault("hang", OPERATION, times=1, max_seconds=30)
    with httpx.Client(base_url=nsp.base_url, timeout=0.5) as client, pytest.raises(httpx.ReadTimeout):
        post(client, examples_dir, 1)
    with httpx.Client(base_url=nsp.base_url, timeout=10) as client:
        assert post(client, examples_dir, 2).status_code == 200


def test_outage_window_fails_every_request_inside_it(nsp, examples_dir):
    fault = nsp.add_fault("outage", OPERATION, start_in=0, duration=3600)
    assert [post(nsp.http, examples_dir, n).status_code for n in (1, 2)] == [503, 503]
    nsp.admin.delete_fault(fault["id"])
    assert post(nsp.http, examples_dir, 3).status_code == 200
    assert nsp.admin.count(OPERATION, fault="outage") == 2


def test_latency_is_recorded_in_the_journal():
    clock = FakeClock()
    with start_emulator(create_emulator(seed=1, auto_reply=False, clock=clock)) as nsp:
        nsp.add_fault("latency", "RaiseOutage", seconds=2.5)
        response = nsp.http.post("/nsp/outages", json={"title": "t", "areas": ["0755"], "services": ["SMS"],
                                                        "wording": "w"})
        assert response.status_code == 201
        (entry,) = nsp.journal(operation="RaiseOutage")
        assert entry["latency_ms"] >= 2500
        assert [f["kind"] for f in entry["faults"]] == ["latency"]
        assert clock.sleeps == [2.5]
