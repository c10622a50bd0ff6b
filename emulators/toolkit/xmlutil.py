"""Safe XML helpers shared by the emulators: a hardened parser, operation extractors, SOAP 1.1 faults.

The parser never loads a DTD, never resolves entities, never touches the network, and :func:`parse_xml`
refuses any document that carries a DOCTYPE at all. lxml parsers are not shared between threads, so each
thread gets its own.
"""

from __future__ import annotations

import threading

from lxml import etree

__all__ = [
    "SOAP11_ENV_NS",
    "SOAP12_ENV_NS",
    "UnsafeXMLError",
    "local_name",
    "parse_xml",
    "root_element_operation",
    "soap11_fault",
    "soap_body_operation",
]

SOAP11_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope"
_ENVELOPES = {f"{{{SOAP11_ENV_NS}}}Envelope", f"{{{SOAP12_ENV_NS}}}Envelope"}

_local = threading.local()


class UnsafeXMLError(ValueError):
    """The document is not well-formed or uses a feature we refuse (DOCTYPE, entities)."""


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted bytes with the hardened parser; raises :class:`UnsafeXMLError`."""
    if not data:
        raise UnsafeXMLError("empty document")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXMLError(f"not well-formed: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXMLError("documents with a DOCTYPE are refused")
    return root


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
    nsmap = {"soap11env": SOAP11_ENV_NS}
    envelope = etree.Element(f"{{{SOAP11_ENV_NS}}}Envelope", nsmap=nsmap)
    body = etree.SubElement(envelope, f"{{{SOAP11_ENV_NS}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP11_ENV_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap11env:{faultcode}"
    etree.SubElement(fault, "faultstring").text = faultstring
    etree.SubElement(fault, "faultactor").text = ""
    if detail is not None:
        etree.SubElement(fault, "detail").text = detail
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
