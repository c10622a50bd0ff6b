"""Error documents (``c:Error``) and SOAP 1.1 Faults that name every violation."""

from __future__ import annotations

from lxml import etree
from starlette.responses import Response

from hub.validation.violations import Violation

__all__ = ["REFUSAL_HEADER", "SOAP_NS", "error_document", "soap_fault"]

REFUSAL_HEADER = "X-OnePoint-Refusal"  # the error code of a refused request, for clients and for metrics

COMMON_NS = "urn:onepoint:common:1"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def _error_element(code: str, message: str, violations: list[Violation]) -> etree._Element:
    error = etree.Element(f"{{{COMMON_NS}}}Error", nsmap={"c": COMMON_NS})
    etree.SubElement(error, f"{{{COMMON_NS}}}Code").text = code
    etree.SubElement(error, f"{{{COMMON_NS}}}Message").text = message
    for violation in violations:
        node = etree.SubElement(error, f"{{{COMMON_NS}}}Violation")
        if violation.line:
            etree.SubElement(node, f"{{{COMMON_NS}}}Line").text = str(violation.line)
        etree.SubElement(node, f"{{{COMMON_NS}}}Path").text = violation.path
        etree.SubElement(node, f"{{{COMMON_NS}}}Reason").text = violation.reason
    return error


def error_document(
    status: int, code: str, message: str, violations: list[Violation] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An XML-over-HTTP error answer: a ``c:Error`` document (valid against common.xsd)."""
    body = etree.tostring(_error_element(code, message, violations or []), xml_declaration=True, encoding="UTF-8")
    return Response(body, status_code=status, media_type="application/xml",
                    headers={REFUSAL_HEADER: code, **(headers or {})})


def soap_fault(
    faultcode: str, message: str, *, code: str, violations: list[Violation] | None = None, status: int = 500
) -> Response:
    """A SOAP 1.1 Fault. ``faultcode`` is ``Client...``/``Server...``/``VersionMismatch`` (SOAP namespace) or a
    ``wsse:`` WS-Security code; the detail carries a ``c:Error`` with every violation."""
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS, "wsse": WSSE_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
    prefix = "" if ":" in faultcode else "soap:"
    etree.SubElement(fault, "faultcode").text = f"{prefix}{faultcode}"
    etree.SubElement(fault, "faultstring").text = message
    detail = etree.SubElement(fault, "detail")
    detail.append(_error_element(code, message, violations or []))
    data = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return Response(data, status_code=status, media_type="text/xml; charset=utf-8", headers={REFUSAL_HEADER: code})
