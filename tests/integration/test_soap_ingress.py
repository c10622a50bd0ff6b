"""A real zeep client against the real spyne server over HTTP on 127.0.0.1."""

import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.integration

C = "urn:onepoint:common:1"


def client(hub, command_set="workorder", user="cs-frontend", password="cs-dev-password", **token):
    wsse = UsernameToken(user, password, use_digest=True, **token)
    return zeep.Client(f"{hub.soap(command_set)}?wsdl", wsse=wsse)


def create_work_order(message_id, **overrides):
    fields = {
        "Header": {"MessageId": message_id, "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"},
        "Channel": "HOTLINE",
        "Msisdn": "13800138000",
        "ContactNumber": "0755-83765432",
        "CategoryCode": "01.02.03",
        "Phenomenon": "Cannot originate calls",
        "Description": "Every call fails.",
        "OccurredAt": "2026-11-23T08:40:00+08:00",
        "Location": "Civic Center",
        "Area": {"AreaCode": "0755"},
    }
    fields.update(overrides)
    return fields


def violations(fault: Fault) -> list[tuple[str, str]]:
    return [(v.findtext(f"{{{C}}}Path"), v.findtext(f"{{{C}}}Reason")) for v in fault.detail.iter(f"{{{C}}}Violation")]


def test_valid_command_is_accepted_and_routed(hub):
    before = len(hub.router.envelopes)
    response = client(hub).service.CreateWorkOrder(**create_work_order("soap-valid-000001"))
    assert response.Ack.MessageId == "soap-valid-000001"
    assert response.Ack.Status == "ACCEPTED"  # no workflow worker here: the ingress acknowledges the hand-over
    assert response.Ack.ReceivedAt.tzinfo is not None
    assert len(hub.router.envelopes) == before + 1
    envelope_ = hub.router.envelopes[-1]
    assert (envelope_.message_id, envelope_.command_type, envelope_.source_system) == (
        "soap-valid-000001",
        "workorder.CreateWorkOrder",
        "CS",
    )
    assert envelope_.headers == {"ingress": "soap", "caller": "cs-frontend"}
    routed = etree.fromstring(envelope_.payload)
    assert routed.findtext("{urn:onepoint:workorder:1}Msisdn") == "13800138000"


def test_same_message_id_twice_is_a_duplicate_not_a_second_command(hub):
    before = len(hub.router.envelopes)
    soap = client(hub)
    assert soap.service.CreateWorkOrder(**create_work_order("soap-dupe-0000001")).Ack.Status == "ACCEPTED"
    assert soap.service.CreateWorkOrder(**create_work_order("soap-dupe-0000001")).Ack.Status == "DUPLICATE"
    assert len(hub.router.envelopes) == before + 1


def test_invalid_command_is_a_client_fault_listing_each_violation(hub):
    before = len(hub.router.envelopes)
    with pytest.raises(Fault) as fault:
        client(hub).service.CreateWorkOrder(
            **create_work_order("soap-invalid-0001", Channel="PIGEON_POST", Msisdn="12345", CategoryCode="1.2")
        )
    assert fault.value.code.endswith("Client.SchemaValidationError")
    found = violations(fault.value)
    local_paths = ["/".join(step.split(":")[-1] for step in path.split("/")) for path, _ in found]
    assert local_paths == ["/CreateWorkOrder/Channel", "/CreateWorkOrder/Msisdn", "/CreateWorkOrder/CategoryCode"]
    assert all(reason for _, reason in found)
    lines = [int(v.findtext(f"{{{C}}}Line")) for v in fault.value.detail.iter(f"{{{C}}}Violation")]
    assert all(line > 0 for line in lines)
    assert len(hub.router.envelopes) == before


@pytest.mark.parametrize(
    ("user", "password"),
    [("cs-frontend", "wrong-password"), ("nobody", "cs-dev-password")],
    ids=["bad-password", "unknown-user"],
)
def test_bad_credentials_are_refused(hub, user, password):
    before = len(hub.router.envelopes)
    with pytest.raises(Fault) as fault:
        client(hub, user=user, password=password).service.CreateWorkOrder(**create_work_order("soap-auth-000001"))
    assert fault.value.code.endswith("FailedAuthentication")
    assert len(hub.router.envelopes) == before


def test_stale_created_is_refused(hub):
    stale = datetime.now(UTC) - timedelta(minutes=6)
    with pytest.raises(Fault) as fault:
        client(hub, created=stale).service.CreateWorkOrder(**create_work_order("soap-stale-000001"))
    assert fault.value.code.endswith("MessageExpired")


def test_replayed_nonce_is_refused(hub):
    fixed = {"nonce": os.urandom(16).hex(), "created": datetime.now(UTC)}
    client(hub, **fixed).service.CreateWorkOrder(**create_work_order("soap-replay-00001"))
    with pytest.raises(Fault) as fault:
        client(hub, **fixed).service.CreateWorkOrder(**create_work_order("soap-replay-00002"))
    assert "replay" in fault.value.message


def test_system_may_not_send_a_command_outside_its_table(hub):
    before = len(hub.router.envelopes)
    nsp = client(hub, user="nsp", password="nsp-dev-password")
    with pytest.raises(Fault) as fault:
        nsp.service.CreateWorkOrder(**create_work_order("soap-nsp-0000001"))
    assert fault.value.code.endswith("Client.NotAuthorized")
    assert "may not send workorder.CreateWorkOrder" in fault.value.message
    assert len(hub.router.envelopes) == before


def test_caller_may_not_pose_as_another_source_system(hub):
    header = {"MessageId": "soap-spoof-000001", "SourceSystem": "NSP", "SentAt": "2026-11-23T09:15:00+08:00"}
    with pytest.raises(Fault) as fault:
        client(hub).service.CreateWorkOrder(**create_work_order("x", Header=header))
    assert "may not send as NSP" in fault.value.message


def raw(hub, body: bytes, action: str | None, command_set="workorder", content_type="text/xml; charset=utf-8"):
    headers = {"content-type": content_type}
    if action is not None:
        headers["soapaction"] = f'"{action}"'
    return httpx.post(hub.soap(command_set), content=body, headers=headers)


def fault_of(response: httpx.Response) -> tuple[str, str]:
    root = etree.fromstring(response.content)
    return root.findtext(".//faultcode"), root.findtext(".//faultstring")


def test_soap_action_must_match_the_operation(hub, examples_dir):
    document = (examples_dir / "workorder" / "QueryWorkOrder.valid.xml").read_bytes()
    body = envelope(document, security_header("cs-frontend", "cs-dev-password"))
    response = raw(hub, body, "CreateWorkOrder")
    assert response.status_code == 500
    assert fault_of(response)[0] == "soap:Client.SoapActionMismatch"
    missing = raw(hub, envelope(document, security_header("cs-frontend", "cs-dev-password")), None)
    assert fault_of(missing)[0] == "soap:Client.SoapActionMismatch"
    ok = raw(hub, envelope(document, security_header("cs-frontend", "cs-dev-password")), "QueryWorkOrder")
    assert ok.status_code == 200, ok.text


def test_unknown_operation_wrong_namespace_and_malformed_xml_say_so(hub, examples_dir):
    header = security_header("cs-frontend", "cs-dev-password")
    unknown = envelope(b'<wo:CancelEverything xmlns:wo="urn:onepoint:workorder:1"/>', header)
    code, message = fault_of(raw(hub, unknown, "CancelEverything"))
    assert code == "soap:Client.UnknownOperation" and "CancelEverything" in message
    boss_doc = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes()
    code, message = fault_of(
        raw(hub, envelope(boss_doc, security_header("cs-frontend", "cs-dev-password")), "QueryCustomerTier")
    )
    assert code == "soap:Client.UnknownOperation" and "wrong namespace" in message
    code, message = fault_of(raw(hub, b"<soap:Envelope xmlns:soap='x'><unclosed>", "CreateWorkOrder"))
    assert code == "soap:Client.MalformedXml" and "not well-formed" in message


def test_envelope_shape_errors_are_faults(hub):
    header = security_header("cs-frontend", "cs-dev-password")
    soap12 = b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>'
    assert fault_of(raw(hub, soap12, "X"))[0] == "soap:VersionMismatch"
    no_body = (
        f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>{header}</s:Header></s:Envelope>'
    )
    assert fault_of(raw(hub, no_body.encode(), "X"))[0] == "soap:Client.NoBody"
    assert fault_of(raw(hub, envelope(b"", header), "X"))[0] == "soap:Client.BodyCount"
    assert fault_of(raw(hub, b"<notsoap/>", "X"))[0] == "soap:Client.NotSoap"
    wrong_type = raw(hub, b"<x/>", "X", content_type="application/json")
    assert wrong_type.status_code == 500 and fault_of(wrong_type)[0] == "soap:Client.UnsupportedMediaType"
    assert wrong_type.headers["x-onepoint-refusal"] == "unsupported-media-type"
    as_soap12 = raw(hub, soap12, "X", content_type='application/soap+xml; charset=utf-8; action="X"')
    assert fault_of(as_soap12)[0] == "soap:VersionMismatch" and "SOAP 1.1" in fault_of(as_soap12)[1]


def test_unknown_command_set_is_a_fault(hub):
    response = httpx.get(f"{hub.base_url}/soap/billing?wsdl")
    assert response.status_code == 500 and response.headers["x-onepoint-refusal"] == "unknown-endpoint"
    assert "no command set 'billing'" in fault_of(response)[1]


def test_wsdl_types_are_the_command_set_xsds(hub, registry):
    wsdl = etree.fromstring(httpx.get(f"{hub.soap('boss')}?wsdl").content)
    xs = "http://www.w3.org/2001/XMLSchema"
    schemas = wsdl.findall(f"{{http://schemas.xmlsoap.org/wsdl/}}types/{{{xs}}}schema")
    assert [s.get("targetNamespace") for s in schemas] == [C, "urn:onepoint:boss:1"]

    def shape(schema):
        return [(e.tag, dict(e.attrib)) for e in schema.iter(etree.Element) if e.tag != f"{{{xs}}}import"]

    original = etree.parse(str(registry.get("boss").path)).getroot()
    assert shape(schemas[1]) == shape(original)
    operations = {o.get("name") for o in wsdl.iter("{http://schemas.xmlsoap.org/wsdl/}operation")}
    assert operations == set(registry.get("boss").commands)
