"""SOAP 1.1 envelopes on the way in: unwrapping one, and the Fault for each way a request is refused.

Shared by the hub's SOAP ingress and the SOAP emulators' gate, so that both refuse the same things the same way.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from starlette.responses import Response

from hub.ingress.errors import SOAP_NS, soap_fault
from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = ["SoapRefusal", "refusal_fault", "unwrap_envelope"]

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
REFUSAL_FAULTS = {
    RefusalKind.EMPTY: "Client.EmptyBody",
    RefusalKind.TOO_LARGE: "Client.TooLarge",
    RefusalKind.TOO_DEEP: "Client.TooDeep",
    RefusalKind.FORBIDDEN: "Client.Forbidden",
    RefusalKind.MALFORMED: "Client.MalformedXml",
    RefusalKind.UNKNOWN_COMMAND: "Client.UnknownOperation",
    RefusalKind.INVALID: "Client.SchemaValidationError",
}


class SoapRefusal(Exception):
    """A request refused with this Fault response."""

    def __init__(self, response: Response) -> None:
        self.response = response


def refusal_fault(exc: DocumentRefused) -> SoapRefusal:
    """The Fault naming every violation of a refused document (413 for the size cap, else 500)."""
    status = 413 if exc.kind is RefusalKind.TOO_LARGE else 500
    if exc.kind is RefusalKind.INVALID:
        message = f"the document is not valid against its schema ({len(exc.violations)} violation(s))"
    else:
        message = "; ".join(str(v) for v in exc.violations[:3])
    return SoapRefusal(
        soap_fault(REFUSAL_FAULTS[exc.kind], message, code=exc.kind.value, violations=exc.violations, status=status)
    )


def unwrap_envelope(root: Any) -> tuple[Any, Any]:
    """The single Body child and the Header of a SOAP 1.1 envelope, or `SoapRefusal` saying what is wrong."""
    qname = etree.QName(root)
    if qname.namespace == SOAP12_NS:
        raise SoapRefusal(soap_fault("VersionMismatch", "only SOAP 1.1 envelopes are accepted", code="version"))
    if qname.namespace != SOAP_NS or qname.localname != "Envelope":
        raise SoapRefusal(soap_fault(
            "Client.NotSoap", f"the root element must be soap:Envelope, not {qname.text!r}", code="not-soap"
        ))
    body = root.find(f"{{{SOAP_NS}}}Body")
    if body is None:
        raise SoapRefusal(soap_fault("Client.NoBody", "the envelope has no soap:Body", code="no-body"))
    children = [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise SoapRefusal(soap_fault(
            "Client.BodyCount", f"soap:Body must hold exactly one command element, found {len(children)}",
            code="body-count",
        ))
    return children[0], root.find(f"{{{SOAP_NS}}}Header")
