"""NSP after the audit, in-process: hostile or wrong-shaped JSON is a 400 naming the field, auto-numbered ids never
collide with ids in use, a notice is revised only when named, tickets are bounded and so is the admin state."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from emulators.nsp import create_emulator
from emulators.nsp.state import NspState
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
SPEC = {"title": "Fibre cut", "wording": "Fibre cut in Futian", "services": ["DATA"], "areas": ["0755"]}
DEEP = b"[" * 100_000 + b"]" * 100_000
CLOCK_START = 1_795_395_600.0  # 2026-11-23T09:00:00+08:00


@pytest.fixture
def nsp():
    with in_process_emulator(create_emulator(auto_reply=False, clock=FakeClock(start=CLOCK_START))) as handle:
        yield handle


@pytest.mark.parametrize("path", ["/__admin/faults", "/__admin/reset", "/nsp/outages", "/nsp/tickets/x/reply"])
def test_deeply_nested_json_is_a_400(nsp, path):
    response = nsp.http.post(path, content=DEEP, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]
    assert nsp.http.get("/__admin/health").status_code == 200


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"1", b'{"wording": 5}'])
def test_a_clear_body_must_be_an_object_with_a_text_wording(nsp, body):
    notice_id = nsp.http.post("/nsp/outages", json=SPEC).json()["notice_id"]
    response = nsp.http.post(f"/nsp/outages/{notice_id}/clear", content=body)
    assert response.status_code == 400
    assert "JSON object" in response.json()["error"] or "'wording'" in response.json()["error"]
    assert nsp.http.get("/nsp/outages").json()["notices"][0]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"expected_end_in": "soon"}, "'expected_end_in'"),
        ({"expected_end_in": None}, "'expected_end_in'"),
        ({"expected_end_in": -5}, "'expected_end_in'"),
        ({"expected_end_in": 1e308}, "'expected_end_in'"),
        ({"start": 1e20}, "'start'"),
        ({"start": float("nan")}, "'start'"),
        ({"expected_end": 1e300}, "'expected_end'"),
        ({"expected_end": "9999-12-31T23:59:59-12:00"}, "'expected_end'"),
        ({"expected_end": 5, "expected_end_in": 5}, "'expected_end' or 'expected_end_in'"),
        ({"content": ["x"]}, "'content'"),
        ({"notice_id": 7}, "'notice_id'"),
        ({"kind": ["FAULT"]}, "'kind'"),
        ({"areas": [{"area_code": "0755", "district": {"x": 1}}]}, "bad area"),
    ],
)
def test_wrong_numbers_and_types_in_a_notice_are_a_400_naming_the_field(nsp, extra, field):
    body = json.dumps({**SPEC, **extra})  # NaN as Python's json writes (and reads) it
    response = nsp.http.post("/nsp/outages", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]


def test_reply_overrides_must_have_their_types(nsp, examples_dir):
    nsp.http.post("/xml", content=(examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes(),
                  headers=XML)
    ticket_id = nsp.http.get("/nsp/tickets").json()["tickets"][0]["ticket_id"]
    for overrides, field in (({"resolved": "yes"}, "'resolved'"), ({"cause": ["x"]}, "'cause'")):
        response = nsp.http.post(f"/nsp/tickets/{ticket_id}/reply", json=overrides)
        assert response.status_code == 400 and field in response.json()["error"]


@pytest.mark.parametrize(("path", "body", "named"), [
    ("/nsp/outages", {**SPEC, "expected_end_inn": 3600}, "'expected_end_inn'"),
    ("/nsp/outages", {**SPEC, "Title": "x"}, "'Title' (keys are lower case: 'title')"),
    ("/nsp/outages", {**SPEC, "areas": [{"area_code": "0755", "distrct": "Futian"}]}, "'distrct'"),
])
def test_a_notice_key_nsp_does_not_take_is_a_400_naming_it(nsp, path, body, named):
    response = nsp.http.post(path, json=body)
    assert response.status_code == 400 and named in response.json()["error"], response.text
    assert nsp.state()["notices"] == [] and nsp.state()["callbacks"] == []


def test_reply_and_clear_keys_nsp_does_not_take_are_a_400_naming_them(nsp, examples_dir):
    nsp.http.post("/xml", content=(examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes(),
                  headers=XML)
    ticket_id = nsp.http.get("/nsp/tickets").json()["tickets"][0]["ticket_id"]
    for body, named in (({"Resolved": False}, "'Resolved' (keys are lower case: 'resolved')"),
                        ({"resolvd": False}, "'resolvd'")):
        response = nsp.http.post(f"/nsp/tickets/{ticket_id}/reply", json=body)
        assert response.status_code == 400 and named in response.json()["error"], response.text
    assert nsp.state()["tickets"][0]["reply"] is None
    notice = nsp.http.post("/nsp/outages", json=SPEC).json()["notice_id"]
    cleared = nsp.http.post(f"/nsp/outages/{notice}/clear", json={"wordng": "restored"})
    assert cleared.status_code == 400 and "'wordng'" in cleared.json()["error"]
    assert nsp.state()["notices"][0]["status"] == "ACTIVE"
    assert nsp.http.post(f"/nsp/tickets/{ticket_id}/reply", json={"resolved": False}).json()["resolved"] is False


def test_an_auto_numbered_notice_skips_an_id_a_tester_chose(nsp):
    first = nsp.http.post("/nsp/outages", json={**SPEC, "title": "Power failure", "areas": ["020"]})
    number = int(first.json()["notice_id"][-4:])
    ids = [f"FLT-20261123-{(number + n) % 10_000:04d}" for n in (1, 2)]
    chosen = nsp.http.post("/nsp/outages", json={**SPEC, "notice_id": ids[0]}).json()
    second = nsp.http.post("/nsp/outages", json={**SPEC, "title": "Flood", "areas": ["0760"]})
    assert first.status_code == second.status_code == 201
    assert (chosen["notice_id"], chosen["revision"]) == (ids[0], 1)
    assert (second.json()["notice_id"], second.json()["revision"]) == (ids[1], 1)  # the next one is taken
    notices = {n["notice_id"]: (n["revision"], n["title"]) for n in nsp.http.get("/nsp/outages").json()["notices"]}
    assert notices == {first.json()["notice_id"]: (1, "Power failure"), ids[0]: (1, "Fibre cut"),
                       ids[1]: (1, "Flood")}


def test_only_a_named_notice_is_a_revision(nsp):
    first = nsp.http.post("/nsp/outages", json=SPEC).json()
    second = nsp.http.post("/nsp/outages", json=SPEC).json()
    assert first["notice_id"] != second["notice_id"] and second["revision"] == 1
    revised = nsp.http.post("/nsp/outages", json={**SPEC, "notice_id": first["notice_id"], "wording": "later"})
    assert (revised.json()["notice_id"], revised.json()["revision"]) == (first["notice_id"], 2)


def test_ticket_numbers_skip_those_in_use_after_the_sequence_wraps():
    state = NspState()
    day = datetime.fromtimestamp(CLOCK_START, timezone(timedelta(hours=8))).strftime("%Y%m%d")
    state.tickets[f"NSP{day}000000"] = {"ticket_id": f"NSP{day}000000"}
    state._ticket_seq = 10**6 - 1  # the next number wraps to 000000, which is taken
    assert state.next_ticket_id(CLOCK_START) == f"NSP{day}000001"


def _dispatch(examples_dir, n: int) -> bytes:
    body = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_text()
    return body.replace("hub-1a2b3c4d5e6f7081", f"hub-cap-{n:012d}").encode()


def test_tickets_are_bounded_evicting_the_oldest_answered_first(examples_dir):
    app = create_emulator(auto_reply=False, max_tickets=3, state_limit=2, clock=FakeClock(start=CLOCK_START))
    with in_process_emulator(app) as nsp:
        ids = []
        for n in range(3):
            nsp.http.post("/xml", content=_dispatch(examples_dir, n), headers=XML)
            ids.append(nsp.http.get("/nsp/tickets").json()["tickets"][-1]["ticket_id"])
        assert nsp.http.post(f"/nsp/tickets/{ids[1]}/reply", json={}).status_code == 200
        nsp.http.post("/xml", content=_dispatch(examples_dir, 3), headers=XML)
        kept = [t["ticket_id"] for t in nsp.http.get("/nsp/tickets").json()["tickets"]]
        assert len(kept) == 3 and ids[1] not in kept and ids[0] in kept  # the answered one went first
        nsp.http.post("/xml", content=_dispatch(examples_dir, 4), headers=XML)
        kept = [t["ticket_id"] for t in nsp.http.get("/nsp/tickets").json()["tickets"]]
        assert len(kept) == 3 and ids[0] not in kept  # then the oldest
        state = nsp.state()
        assert (len(state["tickets"]), state["ticket_count"], state["tickets_evicted"]) == (2, 3, 2)
        assert [t["ticket_id"] for t in state["tickets"]] == kept[-2:]
        repeat = nsp.http.post("/xml", content=_dispatch(examples_dir, 0), headers=XML)  # evicted, still known
        assert "<c:Status>DUPLICATE</c:Status>" in repeat.text


@pytest.mark.parametrize("sent", ["OutageNotice", "NetworkComplaintReply"])
def test_faults_and_journal_filters_on_a_command_nsp_only_sends_are_refused(nsp, sent):
    response = nsp.http.post("/__admin/faults", json={"kind": "error", "status": 503, "operation": sent})
    assert response.status_code == 400, response.text
    assert f"unknown operation '{sent}'" in response.json()["error"]
    assert "NetworkComplaintDispatch" in response.json()["error"] and "RaiseOutage" in response.json()["error"]
    assert nsp.http.get("/__admin/journal/count", params={"operation": sent}).status_code == 400
    served = {"kind": "error", "status": 503, "operation": "NetworkComplaintDispatch"}
    assert nsp.http.post("/__admin/faults", json=served).status_code == 201
