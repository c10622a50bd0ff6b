"""What a failed call to a backend system means for the message that caused it: try again, or give up.

``failure_of(system, operation, exc)`` turns whatever the HTTP or SOAP stack raised into the worker's vocabulary:

* **transient** (``SystemUnavailable``, a ``TransientError``: retried in-process, then through the delay tiers):
  connect/read timeouts, refused or reset connections, HTTP 5xx, 408 and 429, SOAP ``Server``/``Receiver`` faults
  (the SOAP gateway resolves a fault code's prefix: ``hub.gateways.soap_fault_codes``; a code of another namespace
  than SOAP's or WS-Security's, such as WCF's ``InternalServiceFault``, is judged by its HTTP status, 5xx transient);
  HTTP 408, 429 and 503 whatever fault came with them (a throttling system may say ``Client.Throttled``); with a
  ``Retry-After`` (``SystemThrottled``, a ``CallsHeldBack``) the message waits that long in a delay tier instead,
  no attempt counted (``hub.workers.waiting``);
* **permanent** (``SystemRefused`` / ``InvalidAnswer``, ``PermanentError``\\ s: dead-lettered at once with the
  reason): HTTP 4xx, SOAP ``Client``/``Sender`` faults (and WS-Security refusals), arguments the operation does not
  take, an answer that is not the XML it should be or fails its XSD, or is larger than the parser's cap
  (``AnswerTooLarge``, refused before it is read whole).

``SystemRefused.code`` keeps the fault code (``Client.SubscriberNotFound``) or the HTTP status, so an adapter can
turn a refusal the system meant (an unknown subscriber) into a ``BusinessRejection``. An XML system says why in a
``c:Error`` body (``Code``, ``Message``; schemas/common.xsd): read with the hardened parser (at most
``MAX_ERROR_BYTES``, clipped; in the charset its ``Content-Type`` names when its bytes name no encoding,
``hub.gateways.error_answers``), its code and message become the refusal's ``detail`` (and ``error_code``) or the
unavailability's reason. Reasons mask phone numbers.
"""

from __future__ import annotations

import email.utils
import re
import time

import httpx
from lxml import etree
from zeep.exceptions import Fault as ZeepFault
from zeep.exceptions import TransportError as ZeepTransportError
from zeep.exceptions import ValidationError as ZeepValidationError
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError

from hub.gateways.answer_codings import UndecodableAnswer
from hub.gateways.deadline import AnswerTooLarge
from hub.gateways.documents import shortened
from hub.gateways.error_answers import MAX_ERROR_BYTES, answer_codec, error_answer, error_document, error_fields
from hub.gateways.refusal_notice import refusal_notice
from hub.observability.logging import mask_msisdn
from hub.workers.errors import CallsHeldBack, PermanentError, SystemAnsweredFailure, SystemRefusal, TransientError
from hub.workers.failure_classes import FailureClass

__all__ = [
    "MAX_ERROR_BYTES",
    "THROTTLED_STATUS",
    "InvalidAnswer",
    "SystemFailed",
    "SystemRefused",
    "SystemThrottled",
    "SystemUnavailable",
    "answer_codec",
    "error_answer",
    "error_document",
    "error_fields",
    "failure_of",
    "fault_code",
    "fault_failure",
    "retry_after",
    "retry_after_seconds",
    "status_failure",
    "web_page",
]

RETRYABLE_STATUS = frozenset({408, 429})
THROTTLED_STATUS = frozenset({408, 429, 503})  # "try again later" whatever the body says (a Client fault too)


class SystemUnavailable(TransientError):
    """The system could not answer now (down, slow, overloaded): worth trying again later."""

    def __init__(self, system: str, operation: str, reason: str, *, told: str | None = None) -> None:
        super().__init__(mask_msisdn(f"{system} {operation}: {reason}"))
        self.system = system
        self.operation = operation
        self.told = told or f"{system} is unavailable"  # not the reason: it may name addresses


class SystemFailed(SystemUnavailable, SystemAnsweredFailure):
    """The system answered that it failed on the call (a SOAP Server or Receiver fault, an HTTP 500 with its error
    document): transient, and counted as the message's attempt even when the circuit then holds calls back.
    ``code`` and ``detail``: the system's fault code (or ``HTTP 500``) and text, which a waiting caller is told
    (``told``, as a refusal is: ``refusal_notice``)."""

    failure_class = FailureClass.ANSWERED_FAILURE  # it got the call and said it failed on it

    def __init__(self, system: str, operation: str, reason: str, *, code: str = "", detail: str = "") -> None:
        super().__init__(system, operation, reason, told=refusal_notice(system, code, mask_msisdn(detail),
                                                                        what="failed on it") if code else None)


class SystemThrottled(SystemUnavailable, CallsHeldBack):
    """The system asked to be called again later (HTTP 408, 429 or 503 with ``Retry-After``, or a SOAP Fault with
    one): the message waits ``retry_in`` seconds in a delay tier without counting an attempt, as the system said."""

    def __init__(self, system: str, operation: str, reason: str, retry_in: float) -> None:
        super().__init__(system, operation, f"{reason} (Retry-After {retry_in:g} s)")
        self.retry_in = retry_in


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header's wait in seconds (delay-seconds or an HTTP date); None if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # "¹²" is digits to isdigit(), not to float()
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class SystemRefused(SystemRefusal):
    """The system answered and refused the call (a SOAP Client fault, an HTTP 4xx): asking again cannot help.
    ``own``: the refusal is the system's own word (its SOAP fault, its ``c:Error``), so the requester of a
    dead-lettered request is told which system refused it, its code and short text (``told``)."""

    def __init__(self, system: str, operation: str, code: str, reason: str, *, error_code: str | None = None,
                 own: bool = False) -> None:
        super().__init__(mask_msisdn(f"{system} {operation} refused ({code}): {reason}"))
        self.system = system
        self.operation = operation
        self.code = code  # fault code without its prefix ("Client.SubscriberNotFound") or the HTTP status ("404")
        self.detail = mask_msisdn(reason)  # the system's reason: its c:Error "code: message", fault string, status
        self.error_code = error_code  # the Code of the c:Error an XML system refused with ("invalid-period")
        if own:
            said = f"HTTP {code}" if code.isdigit() else code
            self.told = refusal_notice(system, said, self.detail)
            self.refusal_code = error_code or said
            self.failure_class = FailureClass.REFUSED


class InvalidAnswer(PermanentError):
    """The system answered something that is not a valid answer (not XML, not the expected document, fails its XSD):
    it got the call, and may have acted on it."""

    failure_class = FailureClass.UNREADABLE_ANSWER

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
        return SystemFailed(system, operation, f"SOAP fault {local}: {message}", code=local, detail=str(message))
    return SystemRefused(system, operation, local or "Fault", str(message), own=True)


_WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_WEB_PAGE_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)


def web_page(system: str, operation: str, content: bytes, content_type: str | None,
             root: etree._Element | None = None) -> SystemUnavailable | None:
    """A web page answered instead of the system's document: a proxy's, a load balancer's or the server's own page
    (maintenance, a login portal, a stack trace), not the service's answer to this message. Transient, so a system
    behind such a page opens its circuit and the messages wait, rather than each being dead-lettered as an invalid
    answer; None for any other body. A page by its HTML ``Content-Type``, by how it begins, or by its ``root``
    element (the body parsed as XML) being ``html``. The callers ask only of a body that is not the system's own
    document: one labelled ``text/html`` (as PHP labels what it prints) is still its answer."""
    is_html = root is not None and etree.QName(root).localname.lower() == "html"
    if not is_html and (content_type or "").partition(";")[0].strip().lower() not in _WEB_PAGE_TYPES \
            and not _WEB_PAGE_START.match(content[:1024]):
        return None
    title = re.search(rb"<title[^>]*>(.{0,200}?)</title>", content[:8192], re.IGNORECASE | re.DOTALL)
    shown = " ".join(title.group(1).decode("utf-8", "replace").split()) if title else ""
    return SystemUnavailable(system, operation, "answered a web page, not its document (a proxy's or the server's "
                             f"own page){f': {shortened(shown, 120)}' if shown else ''}")


def retry_after(response: httpx.Response, *, any_status: bool = False) -> float | None:
    """The wait a throttling answer (408, 429, 503) asks for with ``Retry-After``; None for any other. ``any_status``:
    at any status (a SOAP Fault is HTTP 500 whatever it says, WS-I BP R1126: its ``Retry-After`` is what marks it
    as "try again later", as the hub's own ingress sends a throttled or unavailable refusal)."""
    if response.status_code not in THROTTLED_STATUS and not any_status:
        return None
    return retry_after_seconds(response.headers.get("retry-after"))


def status_failure(system: str, operation: str, status: int, text: str,
                   error: tuple[str, str] | None = None, retry_after: float | None = None,
                   ) -> TransientError | PermanentError:
    """An HTTP ``status`` other than success: 5xx, 408, 429 (and no status) transient, other 4xx refused. ``error``:
    the ``(code, message)`` of the ``c:Error`` (or SOAP Fault) the system answered with, its reason;
    ``retry_after``: the seconds its ``Retry-After`` asked for (408, 429, 503: ``SystemThrottled``)."""
    said = ": ".join(part for part in error if part) if error else ""
    line = f"HTTP {status} {text}".rstrip()
    if retry_after is not None:  # only a throttling status's, or a SOAP Fault's (``retry_after(any_status=)``)
        return SystemThrottled(system, operation, f"{line}: {said}" if said else line, retry_after)
    if status == 500 and said:  # the system's own error document: it is up, and failed on this call
        return SystemFailed(system, operation, f"{line}: {said}", code=f"HTTP {status}", detail=said)
    if status >= 500 or status in RETRYABLE_STATUS or status == 0:
        return SystemUnavailable(system, operation, f"{line}: {said}" if said else line)
    return SystemRefused(system, operation, str(status), said or line, error_code=(error[0] or None) if error else None,
                         own=bool(said))


def _timeout_class(exc: httpx.TimeoutException) -> FailureClass:
    """A connect or pool timeout: no connection was made; a write or read timeout: the call may have arrived."""
    unconnected = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
    return FailureClass.NOT_CONNECTED if unconnected else FailureClass.TIMED_OUT


def _unreached_class(exc: BaseException) -> FailureClass | None:
    """A connection refused or never made: the system never got the call; a timeout of the socket: it may have;
    any other (a reset, a protocol error after sending): not known."""
    if isinstance(exc, httpx.ConnectError | ConnectionRefusedError):
        return FailureClass.NOT_CONNECTED
    if isinstance(exc, TimeoutError):
        return FailureClass.TIMED_OUT
    return None


def failure_of(system: str, operation: str, exc: BaseException) -> TransientError | PermanentError:
    """The worker's view of ``exc``, raised by a call to ``operation`` of ``system`` (already classified: as is)."""
    if isinstance(exc, TransientError | PermanentError):
        return exc
    if isinstance(exc, AnswerTooLarge | UndecodableAnswer):
        return InvalidAnswer(system, operation, str(exc))
    if isinstance(exc, ZeepFault):
        return fault_failure(system, operation, exc.code, exc.message)
    if isinstance(exc, ZeepTransportError):
        return status_failure(system, operation, exc.status_code, str(exc.message or ""))
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        try:
            error = error_answer(response.content)
        except httpx.ResponseNotRead:  # a streamed answer, its body not read: the status line is the reason
            error = None
        return status_failure(system, operation, response.status_code, response.reason_phrase, error,
                              retry_after(response))
    if isinstance(exc, httpx.TimeoutException):
        timed_out = SystemUnavailable(system, operation, f"timed out ({type(exc).__name__})")
        timed_out.failure_class = _timeout_class(exc)
        return timed_out
    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError | OSError):
        unavailable = SystemUnavailable(system, operation, f"{type(exc).__name__}: {exc}")
        unavailable.failure_class = _unreached_class(exc)
        return unavailable
    if isinstance(exc, ZeepXMLSyntaxError | etree.XMLSyntaxError):
        return InvalidAnswer(system, operation, f"not XML: {exc}")
    if isinstance(exc, ZeepValidationError | TypeError):  # arguments the operation does not take: a defect
        return SystemRefused(system, operation, "arguments", f"{type(exc).__name__}: {exc}")
    return SystemUnavailable(system, operation, f"{type(exc).__name__}: {exc}")
