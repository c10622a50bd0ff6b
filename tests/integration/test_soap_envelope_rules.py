"""SOAP 1.1 envelope rules through the real HTTP ingress: each broken rule is a Fault naming it, nothing is
routed, and the hub goes on serving. Also: a byte-order mark that agrees with the declaration is accepted on both
ingresses (the disagreeing ones are hostile cases, see test_hostile_input.py)."""

import itertools

import httpx
import pytest
from lxml import etree

from hub.soap.namespaces import ACTOR_NEXT, SOAP_NS
from tests.support.hostile import VALID_BODY
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.integration

_serial = itertools.count(1)
TRACE = '<t:Trace xmlns:t="urn:example:trace" xmlns:soap="{soap}"{attrs}>abc</t:Trace>'


def command() -> bytes:
    return VALID_BODY.replace(b"cs-hostile-000001", f"cs-rules-{next(_serial):08d}".encode())


def token() -> str:
    return security_header("cs-frontend", "cs-dev-password")


def trace(attrs: str) -> str:
    return TRACE.format(soap=SOAP_NS, attrs=attrs)


def post_soap(hub, body: bytes, charset: str = "utf-8") -> httpx.Response:
    headers = {"content-type": f"text/xml; charset={charset}", "soapaction": '"QueryWorkOrder"'}
    return httpx.post(hub.soap("workorder"), content=body, headers=headers)


def post_xml(hub, body: bytes) -> httpx.Response:
    headers = {"content-type": "application/xml", "authorization": "Bearer cs-dev-token"}
    return httpx.post(hub.xml("workorder"), content=body, headers=headers)


def fault_of(response: httpx.Response) -> tuple[str, str, str]:
    root = etree.fromstring(response.content)
    return (root.findtext(".//faultcode"), root.findtext(".//faultstring"),
            root.findtext(".//{urn:onepoint:common:1}Code"))


def assert_refused(hub, body: bytes, faultcode: str) -> str:
    """Refused with ``faultcode``, nothing routed, the hub still accepts a good request; the faultstring."""
    before = len(hub.router.envelopes)
    response = post_soap(hub, body)
    assert response.status_code == 500, response.text
    code, message, _ = fault_of(response)
    assert code == faultcode, message
    assert len(hub.router.envelopes) == before
    assert post_soap(hub, envelope(command(), token())).status_code == 200
    return message


def assert_accepted(hub, body: bytes) -> None:
    before = len(hub.router.envelopes)
    response = post_soap(hub, body)
    assert response.status_code == 200, response.text
    assert len(hub.router.envelopes) == before + 1


def test_a_header_block_the_hub_must_but_does_not_understand_is_a_must_understand_fault(hub):
    body = envelope(command(), token() + trace(' soap:mustUnderstand="1"'))
    message = assert_refused(hub, body, "soap:MustUnderstand")
    assert "Trace (urn:example:trace)" in message
    response = post_soap(hub, body)
    assert response.headers["x-onepoint-refusal"] == "must-understand"


@pytest.mark.parametrize(
    "attrs",
    ["", ' soap:mustUnderstand="0"', ' soap:mustUnderstand="1" soap:actor="http://example.com/audit"'],
    ids=["no-must-understand", "must-understand-0", "for-another-actor"],
)
def test_a_header_block_the_hub_need_not_understand_is_ignored(hub, attrs):
    assert_accepted(hub, envelope(command(), token() + trace(attrs)))


def test_a_header_block_for_the_next_actor_is_the_hubs_to_understand(hub):
    body = envelope(command(), token() + trace(f' soap:mustUnderstand="1" soap:actor="{ACTOR_NEXT}"'))
    assert_refused(hub, body, "soap:MustUnderstand")


def test_wsse_security_marked_must_understand_is_understood(hub):
    marked = token().replace("<wsse:Security ", f'<wsse:Security xmlns:soap="{SOAP_NS}" soap:mustUnderstand="1" ')
    assert_accepted(hub, envelope(command(), marked))


def test_two_security_headers_without_an_actor_are_refused(hub):
    message = assert_refused(hub, envelope(command(), token() + token()), "soap:Client.DuplicateSecurityHeader")
    assert "WS-Security" in message


def test_text_in_the_body_is_refused(hub):
    body = envelope(command(), token()).replace(b"<soap:Body>", b"<soap:Body>loose text")
    message = assert_refused(hub, body, "soap:Client.TextContent")
    assert "soap:Body" in message and "loose text" in message


def test_an_unqualified_element_after_the_body_is_refused_and_a_qualified_one_is_not(hub):
    body = envelope(command(), token()).replace(b"</soap:Envelope>", b"<Trailer/></soap:Envelope>")
    assert "'Trailer'" in assert_refused(hub, body, "soap:Client.UnqualifiedElement")
    qualified = b'<t:Trailer xmlns:t="urn:example:trace"/></soap:Envelope>'
    assert_accepted(hub, envelope(command(), token()).replace(b"</soap:Envelope>", qualified))


def test_the_header_must_come_before_the_body(hub):
    late = envelope(command()).replace(b"<soap:Header></soap:Header>", b"").replace(
        b"</soap:Envelope>", f"<soap:Header>{token()}</soap:Header></soap:Envelope>".encode()
    )
    assert_refused(hub, late, "soap:Client.EnvelopeOrder")


@pytest.mark.parametrize(
    ("prolog", "encoding"),
    [('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n', "utf-8"),
     ('<?xml version="1.0" encoding="UTF-16"?>\n', "utf-16")],
    ids=["utf8-bom-utf8", "utf16-bom-utf16"],
)
def test_a_byte_order_mark_that_agrees_with_the_declaration_is_accepted_on_both_ingresses(hub, prolog, encoding):
    before = len(hub.router.envelopes)
    xml = post_xml(hub, (prolog + command().decode()).encode(encoding))
    assert xml.status_code == 202, xml.text
    soap = post_soap(hub, (prolog + envelope(command(), token()).decode()).encode(encoding), charset=encoding)
    assert soap.status_code == 200, soap.text
    assert len(hub.router.envelopes) == before + 2


@pytest.mark.parametrize(
    ("prolog", "encoding", "says"),
    [('\ufeff<?xml version="1.0" encoding="ISO-8859-1"?>\n', "utf-8", "UTF-8"),
     ('<?xml version="1.0" encoding="UTF-8"?>\n', "utf-16", "UTF-16LE")],
    ids=["utf8-bom-latin1", "utf16-bom-utf8"],
)
def test_a_byte_order_mark_the_declaration_contradicts_is_named_on_both_ingresses(hub, prolog, encoding, says):
    before = len(hub.router.envelopes)
    xml = post_xml(hub, (prolog + command().decode()).encode(encoding))
    assert xml.status_code == 400
    error = etree.fromstring(xml.content)
    assert error.findtext("{urn:onepoint:common:1}Code") == "malformed"
    assert f"byte-order mark says {says}" in error.findtext(".//{urn:onepoint:common:1}Reason")
    soap = post_soap(hub, (prolog + envelope(command(), token()).decode()).encode(encoding))
    code, message, _ = fault_of(soap)
    assert (soap.status_code, code) == (500, "soap:Client.MalformedXml")
    assert f"byte-order mark says {says}" in message
    assert len(hub.router.envelopes) == before
