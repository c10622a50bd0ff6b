"""NSP emulator in-process: determinism, scripts, notice rules, reset, and the call-back client."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from emulators.callbacks import CallbackClient
from emulators.nsp import create_emulator
from emulators.nsp.notices import Notice
from emulators.nsp.replies import seeded_reply
from emulators.nsp.script import load_script
from emulators.toolkit import FakeClock, in_process_emulator

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}


def dispatch(examples_dir) -> bytes:
    return (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_bytes()


def run(seed: int, examples_dir) -> dict:
    clock = FakeClock()
    with in_process_emulator(create_emulator(seed=seed, reply_delay=0, clock=clock)) as nsp:
        nsp.http.post("/xml", content=dispatch(examples_dir), headers=XML)
        assert nsp.http.post("/nsp/outages", json={"title": "t", "areas": ["020"], "services": ["SMS"],
                                                    "wording": "w"}).status_code == 201
        wait = threading.Event()
        for _ in range(1000):  # bounded wait for the scheduler thread
            if nsp.state()["tickets"][0]["reply"] is not None:
                break
            wait.wait(0.01)
        state = nsp.state()
        return {"replies": [t["reply"] for t in state["tickets"]],
                "ids": [t["ticket_id"] for t in state["tickets"]] + [n["notice_id"] for n in state["notices"]]}


def test_same_seed_same_data_but_never_the_same_numbers(examples_dir):
    one, again = run(4, examples_dir), run(4, examples_dir)
    assert one["replies"] == again["replies"]
    assert one["replies"] != run(5, examples_dir)["replies"]
    assert one["ids"][0] != again["ids"][0]  # a restarted NSP's ticket: one chance in a million to meet


def test_seeded_reply_depends_on_seed_and_work_order_only():
    one = seeded_reply(1, "WO20261123AAAAAAAA", ["DATA"], "0755", "Civic Center")
    assert one == seeded_reply(1, "WO20261123AAAAAAAA", ["DATA"], "0755", "Civic Center")
    causes = {seeded_reply(1, f"WO20261123AAAAAA{n:02d}", ["DATA"], "0755", "x").cause for n in range(40)}
    assert len(causes) > 1
    assert all("SMS" not in c for c in causes)  # data complaints get data findings


def test_reset_restores_the_seeded_start_and_numbers_go_on(examples_dir):
    spec = {"title": "t", "areas": ["020"], "services": ["SMS"], "wording": "w"}
    with in_process_emulator(create_emulator(seed=1, auto_reply=False)) as nsp:
        first = nsp.http.post("/xml", content=dispatch(examples_dir), headers=XML).text
        notice = nsp.http.post("/nsp/outages", json=spec).json()["notice_id"]
        nsp.reset()
        assert nsp.state()["tickets"] == [] and nsp.state()["notices"] == []
        again = nsp.http.post("/xml", content=dispatch(examples_dir), headers=XML).text
        assert "ACCEPTED" in again  # the same MessageId is new again
        assert again.split("NspTicketId>")[1] != first.split("NspTicketId>")[1]
        # a hub that kept the cleared notice would judge a new revision 1 of the same id stale
        second = nsp.http.post("/nsp/outages", json=spec).json()
        assert (second["revision"], second["notice_id"] != notice) == (1, True)


@pytest.mark.parametrize(("events", "message"), [
    ([{"at": -1, "raise": "x", "title": "t", "areas": ["0755"], "services": ["SMS"], "wording": "w"}], "'at'"),
    ([{"at": 1, "title": "t"}], "exactly one of"),
    ([{"at": 1, "raise": "x", "areas": ["0755"], "services": ["SMS"], "wording": "w"}], "'title' is required"),
    ([{"at": 1, "clear": "x"}], "before any raise"),
    ({"events": "nope"}, "list of events"),
    ([{"at": 1, "raise": "x", "title": "t", "areas": ["0755"], "services": ["SMS"], "wording": "w", "ends_in": 9}],
     "unknown key 'ends_in'"),
    ([{"at": 1, "raise": "x", "title": "t", "areas": ["0755"], "services": ["SMS"], "wording": "w"},
      {"at": 2, "clear": "x", "title": "t"}], "unknown key 'title' in a clear event"),
])
def test_bad_scripts_fail_at_load(events, message):
    with pytest.raises(ValueError, match=message):
        load_script(events)


def test_script_files_toml_and_json(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[[events]]\nat = 2\nclear = "a"\n[[events]]\nat = 1\nraise = "a"\ntitle = "t"\n'
                    'areas = ["0755"]\nservices = ["SMS"]\nwording = "w"\n', encoding="utf-8")
    events = load_script(toml)
    assert [(e.at, e.action) for e in events] == [(1.0, "raise"), (2.0, "clear")]
    bad = tmp_path / "s.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid"):
        load_script(bad)
    with pytest.raises(ValueError, match="cannot read"):
        load_script(tmp_path / "missing.toml")


def test_notice_coverage_rules():
    notice = Notice("FLT-20261123-0001", "FAULT", "t", [("0755", "Futian")], ["VOICE"], "w", 0.0)
    assert notice.covers("0755", "futian", ["ORIGINATE_CALL"])
    assert notice.covers("0755", None, ["SIGNAL"])
    assert not notice.covers("0755", "Nanshan", ["ORIGINATE_CALL"])
    assert not notice.covers("020", "Futian", ["ORIGINATE_CALL"])
    assert not notice.covers("0755", "Futian", ["DATA"])
    notice.status = "CLEARED"
    assert not notice.covers("0755", "Futian", ["ORIGINATE_CALL"])


def _client(handler, **kwargs) -> CallbackClient:
    return CallbackClient("http://hub.invalid", "tok", system="test", backoff=0,
                          transport=httpx.MockTransport(handler), **kwargs)


def _settled(client: CallbackClient) -> list[dict]:
    done = threading.Event()
    for _ in range(1000):  # bounded wait for the worker thread
        if not client.pending:
            break
        done.wait(0.01)
    return client.history()


def test_callback_client_retries_then_delivers():
    answers = iter([httpx.Response(503), httpx.Response(500), httpx.Response(202, content=b"ACCEPTED")])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    client = _client(handler, attempts=3)
    assert client.submit("nsp", "OutageNotice", b"<x/>", message_id="m1") == "queued"
    (record,) = _settled(client)
    client.close()
    assert (record["status"], record["attempts"], record["http_status"]) == ("delivered", 3, 202)
    assert seen[0].url == "http://hub.invalid/xml/nsp"
    assert seen[0].headers["authorization"] == "Bearer tok"


def test_callback_client_gives_up_rejects_and_drops():
    client = _client(lambda request: httpx.Response(503), attempts=2)
    client.submit("nsp", "X", b"<x/>", message_id="m1")
    assert _settled(client)[0]["status"] == "failed"
    client.close()
    client = _client(lambda request: httpx.Response(403))
    client.submit("oa", "X", b"<x/>", message_id="m2")
    assert [(r["status"], r["attempts"]) for r in _settled(client)] == [("rejected", 1)]
    client.close()
    assert CallbackClient(None, system="t").submit("oa", "X", b"<x/>", message_id="m3") == "skipped"


def test_a_reply_waiting_for_the_hubs_verdict_does_not_hold_back_an_outage_notice():
    """NetworkComplaintReply is a request the hub answers with its workflow's verdict (up to 15 s, 504 and again
    while the workflow is down); one worker thread for every call-back held the notices behind it (review of
    fa03181). Each command has its queue and worker: in order within it, independent of the others."""
    verdict = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if b"Reply" in request.content:
            verdict.wait(10)  # the workflow has not answered yet
            return httpx.Response(200, content=b"COMPLETED")
        return httpx.Response(202, content=b"ACCEPTED")

    client = _client(handler)
    try:
        client.submit("nsp", "NetworkComplaintReply", b"<Reply/>", message_id="r1")
        client.submit("nsp", "OutageNotice", b"<Notice/>", message_id="n1")
        for _ in range(500):
            if client.status_of("n1") != "queued":
                break
            threading.Event().wait(0.01)
        assert client.status_of("n1") == "delivered" and client.status_of("r1") == "queued"
        verdict.set()
        assert {r["message_id"]: r["status"] for r in _settled(client)} == {"r1": "delivered", "n1": "delivered"}
    finally:
        verdict.set()
        client.close()


def test_a_redirect_is_no_delivery_and_is_not_followed():
    seen: list[str] = []

    def moved(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(307, headers={"location": "https://elsewhere.example/xml/oa"})

    client = _client(moved)
    client.submit("oa", "X", b"<x/>", message_id="m1")
    [record] = _settled(client)
    client.close()
    assert (record["status"], record["http_status"], record["attempts"]) == ("rejected", 307, 1)
    assert "https://elsewhere.example/xml/oa" in record["error"] and len(seen) == 1


def test_callback_queue_is_bounded_and_never_blocks():
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(202)

    client = _client(slow, queue_size=1)
    statuses = [client.submit("nsp", "X", b"<x/>", message_id=f"m{n}") for n in range(4)]
    assert statuses.count("dropped") >= 2
    release.set()
    client.close()
    assert {r["status"] for r in client.history()} <= {"delivered", "dropped", "abandoned"}


def test_a_dispatch_with_template_fields_is_taken_and_kept_with_them(examples_dir):
    document = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid-template-fields.xml").read_bytes()
    with in_process_emulator(create_emulator(seed=4, auto_reply=False, clock=FakeClock())) as nsp:
        answered = nsp.http.post("/xml", content=document, headers=XML)
        assert answered.status_code == 200, answered.text
        (ticket,) = nsp.state()["tickets"]
        assert ticket["fields"]["fault_time"] == "2026-11-23T08:40:00+08:00"
        assert ticket["fields"]["announcement_heard"] == "The subscriber you dialled is powered off"
        assert ticket["fields"]["peer_number"] != "13912345678"  # masked as the Msisdn is
        assert ticket["fields"]["peer_number"].endswith("5678")
        assert ticket["occurred_at"] == "2026-11-23T08:40:00+08:00"
        counted = nsp.http.get("/__admin/journal/count", params={
            "xpath": "//n:Field[@name='peer_number' and .='13912345678']", "ns": "n=urn:onepoint:nsp:1"}).json()
        assert counted["count"] == 1  # the journal keeps the document as it came


def test_a_callback_is_retried_for_its_retry_seconds_after_its_attempts():
    """A hub whose broker restarts answers 503 for as long as that takes: the call-back keeps trying for
    ``retry_seconds`` (here 0.3 s of 503s at no back-off: far more than its 2 attempts), then is delivered."""
    started = time.monotonic()

    def handler(request: httpx.Request) -> httpx.Response:
        if time.monotonic() - started < 0.3:
            return httpx.Response(503)
        return httpx.Response(202, content=b"ACCEPTED")

    client = _client(handler, attempts=2, retry_seconds=30)
    client.submit("nsp", "X", b"<x/>", message_id="m1")
    (record,) = _settled(client)
    client.close()
    assert record["status"] == "delivered" and record["attempts"] > 2


def test_a_callback_waits_at_least_the_hubs_retry_after():
    seen: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return httpx.Response(503, headers={"retry-after": "1"})
        return httpx.Response(202, content=b"ACCEPTED")

    client = _client(handler, attempts=3)  # backoff 0: only Retry-After makes it wait
    client.submit("nsp", "X", b"<x/>", message_id="m1")
    (record,) = _settled(client)
    client.close()
    assert record["status"] == "delivered" and seen[1] - seen[0] >= 1.0
