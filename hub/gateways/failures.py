"""What a failed call to a backend system means for the message that caused it: try again, or give up.

``failure_of(system, operation, exc)`` turns whatever the HTTP or SOAP stack raised into the worker's vocabulary:

* **transient** (``SystemUnavailable``, a ``TransientError``: retried in-process, then through the delay tiers):
  connect/read timeouts, refused or reset connections, HTTP 5xx, 408 and 429, SOAP ``Server``/``Receiver`` faults;
* **permanent** (``SystemRefused`` / ``InvalidAnswer``, ``PermanentError``\\ s: dead-lettered at once with the
  reason): HTTP 4xx, SOAP ``Client``/``Sender`` faults (and WS-Security refusals), arguments the operation does not
  take, an answer that is not the XML it should be or fails its XSD.

``SystemRefused.code`` keeps the fault code (``Client.SubscriberNotFound``) or the HTTP status, so an adapter can
turn a refusal the system meant (an unknown subscriber) into a ``BusinessRejection``. Reasons mask phone numbers.
"""

from __future__ import annotations

import httpx
from lxml import etree
from zeep.exceptions import Fault as ZeepFault
from zeep.exceptions import TransportError as ZeepTransportError
from zeep.exceptions import ValidationError as ZeepValidationError
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError

from hub.observability.logging import mask_msisdn
from hub.workers.errors import PermanentError, TransientError

__all__ = ["InvalidAnswer", "SystemRefused", "SystemUnavailable", "failure_of", "fault_code", "fault_failure",
           "status_failure"]

RETRYABLE_STATUS = frozenset({408, 429})


class SystemUnavailable(TransientError):
    """The system could not answer now (down, slow, overloaded): worth trying again later."""

    def __init__(self, system: str, operation: str, reason: str) -> None:
        super().__init__(mask_msisdn(f"{system} {operation}: {reason}"))
        self.system = system
        self.operation = operation


class SystemRefused(PermanentError):
    """The system answered and refused the call (a SOAP Client fault, an HTTP 4xx): asking again cannot help."""

    def __init__(self, system: str, operation: str, code: str, reason: str) -> None:
        super().__init__(mask_msisdn(f"{system} {operation} refused ({code}): {reason}"))
        self.system = system
        self.operation = operation
        self.code = code  # fault code without its prefix ("Client.SubscriberNotFound") or the HTTP status ("404")
        self.detail = mask_msisdn(reason)


class InvalidAnswer(PermanentError):
    """The system answered something that is not a valid answer (not XML, not the expected document, fails its XSD)."""

    def __init__(self, system: str, operation: str, reason: str) -> None:
        super().__init__(mask_msisdn(f"{system} {operation}: invalid answer: {reason}"))
        self.system = system
        self.operation = operation


def fault_code(fault: ZeepFault | str | None) -> str:
    """``soap11env:Client.SubscriberNotFound`` → ``Client.SubscriberNotFound`` (``wsse:`` codes keep the prefix)."""
    code = str((fault.code if isinstance(fault, ZeepFault) else fault) or "")
    prefix, _, local = code.rpartition(":")
    return code if prefix == "wsse" else local


def fault_failure(system: str, operation: str, code: str | None,
                  message: str | None) -> TransientError | PermanentError:
    """A SOAP fault with ``code`` (as written, prefix and all): ``Server``/``Receiver`` transient, others refused."""
    local = fault_code(code)
    kind = local.split(".", 1)[0].lower()
    if kind in ("server", "receiver"):
        return SystemUnavailable(system, operation, f"SOAP fault {local}: {message}")
    return SystemRefused(system, operation, local or "Fault", str(message))


def status_failure(system: str, operation: str, status: int, text: str) -> TransientError | PermanentError:
    """An HTTP ``status`` other than success: 5xx, 408, 429 (and no status) transient, other 4xx refused."""
    if status >= 500 or status in RETRYABLE_STATUS or status == 0:
        return SystemUnavailable(system, operation, f"HTTP {status} {text}".rstrip())
    return SystemRefused(system, operation, str(status), f"HTTP {status} {text}".rstrip())


def failure_of(system: str, operation: str, exc: BaseException) -> TransientError | PermanentError:
    """The worker's view of ``exc``, raised by a call to ``operation`` of ``system`` (already classified: as is)."""
    if isinstance(exc, TransientError | PermanentError):
        return exc
    if isinstance(exc, ZeepFault):
        return fault_failure(system, operation, exc.code, exc.message)
    if isinstance(exc, ZeepTransportError):
        return status_failure(system, operation, exc.status_code, str(exc.message or ""))
    if isinstance(exc, httpx.HTTPStatusError):
        return status_failure(system, operation, exc.response.status_code, exc.response.reason_phrase)
    if isinstance(exc, httpx.TimeoutException):
        return SystemUnavailable(system, operation, f"timed out ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError | OSError):
        return SystemUnavailable(system, operation, f"{type(exc).__name__}: {exc}")
    if isinstance(exc, ZeepXMLSyntaxError | etree.XMLSyntaxError):
        return InvalidAnswer(system, operation, f"not XML: {exc}")
    if isinstance(exc, ZeepValidationError | TypeError):  # arguments the operation does not take: a defect
        return SystemRefused(system, operation, "arguments", f"{type(exc).__name__}: {exc}")
    return SystemUnavailable(system, operation, f"{type(exc).__name__}: {exc}")
