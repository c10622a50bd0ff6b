"""XML over HTTP: POST /xml/<set> with a command document."""

import re

import httpx
import pytest
from lxml import etree

pytestmark = pytest.mark.integration

C = "urn:onepoint:common:1"
CS_TOKEN = {"authorization": "Bearer cs-dev-token"}
XML = {"content-type": "application/xml"}


@pytest.fixture(scope="module")
def create(examples_dir):
    return (examples_dir / "workorder" / "CreateWorkOrder.valid.xml").read_bytes()


def with_id(document: bytes, message_id: str) -> bytes:
    return document.replace(b"cs-20261123-000001", message_id.encode())


def post(hub, body: bytes, *, command_set="workorder", headers=None, auth=None):
    return httpx.post(hub.xml(command_set), content=body, headers={**XML, **CS_TOKEN, **(headers or {})}, auth=auth)


def test_accepted_command_gets_202_and_an_ack_valid_against_common_xsd(hub, registry, create):
    before = len(hub.router.envelopes)
    response = post(hub, with_id(create, "xml-accept-000001"))
    assert response.status_code == 202
    assert response.headers["content-type"].startswith("application/xml")
    ack = etree.fromstring(response.content)
    common = etree.XMLSchema(etree.parse(str(registry.get("workorder").path.with_name("common.xsd"))))
    common.assertValid(ack)
    assert ack.findtext(f"{{{C}}}MessageId") == "xml-accept-000001"
    assert ack.findtext(f"{{{C}}}Status") == "ACCEPTED"
    assert len(hub.router.envelopes) == before + 1
    assert hub.router.envelopes[-1].headers["ingress"] == "xml"


def test_duplicate_message_id_is_200_duplicate_and_routed_once(hub, create):
    before = len(hub.router.envelopes)
    assert post(hub, with_id(create, "xml-dupe-0000001")).status_code == 202
    again = post(hub, with_id(create, "xml-dupe-0000001"))
    assert again.status_code == 200
    assert etree.fromstring(again.content).findtext(f"{{{C}}}Status") == "DUPLICATE"
    assert len(hub.router.envelopes) == before + 1


def test_a_message_id_reused_for_another_command_is_409_and_not_routed(hub, create):
    before = len(hub.router.envelopes)
    assert post(hub, with_id(create, "xml-reuse-000001")).status_code == 202
    other = with_id(create, "xml-reuse-000001").replace(b"0755-83765432", b"0755-83760000")  # another document
    reused = post(hub, other)
    assert reused.status_code == 409
    error = etree.fromstring(reused.content)
    assert error.findtext(f"{{{C}}}Code") == "message-id-reused" and "xml-reuse-000001" in reused.text
    assert len(hub.router.envelopes) == before + 1  # the second one was not taken for the first's duplicate
    assert post(hub, with_id(create, "xml-reuse-000001")).status_code == 200  # the very same again: DUPLICATE


def test_another_system_using_a_message_id_first_does_not_use_it_up(hub, create, examples_dir):
    """The security review's squatting: OA sends under the id CS will use next; CS's complaint is still accepted
    (the idempotency key is the authenticated source system and the MessageId), and CS's own reuse stays 409."""
    todo = (examples_dir / "oa" / "CompleteTodo.valid.xml").read_bytes().replace(
        b"oa-20261123-141502-0017", b"xml-squat-000001")
    squatted = httpx.post(hub.xml("oa"), content=todo, headers={**XML, "authorization": "Bearer oa-dev-token"})
    assert squatted.status_code == 202
    before = len(hub.router.envelopes)
    assert post(hub, with_id(create, "xml-squat-000001")).status_code == 202
    assert len(hub.router.envelopes) == before + 1
    again = post(hub, with_id(create, "xml-squat-000001"))
    assert again.status_code == 200 and etree.fromstring(again.content).findtext(f"{{{C}}}Status") == "DUPLICATE"
    reused = post(hub, with_id(create, "xml-squat-000001").replace(b"0755-83765432", b"0755-83760000"))
    assert reused.status_code == 409


def test_a_retry_serialized_otherwise_is_the_same_command(hub, create):
    """A retry without the XML declaration, with other whitespace around the root, or sent later (SentAt) is a
    duplicate, not a reuse of the id."""
    before = len(hub.router.envelopes)
    first = with_id(create, "xml-retry-0000001")
    assert first.startswith(b"<?xml")
    assert post(hub, first).status_code == 202
    bare = first.split(b"?>", 1)[1].lstrip()
    later = re.sub(rb"<c:SentAt>[^<]*</c:SentAt>", b"<c:SentAt>2026-12-31T23:59:59+08:00</c:SentAt>", bare)
    for retry in (bare, later, b"\n  " + bare + b"\n"):
        answered = post(hub, retry)
        assert answered.status_code == 200, (retry[:60], answered.text[:300])  # DUPLICATE
    assert len(hub.router.envelopes) == before + 1


def test_basic_authentication_works(hub, create):
    response = httpx.post(
        hub.xml("workorder"),
        content=with_id(create, "xml-basic-000001"),
        headers=XML,
        auth=("cs-frontend", "cs-dev-password"),
    )
    assert response.status_code == 202


def test_invalid_document_is_400_listing_every_violation(hub, create):
    before = len(hub.router.envelopes)
    bad = (create.replace(b"<wo:Channel>HOTLINE", b"<wo:Channel>PIGEON_POST")
           .replace(b"<c:AreaCode>0755", b"<c:AreaCode>x"))
    response = post(hub, bad)
    assert response.status_code == 400
    error = etree.fromstring(response.content)
    assert error.findtext(f"{{{C}}}Code") == "invalid"
    found = [
        (int(v.findtext(f"{{{C}}}Line")), v.findtext(f"{{{C}}}Path"), v.findtext(f"{{{C}}}Reason"))
        for v in error.iter(f"{{{C}}}Violation")
    ]
    assert [path for _, path, _ in found] == [
        "/wo:CreateWorkOrder/wo:Channel",
        "/wo:CreateWorkOrder/wo:Area/c:AreaCode",
    ]
    lines = bad.decode().splitlines()
    assert "PIGEON_POST" in lines[found[0][0] - 1]
    assert len(hub.router.envelopes) == before


@pytest.mark.parametrize(
    ("headers", "auth"),
    [
        ({"authorization": ""}, None),
        ({"authorization": "Bearer nope"}, None),
        ({"authorization": "Basic !!!"}, None),
        ({}, ("cs-frontend", "wrong")),
    ],
    ids=["none", "bad-token", "malformed-basic", "bad-password"],
)
def test_unauthenticated_is_401_with_a_challenge(hub, create, headers, auth):
    request_headers = {**XML, **headers}
    if auth:
        request_headers.pop("authorization", None)
    response = httpx.post(hub.xml("workorder"), content=create, headers=request_headers, auth=auth)
    assert response.status_code == 401
    assert "Basic" in response.headers["www-authenticate"]
    assert etree.fromstring(response.content).findtext(f"{{{C}}}Code") == "unauthenticated"


def test_command_outside_the_authorization_table_is_403(hub, create):
    response = httpx.post(hub.xml("workorder"), content=create, headers={**XML, "authorization": "Bearer oa-dev-token"})
    assert response.status_code == 403
    assert "may not send workorder.CreateWorkOrder" in response.text


def test_posing_as_another_source_system_is_403(hub, create):
    response = post(hub, with_id(create, "xml-spoof-000001").replace(b">CS<", b">NSP<"))
    assert response.status_code == 403
    assert "may not send as NSP" in response.text


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
def test_wrong_content_type_is_415(hub, create, content_type):
    response = httpx.post(hub.xml("workorder"), content=create, headers={**CS_TOKEN, "content-type": content_type})
    assert response.status_code == 415


def test_text_xml_is_accepted_too(hub, create):
    response = post(hub, with_id(create, "xml-textxml-00001"), headers={"content-type": "text/xml; charset=utf-8"})
    assert response.status_code == 202


def test_over_the_size_cap_is_413(hub, create):
    padded = create.replace(b"</wo:Description>", b" " * 1_100_000 + b"</wo:Description>")
    response = post(hub, padded)
    assert response.status_code == 413
    assert "limit" in response.text


def test_unknown_set_and_wrong_namespace(hub, examples_dir):
    assert post(hub, b"<x/>", command_set="billing").status_code == 404
    tier = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    response = post(hub, tier, command_set="workorder")
    assert response.status_code == 400
    assert "wrong namespace" in response.text


def test_health_and_readiness(hub):
    assert httpx.get(f"{hub.base_url}/healthz").json() == {"status": "alive"}
    ready = httpx.get(f"{hub.base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"schemas": True, "router": True}


def test_metrics_count_accepted_and_refused_commands(hub, create):
    def sample(name: str, **labels: str) -> float:
        return hub.app.metrics.value(name, **labels)

    accepted_before = sample("onepoint_messages_accepted_total", command_type="workorder.CreateWorkOrder")
    invalid_before = sample("onepoint_messages_refused_total", reason="invalid")
    unauthenticated_before = sample("onepoint_messages_refused_total", reason="unauthenticated")
    assert post(hub, with_id(create, "xml-metrics-00001")).status_code == 202
    assert post(hub, create.replace(b"HOTLINE", b"PIGEON_POST")).status_code == 400
    assert httpx.post(hub.xml("workorder"), content=create, headers=XML).status_code == 401
    text = httpx.get(f"{hub.base_url}/metrics").text
    assert 'onepoint_messages_accepted_total{command_type="workorder.CreateWorkOrder"}' in text
    assert sample("onepoint_messages_accepted_total", command_type="workorder.CreateWorkOrder") == accepted_before + 1
    assert sample("onepoint_messages_refused_total", reason="invalid") == invalid_before + 1
    assert sample("onepoint_messages_refused_total", reason="unauthenticated") == unauthenticated_before + 1
