"""SOAP 1.1 Faults: a refused request as an exception, and its Fault envelope.

A Fault carries a ``c:Error`` detail (common.xsd) naming every violation, so a client sees the same ``Code`` /
``Violation`` list on the SOAP ingress as on the XML ingress; but a Fault of header processing (``MustUnderstand``,
WS-Security ``wsse:*``, a malformed header block: `SoapFault.about_header`) carries none, since SOAP 1.1 §4.4 says
``detail`` MUST NOT carry errors belonging to header entries: its ``faultstring`` says why, and the
``X-OnePoint-Refusal`` response header still gives the code.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from hub.soap.namespaces import SOAP_NS, WSSE_NS
from hub.validation.error_document import error_element
from hub.validation.violations import DocumentRefused, RefusalKind, Violation, invalid_message

__all__ = ["REFUSAL_FAULTCODES", "SoapFault", "refusal_fault"]

REFUSAL_FAULTCODES = {
    RefusalKind.EMPTY: "Client.EmptyBody",
    RefusalKind.TOO_LARGE: "Client.TooLarge",
    RefusalKind.TOO_DEEP: "Client.TooDeep",
    RefusalKind.FORBIDDEN: "Client.Forbidden",
    RefusalKind.MALFORMED: "Client.MalformedXml",
    RefusalKind.UNKNOWN_COMMAND: "Client.UnknownOperation",
    RefusalKind.INVALID: "Client.SchemaValidationError",
}


class SoapFault(Exception):
    """A request refused with a SOAP 1.1 Fault.

    ``faultcode`` is ``Client...``/``Server...``/``VersionMismatch``/``MustUnderstand`` (SOAP namespace) or a
    ``wsse:`` WS-Security code; ``code`` is the ``c:Error`` code of the detail; ``status`` the HTTP status an
    emulated system answers it with (the hub's ingress sends every Fault as 500: ``hub.ingress.refusals``);
    ``header_entry``: the fault is about a header entry (see `about_header`).
    """

    def __init__(
        self, faultcode: str, message: str, *, code: str, violations: Sequence[Violation] = (), status: int = 500,
        header_entry: bool = False,
    ) -> None:
        super().__init__(message)
        self.faultcode = faultcode
        self.message = message
        self.code = code
        self.violations = tuple(violations)
        self.status = status
        self.header_entry = header_entry

    @property
    def about_header(self) -> bool:
        """Whether the fault belongs to a header entry, so its Fault has no ``detail`` (SOAP 1.1 §4.4): a
        ``MustUnderstand`` or WS-Security (``wsse:``) fault, or one raised as ``header_entry``."""
        return self.header_entry or self.faultcode == "MustUnderstand" or self.faultcode.startswith("wsse:")

    @property
    def qualified_faultcode(self) -> str:
        """The faultcode as written in the Fault: ``soap:Client.X`` unless it already has a prefix."""
        return self.faultcode if ":" in self.faultcode else f"soap:{self.faultcode}"

    def document(self) -> bytes:
        """The Fault envelope (UTF-8, with an XML declaration); no ``detail`` when it is `about_header`."""
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS, "wsse": WSSE_NS})
        body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
        fault = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
        etree.SubElement(fault, "faultcode").text = self.qualified_faultcode
        etree.SubElement(fault, "faultstring").text = self.message
        if not self.about_header:
            etree.SubElement(fault, "detail").append(error_element(self.code, self.message, self.violations))
        data: bytes = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        return data


def refusal_fault(exc: DocumentRefused) -> SoapFault:
    """The Fault naming every violation of a refused document (413 for the size cap, else 500)."""
    status = 413 if exc.kind is RefusalKind.TOO_LARGE else 500
    if exc.kind is RefusalKind.INVALID:
        message = invalid_message(exc.violations)
    else:
        message = "; ".join(str(v) for v in exc.violations[:3])
    return SoapFault(REFUSAL_FAULTCODES[exc.kind], message, code=exc.kind.value, violations=exc.violations,
                     status=status)
