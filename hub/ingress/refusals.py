"""How the ingress answers a refused request: a ``c:Error`` document (XML) or a SOAP Fault, with its code in
the `REFUSAL_HEADER` for clients and for metrics."""

from __future__ import annotations

from starlette.responses import Response

from hub.soap.fault import SoapFault
from hub.validation.error_document import error_bytes
from hub.validation.violations import Violation

__all__ = ["REFUSAL_HEADER", "error_document", "fault_response"]

REFUSAL_HEADER = "X-OnePoint-Refusal"  # the error code of a refused request, for clients and for metrics


def error_document(
    status: int, code: str, message: str, violations: list[Violation] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An XML-over-HTTP error answer: a ``c:Error`` document (valid against common.xsd)."""
    return Response(error_bytes(code, message, violations or []), status_code=status, media_type="application/xml",
                    headers={REFUSAL_HEADER: code, **(headers or {})})


def fault_response(fault: SoapFault) -> Response:
    """The SOAP 1.1 Fault answer to a refused SOAP request."""
    return Response(fault.document(), status_code=fault.status, media_type="text/xml; charset=utf-8",
                    headers={REFUSAL_HEADER: fault.code})
