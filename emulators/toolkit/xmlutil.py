"""Safe XML helpers shared by the emulators: a hardened parser, operation extractors, SOAP 1.1 faults.

:func:`parse_xml` is the hub's hardened parser (`hub.validation.parser`): no DTD in any encoding, no entities,
no network, no XInclude, a depth cap.
"""

from __future__ import annotations

from lxml import etree

from hub.soap.namespaces import SOAP12_NS, SOAP_NS
from hub.validation.parser import DEFAULT_MAX_DEPTH, ParserLimits, parse_document
from hub.validation.violations import DocumentRefused

__all__ = [
    "UnsafeXMLError",
    "local_name",
    "parse_xml",
    "root_element_operation",
    "soap11_fault",
    "soap_body_operation",
]

_ENVELOPES = {f"{{{SOAP_NS}}}Envelope", f"{{{SOAP12_NS}}}Envelope"}

_LIMITS = ParserLimits(max_bytes=16 * 1024 * 1024, max_depth=DEFAULT_MAX_DEPTH)


class UnsafeXMLError(ValueError):
    """The document is not well-formed or uses a feature we refuse (DOCTYPE, entities, XInclude, too deep)."""


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted bytes with the hub's hardened parser; raises :class:`UnsafeXMLError`."""
    try:
        return parse_document(data, _LIMITS)
    except DocumentRefused as exc:
        raise UnsafeXMLError(str(exc)) from exc


def local_name(element: etree._Element) -> str:
    """The local part of an element's tag (``{urn:x}Foo`` -> ``Foo``)."""
    return str(etree.QName(element).localname)


def root_element_operation(body: bytes) -> str | None:
    """Operation of an XML command document: the local name of its root element, or None."""
    try:
        return local_name(parse_xml(body))
    except (UnsafeXMLError, ValueError):
        return None


def soap_body_operation(body: bytes) -> str | None:
    """Operation of a SOAP 1.1/1.2 request: the local name of the first element in Body, or None."""
    try:
        root = parse_xml(body)
    except UnsafeXMLError:
        return None
    if root.tag not in _ENVELOPES:
        return None
    ns = etree.QName(root).namespace
    body_el = root.find(f"{{{ns}}}Body")
    if body_el is None:
        return None
    for child in body_el:
        if isinstance(child.tag, str):
            return local_name(child)
    return None


def soap11_fault(faultstring: str, faultcode: str = "Server", detail: str | None = None) -> bytes:
    """A SOAP 1.1 Fault envelope, shaped like spyne's (``soap11env`` prefix, ``soap11env:Server``)."""
    nsmap = {"soap11env": SOAP_NS}
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap=nsmap)
    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap11env:{faultcode}"
    etree.SubElement(fault, "faultstring").text = faultstring
    etree.SubElement(fault, "faultactor").text = ""
    if detail is not None:
        etree.SubElement(fault, "detail").text = detail
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
