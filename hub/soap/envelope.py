"""SOAP 1.1 envelopes on the way in (§4): the shape of the envelope, its header blocks and its one Body entry.

Shared by the hub's SOAP ingress and the SOAP emulators' gate, so that both refuse the same things the same way:
the root is ``soap:Envelope`` (an ``Envelope`` in any other namespace, SOAP 1.2's or a misspelt one, is a
``VersionMismatch``: SOAP 1.1 §4.1.2), an optional ``soap:Header`` comes first, then ``soap:Body`` holding exactly
one element and no text, and anything after the Body is namespace-qualified.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from lxml import etree

from hub.soap.fault import SoapFault
from hub.soap.header import UNDERSTOOD, check_header
from hub.soap.namespaces import SOAP12_NS, SOAP_NS

__all__ = ["SoapMessage", "unwrap_soap_envelope"]

_ENVELOPE, _HEADER, _BODY = f"{{{SOAP_NS}}}Envelope", f"{{{SOAP_NS}}}Header", f"{{{SOAP_NS}}}Body"


class SoapMessage(NamedTuple):
    """An envelope that passed the rules: its single Body entry (the command) and its Header, if any."""

    body_entry: etree._Element
    header: etree._Element | None


def _text_fault(where: str, text: str) -> SoapFault:
    shown = text.strip()[:40]
    return SoapFault("Client.TextContent", f"{where} holds element content only; found the text {shown!r}",
                     code="text-content")


def _order_fault(message: str) -> SoapFault:
    return SoapFault("Client.EnvelopeOrder", f"{message} (SOAP 1.1 §4: Header?, Body, qualified elements)",
                     code="envelope-order")


def _header_and_body(root: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    """The Header and Body of the envelope, in the order SOAP 1.1 §4 requires."""
    if root.text is not None and root.text.strip():
        raise _text_fault("soap:Envelope", root.text)
    header: etree._Element | None = None
    body: etree._Element | None = None
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tail is not None and child.tail.strip():
            raise _text_fault("soap:Envelope", child.tail)
        if body is not None:
            if etree.QName(child).namespace is None:
                raise SoapFault("Client.UnqualifiedElement",
                                f"the element {child.tag!r} after soap:Body must be namespace-qualified (SOAP 1.1 §4)",
                                code="unqualified-element")
            if child.tag == _BODY:
                raise _order_fault("a second soap:Body")
            if child.tag == _HEADER:
                raise _order_fault("soap:Header after soap:Body")
        elif child.tag == _BODY:
            body = child
        elif child.tag == _HEADER:
            if header is not None:
                raise _order_fault("a second soap:Header")
            header = child
        else:
            raise _order_fault(f"the element {etree.QName(child).text!r} before soap:Body")
    if body is None:
        raise SoapFault("Client.NoBody", "the envelope has no soap:Body", code="no-body")
    return header, body


def _version_mismatch(namespace: str | None) -> str:
    """Why an ``Envelope`` in another namespace is refused (SOAP 1.1 §4.1.2: any other namespace is a version
    error, a SOAP 1.2 envelope as much as a misspelt 1.1 one), naming the namespace it was in."""
    found = "no namespace" if namespace is None else f"the namespace {namespace[:200]!r}"
    if namespace == SOAP12_NS:
        found += " (SOAP 1.2)"
    return f"only SOAP 1.1 envelopes are accepted: the Envelope must be in {SOAP_NS!r}, not in {found}"


def unwrap_soap_envelope(root: etree._Element, *, understood: Collection[str] = UNDERSTOOD) -> SoapMessage:
    """The single Body entry and the Header of a SOAP 1.1 envelope, or `SoapFault` saying what is wrong.

    ``understood``: Clark names of the header blocks the receiver processes (see `hub.soap.header`)."""
    qname = etree.QName(root)
    if qname.localname == "Envelope" and qname.namespace != SOAP_NS:
        raise SoapFault("VersionMismatch", _version_mismatch(qname.namespace), code="version")
    if root.tag != _ENVELOPE:
        raise SoapFault("Client.NotSoap", f"the root element must be soap:Envelope, not {qname.text!r}",
                        code="not-soap")
    header, body = _header_and_body(root)
    check_header(header, understood)
    if body.text is not None and body.text.strip():
        raise _text_fault("soap:Body", body.text)
    entries = []
    for child in body:
        if child.tail is not None and child.tail.strip():
            raise _text_fault("soap:Body", child.tail)
        if isinstance(child.tag, str):
            entries.append(child)
    if len(entries) != 1:
        raise SoapFault("Client.BodyCount",
                        f"soap:Body must hold exactly one command element, found {len(entries)}", code="body-count")
    return SoapMessage(entries[0], header)
