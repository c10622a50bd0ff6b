"""hub.gateways.soap_answers: a raw SOAP answer as the XSD-valid response document, or the failure it means."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.gateways import InvalidAnswer, SystemRefused, SystemUnavailable
from hub.gateways.soap_answers import SOAP12_NS, soap_answer
from hub.validation import ParserLimits
from tests.unit.adapters.soap_kit import example, registry, soap_fault
from tests.unit.adapters.soap_kit import soap_answer as envelope_of

pytestmark = pytest.mark.unit
BOSS = "urn:onepoint:boss:1"


def read(status: int, content: bytes, operation: str = "QueryCustomerTier") -> etree._Element:
    return soap_answer("boss", operation, registry().get("boss"), status, "Reason", content, ParserLimits())


def tier_answer() -> bytes:
    return envelope_of(example("boss/responses/QueryCustomerTierResponse.xml"))


def test_the_body_child_comes_out_valid_with_the_hub_prefixes() -> None:
    document = read(200, tier_answer())
    assert document.tag == f"{{{BOSS}}}QueryCustomerTierResponse"
    assert document.getparent() is None
    assert set(document.nsmap) == {"boss", "c"}
    assert document.findtext(f"{{{BOSS}}}Msisdn")


@pytest.mark.parametrize(("status", "content", "kind", "code"), [
    (500, soap_fault("Server", "database unavailable"), SystemUnavailable, None),
    (500, soap_fault("Client.SubscriberNotFound", "subscriber not found"), SystemRefused, "Client.SubscriberNotFound"),
    (200, soap_fault("Client.SchemaValidationError", "bad Msisdn"), SystemRefused, "Client.SchemaValidationError"),
    (503, b"<html>maintenance</html>", SystemUnavailable, None),
    (502, b"", SystemUnavailable, None),
    (404, b"not found", SystemRefused, "404"),
    (500, envelope_of(b'<x:Other xmlns:x="urn:x"/>'), SystemUnavailable, None),
])
def test_faults_and_statuses_keep_their_classification(status: int, content: bytes, kind: type[Exception],
                                                       code: str | None) -> None:
    with pytest.raises(kind) as failed:
        read(status, content)
    if code is not None:
        assert isinstance(failed.value, SystemRefused) and failed.value.code == code


def test_a_soap12_fault_is_read_from_code_and_reason() -> None:
    fault = (f'<e:Envelope xmlns:e="{SOAP12_NS}"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code>'
             f'<e:Reason><e:Text>busy</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>').encode()
    with pytest.raises(SystemUnavailable, match="Receiver: busy"):
        read(500, fault)


@pytest.mark.parametrize(("content", "reason"), [
    (b"<xhtml>maintenance</xhtml>", "not XML of SOAP"),
    (b"<<<", "not XML"),
    (envelope_of(b'<x:Other xmlns:x="urn:x"/>'), "is not QueryCustomerTierResponse"),
    (envelope_of(b"<boss:QueryCustomerTierResponse xmlns:boss='urn:onepoint:boss:1'/>"), "fails its XSD"),
    (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>',
     "holds 0 elements"),
])
def test_what_is_not_the_expected_answer_is_invalid(content: bytes, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        read(200, content)


@pytest.mark.parametrize(("content", "content_type"), [
    (b"<html><head><title>Down for maintenance</title></head><body>back soon</body></html>", None),
    (b"<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>", None),
    (b"<p>Please sign in to the portal</p>", "text/html; charset=utf-8"),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "application/xhtml+xml"),
])
def test_a_web_page_answered_with_200_is_a_proxy_s_page_the_system_is_unavailable(content: bytes,
                                                                                 content_type: str | None) -> None:
    """A maintenance page or a portal is not BOSS's answer to this message: transient, so the circuit opens and
    the messages wait instead of each being dead-lettered as an invalid answer."""
    with pytest.raises(SystemUnavailable, match="answered a web page") as raised:
        soap_answer("boss", "QueryCustomerTier", registry().get("boss"), 200, "OK", content, ParserLimits(),
                    content_type=content_type)
    assert not isinstance(raised.value, InvalidAnswer)
    if b"maintenance" in content:
        assert "Down for maintenance" in str(raised.value)


def test_the_answer_of_another_operation_is_invalid() -> None:
    with pytest.raises(InvalidAnswer, match="is not SyncHLRResponse"):
        read(200, tier_answer(), operation="SyncHLR")


def test_a_doctype_is_refused_before_it_is_read() -> None:
    with pytest.raises(InvalidAnswer, match="DOCTYPE"):
        read(200, b'<!DOCTYPE x [<!ENTITY a "b">]>' + tier_answer())


S11 = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.mark.parametrize("fault", [
    f'<Envelope xmlns="{S11}"><Body><Fault><faultcode>Server</faultcode><faultstring>db down</faultstring></Fault>'
    f"</Body></Envelope>",
    f'<soap:Envelope xmlns:soap="{S11}"><soap:Body><soap:Fault><soap:faultcode>soap:Server</soap:faultcode>'
    f"<soap:faultstring>db down</soap:faultstring></soap:Fault></soap:Body></soap:Envelope>",
], ids=["default-namespace", "qualified-children"])
def test_a_soap11_fault_whose_children_are_in_the_envelopes_namespace_is_read_by_local_name(fault: str) -> None:
    with pytest.raises(SystemUnavailable, match="SOAP fault Server: db down"):
        read(500, fault.encode())


def test_a_soap11_fault_whose_code_cannot_be_read_is_judged_by_its_http_status() -> None:
    fault = (f'<soap:Envelope xmlns:soap="{S11}"><soap:Body><soap:Fault><faultstring>db down</faultstring>'
             f"</soap:Fault></soap:Body></soap:Envelope>").encode()
    with pytest.raises(SystemUnavailable, match="HTTP 500 Reason: db down"):
        read(500, fault)
    with pytest.raises(SystemRefused, match=r"refused \(Fault\)"):  # a fault answered 200 says nothing more
        read(200, fault)


WCF_DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def qualified_fault(code: str, declarations: str, envelope: str = S11) -> bytes:
    return (f'<s:Envelope xmlns:s="{envelope}"><s:Body><s:Fault><faultcode {declarations}>{code}</faultcode>'
            f"<faultstring>said</faultstring></s:Fault></s:Body></s:Envelope>").encode()


def test_a_wcf_internal_service_fault_with_http_500_is_the_server_failing_transient() -> None:
    """WCF answers an unhandled exception (its database down) with a:InternalServiceFault in its dispatcher's
    namespace: a code of its own, so HTTP 500 says what it means: retried, not dead-lettered."""
    with pytest.raises(SystemUnavailable, match="InternalServiceFault"):
        read(500, qualified_fault("a:InternalServiceFault", f'xmlns:a="{WCF_DISPATCHER}"'))


@pytest.mark.parametrize(("status", "content", "code"), [
    (400, qualified_fault("a:InternalServiceFault", f'xmlns:a="{WCF_DISPATCHER}"'), "InternalServiceFault"),
    (200, qualified_fault("app:NoSuchThing", 'xmlns:app="urn:app"'), "NoSuchThing"),
    (500, qualified_fault("o:FailedAuthentication", f'xmlns:o="{WSSE}"'), "wsse:FailedAuthentication"),
    (500, qualified_fault("env:Client.SubscriberNotFound", f'xmlns:env="{S11}"'), "Client.SubscriberNotFound"),
    (500, qualified_fault("s:MustUnderstand", ""), "MustUnderstand"),
    (500, qualified_fault("s:VersionMismatch", ""), "VersionMismatch"),
])
def test_client_side_codes_of_any_prefix_and_foreign_codes_not_answered_5xx_are_permanent(
        status: int, content: bytes, code: str) -> None:
    with pytest.raises(SystemRefused) as refused:
        read(status, content)
    assert refused.value.code == code


@pytest.mark.parametrize("content", [
    qualified_fault("x:Server.Busy", f'xmlns:x="{S11}"'),
    qualified_fault("s:Server", ""),
    qualified_fault("Receiver", ""),
    qualified_fault("app:Server", 'xmlns:app="urn:app"'),  # not the SOAP Server, but answered 500
], ids=["server-busy-other-prefix", "server", "unqualified-receiver", "foreign-server"])
def test_server_codes_resolved_by_namespace_are_transient(content: bytes) -> None:
    with pytest.raises(SystemUnavailable):
        read(500, content)


def test_a_foreign_code_named_client_is_judged_by_its_status_not_its_name() -> None:
    with pytest.raises(SystemUnavailable):
        read(500, qualified_fault("app:Client", 'xmlns:app="urn:app"'))
