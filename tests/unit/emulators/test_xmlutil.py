"""Operation extraction and SOAP faults."""

from __future__ import annotations

import pytest
from lxml import etree

from emulators.toolkit import UnsafeXMLError, parse_xml, root_element_operation, soap11_fault, soap_body_operation
from tests.unit.emulators.demo_apps import SOAP_ENV, ping, soap_request

pytestmark = pytest.mark.unit


def test_root_element_operation():
    assert root_element_operation(ping()) == "Ping"
    assert root_element_operation(b"not xml") is None
    assert root_element_operation(b"") is None


def test_soap_body_operation():
    assert soap_body_operation(soap_request("QueryCustomerTier")) == "QueryCustomerTier"
    soap12 = (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Header/><e:Body>'
              b"<!-- c --><x:SyncHlr xmlns:x='urn:b'/></e:Body></e:Envelope>")
    assert soap_body_operation(soap12) == "SyncHlr"
    assert soap_body_operation(ping()) is None  # not an envelope
    assert soap_body_operation(f'<e:Envelope xmlns:e="{SOAP_ENV}"/>'.encode()) is None  # no Body


def test_parse_xml_refuses_doctype():
    with pytest.raises(UnsafeXMLError, match="DOCTYPE"):
        parse_xml(b"<!DOCTYPE r><r/>")
    with pytest.raises(UnsafeXMLError):
        parse_xml(b"<r>")


def test_soap_fault_shape():
    root = etree.fromstring(soap11_fault("boom <&>", "Server"))
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    code = fault.findtext("faultcode")
    assert code == "soap11env:Server"
    assert root.nsmap["soap11env"] == SOAP_ENV
    assert fault.findtext("faultstring") == "boom <&>"
