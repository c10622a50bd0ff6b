"""The NSP emulator over a real socket on 127.0.0.1: dispatches, replies, notices, scripts, faults, call-backs."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from emulators.nsp import create_emulator
from emulators.toolkit import FakeClock, start_emulator
from emulators.toolkit.xmlcommand import validator
from tests.integration.emulators.nsp.receiver import Receiver

pytestmark = pytest.mark.integration

NSP = "urn:onepoint:nsp:1"
C = "urn:onepoint:common:1"
XML = {"content-type": "application/xml"}
TOKEN = "nsp-dev-token"


def dispatch_doc(examples_dir, *, message_id="hub-1a2b3c4d5e6f7081", work_order="WO20261123A7K2M9Q1",
                 area="0755", functions=("ORIGINATE_CALL",)) -> bytes:
    text = (examples_dir / "nsp" / "NetworkComplaintDispatch.valid.xml").read_text(encoding="utf-8")
    text = text.replace("hub-1a2b3c4d5e6f7081", message_id).replace("WO20261123A7K2M9Q1", work_order)
    text = text.replace("<c:AreaCode>0755</c:AreaCode>", f"<c:AreaCode>{area}</c:AreaCode>")
    text = re.sub(r"(\s*<nsp:FunctionAffected>[A-Z_]+</nsp:FunctionAffected>)+",
                  "".join(f"\n  <nsp:FunctionAffected>{f}</nsp:FunctionAffected>" for f in functions), text, count=1)
    return text.encode("utf-8")


def assert_valid_response(body: bytes) -> etree._Element:
    root = etree.fromstring(body)
    registry = validator().registry  # c:Error (common.xsd) is valid wherever common.xsd is imported
    schema = (registry.by_namespace(etree.QName(root).namespace) or registry.get("nsp")).lxml_schema
    assert schema.validate(root), schema.error_log
    return root


def find(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces={"nsp": NSP, "c": C})


@pytest.fixture
def nsp(receiver):
    with start_emulator(create_emulator(seed=3, hub_url=receiver.url, hub_token=TOKEN, reply_delay=0,
                                        callback_backoff=0)) as handle:
        yield handle


def test_dispatch_gets_a_ticket_and_the_reply_reaches_the_hub(nsp, receiver, examples_dir):
    response = nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML)
    assert response.status_code == 200
    root = assert_valid_response(response.content)
    assert etree.QName(root).localname == "NetworkComplaintDispatchResponse"
    assert find(root, "nsp:Ack/c:MessageId") == "hub-1a2b3c4d5e6f7081"
    assert find(root, "nsp:Ack/c:CorrelationId") == "cs-20261123-000100"
    assert find(root, "nsp:Ack/c:Status") == "ACCEPTED"
    ticket = find(root, "nsp:NspTicketId")
    assert re.fullmatch(r"NSP\d{14}", ticket or "")

    (reply,) = receiver.wait_command("NetworkComplaintReply")
    assert reply.path == "/xml/nsp"
    assert reply.authorization == f"Bearer {TOKEN}"
    command = validator().validate_bytes(reply.body, expected_set="nsp")  # valid against nsp.xsd
    assert command.source_system == "NSP"
    assert command.correlation_id == "hub-1a2b3c4d5e6f7081"
    assert find(reply.root, "nsp:WorkOrderId") == "WO20261123A7K2M9Q1"
    assert find(reply.root, "nsp:NspTicketId") == ticket
    assert find(reply.root, "nsp:Resolved") in ("true", "false")
    assert find(reply.root, "nsp:RepliedBy/nsp:Name")
    assert receiver.wait_for(lambda: nsp.state()["tickets"][0]["callback"]["status"] == "delivered")
    assert nsp.state()["tickets"][0]["msisdn"] == "138****8000"


def test_invalid_dispatch_is_answered_400_with_every_violation(nsp, examples_dir):
    bad = dispatch_doc(examples_dir, area="755", functions=("ORIGINATE_CALL", "HEAR_NOTHING"))
    response = nsp.http.post("/xml", content=bad, headers=XML)
    assert response.status_code == 400
    root = assert_valid_response(response.content)
    assert find(root, "c:Code") == "invalid"
    paths = [v.findtext(f"{{{C}}}Path") for v in root.iter(f"{{{C}}}Violation")]
    assert "/nsp:NetworkComplaintDispatch/nsp:Area/c:AreaCode" in paths
    assert any(p.startswith("/nsp:NetworkComplaintDispatch/nsp:FunctionAffected") for p in paths)
    assert nsp.state()["tickets"] == []


def test_other_refusals(nsp, examples_dir):
    assert nsp.http.post("/xml", content=b"{}", headers={"content-type": "application/json"}).status_code == 415
    notice = (examples_dir / "nsp" / "OutageNotice.valid-fault.xml").read_bytes()
    response = nsp.http.post("/xml", content=notice, headers=XML)  # NSP sends notices, it does not take them
    assert response.status_code == 400
    assert find(assert_valid_response(response.content), "c:Code") == "unsupported-command"
    response = nsp.http.post("/xml", content=b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', headers=XML)
    assert response.status_code == 400


def test_a_repeated_message_is_a_duplicate_with_the_same_ticket(nsp, receiver, examples_dir):
    first = assert_valid_response(nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML).content)
    again = assert_valid_response(nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML).content)
    assert find(again, "nsp:Ack/c:Status") == "DUPLICATE"
    assert find(again, "nsp:NspTicketId") == find(first, "nsp:NspTicketId")
    receiver.wait_command("NetworkComplaintReply")
    assert len(nsp.state()["tickets"]) == 1


def test_outage_notices_are_raised_and_cleared_to_the_hub(nsp, receiver):
    spec = {"title": "Fibre cut in Futian", "areas": [{"area_code": "0755", "district": "Futian"}],
            "services": ["VOICE", "DATA"], "wording": "A fibre cut affects calls in Futian; repair by 18:00.",
            "expected_end_in": 3600}
    raised = nsp.http.post("/nsp/outages", json=spec)
    assert raised.status_code == 201, raised.text
    notice_id = raised.json()["notice_id"]
    assert re.fullmatch(r"FLT-\d{8}-\d{4}", notice_id)
    cleared = nsp.http.post(f"/nsp/outages/{notice_id}/clear", json={"wording": "Service restored at 10:05."})
    assert cleared.status_code == 200
    active, done = receiver.wait_command("OutageNotice", 2)
    for doc in (active, done):
        validator().validate_bytes(doc.body, expected_set="nsp")
    assert (find(active.root, "nsp:Status"), find(active.root, "nsp:Revision")) == ("ACTIVE", "1")
    assert find(active.root, "nsp:CustomerWording") == spec["wording"]
    assert find(active.root, "nsp:ExpectedEnd") is not None
    assert (find(done.root, "nsp:Status"), find(done.root, "nsp:Revision")) == ("CLEARED", "2")
    assert find(done.root, "nsp:ClearedAt") is not None
    assert nsp.http.post(f"/nsp/outages/{notice_id}/clear").status_code == 409
    assert nsp.http.post("/nsp/outages/FLT-20261123-9999/clear").status_code == 404
    assert [n["status"] for n in nsp.http.get("/nsp/outages").json()["notices"]] == ["CLEARED"]


@pytest.mark.parametrize(("spec", "needle"), [
    ({"areas": ["0755"], "services": ["VOICE"], "wording": "w"}, "'title' is required"),
    ({"kind": "PLANNED_WORK", "title": "t", "areas": ["0755"], "services": ["VOICE"], "wording": "w"},
     "adjustment_kind"),
    ({"title": "t", "areas": ["755"], "services": ["VOICE"], "wording": "w"}, "AreaCode"),
    ({"title": "t", "areas": ["0755"], "services": ["TELEPATHY"], "wording": "w"}, "Service"),
])
def test_bad_notice_specifications_are_refused(nsp, receiver, spec, needle):
    response = nsp.http.post("/nsp/outages", json=spec)
    assert response.status_code == 400
    assert needle in response.text
    assert nsp.state()["notices"] == []
    assert receiver.posts == []


def test_a_complaint_under_an_active_outage_is_answered_at_once_with_its_wording(receiver, examples_dir):
    app = create_emulator(seed=3, hub_url=receiver.url, hub_token=TOKEN, auto_reply=False, callback_backoff=0)
    with start_emulator(app) as nsp:
        notice = nsp.http.post("/nsp/outages", json={
            "title": "Base station outage, Futian", "areas": ["0755"], "services": ["VOICE"],
            "wording": "Calls in Futian fail because of a base-station outage; recovery expected by 12:00."}).json()
        inside = dispatch_doc(examples_dir, message_id="hub-inside-0001", work_order="WO20261123INSIDE01")
        elsewhere = dispatch_doc(examples_dir, message_id="hub-outside-001", work_order="WO20261123OUTSIDE1",
                                 area="020")
        data_only = dispatch_doc(examples_dir, message_id="hub-dataonly-01", work_order="WO20261123DATAONL1",
                                 functions=("DATA",))
        for doc in (inside, elsewhere, data_only):
            assert nsp.http.post("/xml", content=doc, headers=XML).status_code == 200
        (reply,) = receiver.wait_command("NetworkComplaintReply")
        assert find(reply.root, "nsp:WorkOrderId") == "WO20261123INSIDE01"
        assert find(reply.root, "nsp:RelatedNoticeId") == notice["notice_id"]
        assert find(reply.root, "nsp:Result") == notice["wording"]
        assert find(reply.root, "nsp:Resolved") == "false"
        statuses = {t["work_order_id"]: t["status"] for t in nsp.state()["tickets"]}
        assert statuses == {"WO20261123INSIDE01": "replied", "WO20261123OUTSIDE1": "acknowledged",
                            "WO20261123DATAONL1": "acknowledged"}


def test_manual_reply_when_auto_reply_is_off(receiver, examples_dir):
    app = create_emulator(seed=3, hub_url=receiver.url, hub_token=TOKEN, auto_reply=False, callback_backoff=0)
    with start_emulator(app) as nsp:
        root = etree.fromstring(nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML).content)
        ticket = find(root, "nsp:NspTicketId")
        answered = nsp.http.post(f"/nsp/tickets/{ticket}/reply", json={"cause": "Cell overload", "resolved": False})
        assert answered.status_code == 200, answered.text
        (reply,) = receiver.wait_command("NetworkComplaintReply")
        assert (find(reply.root, "nsp:Cause"), find(reply.root, "nsp:Resolved")) == ("Cell overload", "false")
        assert nsp.http.post(f"/nsp/tickets/{ticket}/reply").status_code == 409
        assert nsp.http.post("/nsp/tickets/NSP20261123999999/reply").status_code == 404
        assert nsp.http.post(f"/nsp/tickets/{ticket}/reply", content=b"[1]").status_code in (400, 409)


def test_reply_delay_follows_the_injected_clock(receiver, examples_dir):
    clock = FakeClock()
    app = create_emulator(seed=3, hub_url=receiver.url, hub_token=TOKEN, reply_delay=300, clock=clock,
                          callback_backoff=0)
    with start_emulator(app) as nsp:
        assert nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML).status_code == 200
        (ticket,) = nsp.state()["tickets"]
        assert ticket["status"] == "acknowledged"
        assert nsp.state()["scheduled"] == [f"reply:{ticket['ticket_id']}"]
        clock.advance(299)
        clock.advance(1)
        receiver.wait_command("NetworkComplaintReply")
        assert nsp.state()["tickets"][0]["status"] in ("resolved", "replied")


def test_scripted_notices_follow_the_schedule(receiver, tmp_path):
    script = tmp_path / "notices.toml"
    script.write_text('''
[[events]]
at = 5
raise = "cutover"
kind = "PLANNED_WORK"
adjustment_kind = "CUT_OVER"
title = "Core network cut-over, Guangzhou"
areas = ["020"]
services = ["VOICE", "SMS"]
wording = "Planned cut-over tonight 00:00-04:00; calls may fail briefly."

[[events]]
at = 65
clear = "cutover"
''', encoding="utf-8")
    clock = FakeClock()
    app = create_emulator(seed=3, hub_url=receiver.url, hub_token=TOKEN, schedule=script, clock=clock,
                          callback_backoff=0)
    with start_emulator(app) as nsp:
        assert nsp.state()["scheduled"] == ["script:raise:cutover", "script:clear:cutover"]
        clock.advance(5)
        (active,) = receiver.wait_command("OutageNotice")
        assert find(active.root, "nsp:NoticeId").startswith("ADJ-")
        assert find(active.root, "nsp:AdjustmentKind") == "CUT_OVER"
        clock.advance(60)
        _, cleared = receiver.wait_command("OutageNotice", 2)
        assert find(cleared.root, "nsp:Status") == "CLEARED"
        assert find(cleared.root, "nsp:NoticeId") == find(active.root, "nsp:NoticeId")
        nsp.reset()  # the script starts again from the reset
        assert nsp.state()["notices"] == []
        assert nsp.state()["scheduled"] == ["script:raise:cutover", "script:clear:cutover"]


def test_call_backs_are_retried_when_the_hub_is_busy(nsp, receiver, examples_dir):
    receiver.statuses.extend([503, 503])
    nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML)
    receiver.wait_command("NetworkComplaintReply", 3)
    assert receiver.wait_for(lambda: nsp.state()["callbacks"][0]["status"] == "delivered")
    assert nsp.state()["callbacks"][0]["attempts"] == 3


def test_a_refused_call_back_is_not_retried(nsp, receiver, examples_dir):
    receiver.statuses.append(401)
    nsp.http.post("/xml", content=dispatch_doc(examples_dir), headers=XML)
    assert receiver.wait_for(lambda: nsp.state()["callbacks"] and nsp.state()["callbacks"][0]["status"] == "rejected")
    assert len(receiver.of("NetworkComplaintReply")) == 1


def test_the_real_hub_accepts_the_reply_and_the_notice(hub, examples_dir):
    with start_emulator(create_emulator(seed=3, hub_url=hub.base_url, hub_token=TOKEN, reply_delay=0)) as nsp:
        nsp.http.post("/xml", content=dispatch_doc(examples_dir, message_id="hub-realhub-0001"), headers=XML)
        nsp.http.post("/nsp/outages", json={"title": "t", "areas": ["0755"], "services": ["SMS"], "wording": "w"})

        def delivered() -> bool:
            return [c["status"] for c in nsp.state()["callbacks"]] == ["delivered", "delivered"]

        assert Receiver().wait_for(delivered), nsp.state()["callbacks"]
    types = [e.command_type for e in hub.router.envelopes]
    assert "nsp.NetworkComplaintReply" in types
    assert "nsp.OutageNotice" in types
