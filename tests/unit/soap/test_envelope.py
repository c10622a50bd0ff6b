"""SOAP 1.1 envelope rules of the SOAP library (§4, §4.2.3; WS-Security 1.1 §6.1), without a server."""

import pytest
from lxml import etree

from hub.soap import SoapFault, unwrap_soap_envelope
from hub.soap.header import security_block
from hub.soap.namespaces import ACTOR_NEXT, SOAP_NS, WSSE_NS

pytestmark = pytest.mark.unit

COMMAND = '<wo:QueryWorkOrder xmlns:wo="urn:onepoint:workorder:1"/>'
SECURITY = f'<wsse:Security xmlns:wsse="{WSSE_NS}"{{attrs}}><wsse:UsernameToken/></wsse:Security>'
TRACE = '<t:Trace xmlns:t="urn:example:trace"{attrs}>abc</t:Trace>'


def envelope(inside: str) -> etree._Element:
    return etree.fromstring(f'<soap:Envelope xmlns:soap="{SOAP_NS}">{inside}</soap:Envelope>')


def soap(header: str = "", body: str = COMMAND, after: str = "") -> etree._Element:
    return envelope(f"<soap:Header>{header}</soap:Header><soap:Body>{body}</soap:Body>{after}")


def refused(root: etree._Element) -> SoapFault:
    with pytest.raises(SoapFault) as fault:
        unwrap_soap_envelope(root)
    return fault.value


def test_a_plain_envelope_gives_its_command_and_header():
    message = unwrap_soap_envelope(soap(SECURITY.format(attrs="")))
    assert message.body_entry.tag == "{urn:onepoint:workorder:1}QueryWorkOrder"
    assert message.header is not None and message.header.tag == f"{{{SOAP_NS}}}Header"
    assert unwrap_soap_envelope(envelope(f"<soap:Body>{COMMAND}</soap:Body>")).header is None


@pytest.mark.parametrize("value", ["1", "true", " 1 "])
def test_a_block_we_must_understand_but_do_not_is_a_must_understand_fault(value):
    fault = refused(soap(TRACE.format(attrs=f' soap:mustUnderstand="{value}"')))
    assert fault.qualified_faultcode == "soap:MustUnderstand"
    assert "Trace (urn:example:trace)" in fault.message
    assert (fault.code, fault.status) == ("must-understand", 500)


@pytest.mark.parametrize(
    "attrs",
    ["", ' soap:mustUnderstand="0"', ' soap:mustUnderstand="false"',
     ' soap:mustUnderstand="1" soap:actor="http://example.com/audit"', ' mustUnderstand="1"'],
    ids=["absent", "zero", "false", "other-actor", "unqualified-attribute"],
)
def test_a_block_we_need_not_understand_is_ignored(attrs):
    assert unwrap_soap_envelope(soap(TRACE.format(attrs=attrs))).body_entry is not None


@pytest.mark.parametrize("actor", ["", f' soap:actor="{ACTOR_NEXT}"'], ids=["no-actor", "actor-next"])
def test_a_block_for_us_is_ours_to_understand(actor):
    assert refused(soap(TRACE.format(attrs=f' soap:mustUnderstand="1"{actor}'))).faultcode == "MustUnderstand"


def test_wsse_security_is_understood_even_when_it_must_be():
    root = soap(SECURITY.format(attrs=' soap:mustUnderstand="1"'))
    assert unwrap_soap_envelope(root).body_entry is not None


def test_a_must_understand_that_is_not_a_boolean_is_refused():
    fault = refused(soap(TRACE.format(attrs=' soap:mustUnderstand="yes"')))
    assert fault.faultcode == "Client.InvalidMustUnderstand"


def test_header_blocks_must_be_namespace_qualified():
    fault = refused(soap("<Trace>abc</Trace>"))
    assert fault.faultcode == "Client.UnqualifiedHeader" and "'Trace'" in fault.message


@pytest.mark.parametrize(
    "blocks",
    [
        [""] * 2,
        [' soap:actor="http://example.com/gateway"'] * 2,
        [f' soap:actor="{ACTOR_NEXT}"'] * 2,
    ],
    ids=["two-without-actor", "two-for-one-actor", "two-for-next"],
)
def test_two_security_headers_for_one_actor_are_refused(blocks):
    fault = refused(soap("".join(SECURITY.format(attrs=attrs) for attrs in blocks)))
    assert fault.faultcode == "Client.DuplicateSecurityHeader"
    assert "more than one wsse:Security header" in fault.message


def test_security_headers_for_different_actors_are_allowed_and_ours_is_chosen():
    ours = SECURITY.format(attrs="").replace("<wsse:UsernameToken/>", "<wsse:UsernameToken>mine</wsse:UsernameToken>")
    other = SECURITY.format(attrs=' soap:actor="http://example.com/gateway"')
    nxt = SECURITY.format(attrs=f' soap:actor="{ACTOR_NEXT}"')
    message = unwrap_soap_envelope(soap(other + nxt + ours))
    chosen = security_block(message.header)
    assert chosen is not None and chosen.findtext(f"{{{WSSE_NS}}}UsernameToken") == "mine"
    only_other = unwrap_soap_envelope(soap(other))
    assert security_block(only_other.header) is None


@pytest.mark.parametrize(
    ("body", "where"),
    [(f"text{COMMAND}", "soap:Body"), (f"{COMMAND} tail", "soap:Body"), ("just text", "soap:Body")],
    ids=["before", "after", "only-text"],
)
def test_the_body_holds_element_content_only(body, where):
    fault = refused(soap(body=body))
    assert fault.faultcode == "Client.TextContent" and where in fault.message


def test_whitespace_around_the_command_is_fine():
    assert unwrap_soap_envelope(soap(body=f"\n  {COMMAND}\n")).body_entry is not None


def test_text_directly_in_the_envelope_or_header_is_refused():
    assert refused(envelope(f"text<soap:Body>{COMMAND}</soap:Body>")).faultcode == "Client.TextContent"
    assert refused(soap("loose text")).faultcode == "Client.TextContent"


def test_elements_after_the_body_must_be_namespace_qualified():
    fault = refused(soap(after="<Trailer/>"))
    assert fault.faultcode == "Client.UnqualifiedElement" and "'Trailer'" in fault.message
    assert unwrap_soap_envelope(soap(after='<t:Trailer xmlns:t="urn:example:trace"/>')).body_entry is not None


@pytest.mark.parametrize(
    "inside",
    [
        f"<soap:Body>{COMMAND}</soap:Body><soap:Header/>",
        f"<soap:Header/><soap:Header/><soap:Body>{COMMAND}</soap:Body>",
        f'<t:Before xmlns:t="urn:example:trace"/><soap:Body>{COMMAND}</soap:Body>',
        f"<soap:Body>{COMMAND}</soap:Body><soap:Body>{COMMAND}</soap:Body>",
    ],
    ids=["header-after-body", "two-headers", "element-before-body", "two-bodies"],
)
def test_header_then_body_in_that_order(inside):
    assert refused(envelope(inside)).faultcode == "Client.EnvelopeOrder"


def test_the_fault_document_is_a_soap_fault_with_an_error_detail():
    fault = refused(soap(body=COMMAND + COMMAND))
    document = etree.fromstring(fault.document())
    assert document.findtext(".//faultcode") == "soap:Client.BodyCount"
    assert document.findtext(".//detail/{urn:onepoint:common:1}Error/{urn:onepoint:common:1}Code") == "body-count"


@pytest.mark.parametrize(
    ("header", "faultcode"),
    [
        (TRACE.format(attrs=' soap:mustUnderstand="1"'), "soap:MustUnderstand"),
        (TRACE.format(attrs=' soap:mustUnderstand="yes"'), "soap:Client.InvalidMustUnderstand"),
        ("<Trace>abc</Trace>", "soap:Client.UnqualifiedHeader"),
        (SECURITY.format(attrs="") * 2, "soap:Client.DuplicateSecurityHeader"),
    ],
    ids=["must-understand", "invalid-must-understand", "unqualified-header", "duplicate-security"],
)
def test_a_fault_of_header_processing_has_no_detail(header, faultcode):
    """SOAP 1.1 §4.4: detail MUST NOT carry errors belonging to header entries; the faultstring says why."""
    fault = refused(soap(header))
    document = etree.fromstring(fault.document())
    assert document.findtext(".//faultcode") == faultcode
    assert document.find(f".//{{{SOAP_NS}}}Fault/detail") is None
    assert document.findtext(".//faultstring") == fault.message != ""


@pytest.mark.parametrize("code", ["wsse:FailedAuthentication", "wsse:InvalidSecurity", "wsse:MessageExpired"])
def test_a_ws_security_fault_has_no_detail(code):
    document = etree.fromstring(SoapFault(code, "unknown user or wrong password", code="unauthenticated").document())
    assert document.findtext(".//faultcode") == code
    assert document.find(f".//{{{SOAP_NS}}}Fault/detail") is None
    assert document.findtext(".//faultstring") == "unknown user or wrong password"


@pytest.mark.parametrize(
    "namespace",
    [
        "http://www.w3.org/2003/05/soap-envelope",  # SOAP 1.2
        "http://schemas.xmlsoap.org/soap/envelope",  # SOAP 1.1's without its last slash
        "http://example.org/soap/envelope/",
        "",  # no namespace
    ],
    ids=["soap12", "missing-slash", "other", "none"],
)
def test_an_envelope_in_any_other_namespace_is_a_version_mismatch(namespace):
    """SOAP 1.1 §4.1.2 / §4.4.1: an Envelope in another namespace MUST be answered VersionMismatch."""
    root = etree.fromstring(f'<Envelope xmlns="{namespace}"><Body>{COMMAND}</Body></Envelope>'
                            if namespace else f"<Envelope><Body>{COMMAND}</Body></Envelope>")
    fault = refused(root)
    assert (fault.qualified_faultcode, fault.code) == ("soap:VersionMismatch", "version")
    assert SOAP_NS in fault.message and (namespace or "no namespace") in fault.message


def test_a_root_that_is_no_envelope_is_not_soap():
    fault = refused(etree.fromstring(COMMAND))
    assert (fault.faultcode, fault.code) == ("Client.NotSoap", "not-soap")
