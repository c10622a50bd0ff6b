"""How the ingress answers a refused request: a ``c:Error`` document (XML) or a SOAP Fault, with its code in
the `REFUSAL_HEADER` for clients and for metrics.

Every SOAP Fault is HTTP 500 (WS-I Basic Profile 1.1 R1126: suds, JAX-WS and WCF read a Fault only from a 500,
and report a 503 or 429 as a bare HTTP error); what a status would have said stays in the ``Retry-After`` and
`REFUSAL_HEADER` headers (``throttled``, ``unavailable``, ``busy``, ...). The XML ingress keeps its statuses."""

from __future__ import annotations

from starlette.responses import Response

from hub.soap.fault import SoapFault
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.error_document import error_bytes
from hub.validation.violations import Violation

__all__ = ["FAULT_STATUS", "REFUSAL_HEADER", "error_document", "fault_response", "unknown_endpoint"]

REFUSAL_HEADER = "X-OnePoint-Refusal"  # the error code of a refused request, for clients and for metrics
FAULT_STATUS = 500  # of every SOAP Fault the ingress sends (WS-I Basic Profile 1.1 R1126)
_SHOWN_NAME = 64  # characters of an unknown command set's name repeated in its refusal


def error_document(
    status: int, code: str, message: str, violations: list[Violation] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An XML-over-HTTP error answer: a ``c:Error`` document (valid against common.xsd)."""
    return Response(error_bytes(code, message, violations or []), status_code=status, media_type="application/xml",
                    headers={REFUSAL_HEADER: code, **(headers or {})})


def fault_response(fault: SoapFault) -> Response:
    """The SOAP 1.1 Fault answer to a refused SOAP request: HTTP 500 whatever ``fault.status`` (`FAULT_STATUS`)."""
    return Response(fault.document(), status_code=FAULT_STATUS, media_type="text/xml; charset=utf-8",
                    headers={REFUSAL_HEADER: fault.code})


def unknown_endpoint(registry: CommandSetRegistry, ingress: str, name: str) -> str:
    """Why ``/<ingress>/<name>`` is no endpoint: the known command sets and, for a known set's address with a
    trailing slash, the address to use (answered, never redirected: nothing is built from the ``Host`` header)."""
    shown = name if len(name) <= _SHOWN_NAME else f"{name[:_SHOWN_NAME]}…"
    meant = name.rstrip("/")
    hint = f"; send it to /{ingress}/{meant}, without the trailing slash" if meant != name and meant in registry else ""
    return f"no command set {shown!r}{hint}; known: {', '.join(registry.names())}"
