"""Error classification: is a handler's failure worth another attempt?

**Transient** (retried): ``TransientError``, ``TimeoutError`` and ``ConnectionError`` (and other socket
``OSError``\\ s), httpx timeouts and transport errors, httpx/zeep HTTP status 408, 429, 502, 503, 504, and
SOAP *Server* faults marked retryable (a sub-code such as ``Server.Unavailable``/``Server.Busy``/
``Server.Timeout``, or ``retryable`` in the fault detail), and the hub's own transport errors.

**Wait** (neither retried nor counted): ``CallsHeldBack`` (e.g. an open circuit): the system is known to be
down, so the message waits in a delay tier (``Action.WAIT``) however long the outage lasts. It is transient
too (``Classification.transient``), but never retried in-process.

**Permanent** (dead-lettered at once, with the reason): ``PermanentError`` (``BusinessRejection``,
``UnknownCommandError``), a refused document (``DocumentRefused``: e.g. a handler sent an invalid command),
a command no route takes (``NoRouteError``), ``ValueError`` (invalid data, an
undecodable envelope), a value the database refused (``hub.database.refused_value``: PEP 249's ``DataError``, SQLSTATE
class 22 such as a text too long for its column: the same message is refused again), zeep client-side validation
errors, SOAP *Client* faults, any other HTTP 4xx.

A plain SOAP ``Server`` fault (no retryable mark) is permanent unless ``retry_server_faults=True``; any other
exception takes ``default`` (transient: the retry bound caps a bug's cost, the DLQ keeps the message).

Retries of a transient failure: see ``hub.workers.retry`` for the layers and the bound on attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import httpx
from zeep.exceptions import Fault as ZeepFault
from zeep.exceptions import TransportError as ZeepTransportError
from zeep.exceptions import ValidationError as ZeepValidationError

from hub.database import refused_value
from hub.observability.logging import mask_msisdn
from hub.routing.table import NoRouteError
from hub.transport.errors import TransportError as HubTransportError
from hub.validation.violations import DocumentRefused
from hub.workers.errors import CallsHeldBack, PermanentError, TransientError

__all__ = ["RETRYABLE_FAULT_SUBCODES", "RETRYABLE_STATUS", "Classification", "Classifier", "Verdict", "describe"]

RETRYABLE_STATUS = frozenset({408, 429, 502, 503, 504})
RETRYABLE_FAULT_SUBCODES = frozenset({"unavailable", "busy", "timeout", "retry", "retryable", "tryagain"})


class Verdict(Enum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    WAIT = "wait"  # transient, and the system is known to be down: wait without counting an attempt


@dataclass(frozen=True, slots=True)
class Classification:
    verdict: Verdict
    reason: str  # "<ExceptionClass>: <text>", phone numbers masked

    @property
    def transient(self) -> bool:
        """Worth trying again later (retried, or waiting for the system)."""
        return self.verdict is not Verdict.PERMANENT

    @property
    def retried_now(self) -> bool:
        """Worth another attempt within the same delivery (in-process): transient, and not held back."""
        return self.verdict is Verdict.TRANSIENT

    @property
    def waits(self) -> bool:
        """The system is known to be down: the message waits in a delay tier, no attempt is counted."""
        return self.verdict is Verdict.WAIT


def describe(exc: BaseException) -> str:
    """``"<ExceptionClass>: <text>"`` with phone numbers masked, for logs, headers and the DLQ tool."""
    return mask_msisdn(f"{type(exc).__name__}: {exc}")[:500]


def _fault_transient(fault: ZeepFault, retry_server_faults: bool) -> bool:
    code = str(fault.code or "").rsplit(":", 1)[-1]  # "soap11env:Server.Unavailable" -> "Server.Unavailable"
    parts = [p.lower() for p in code.split(".")]
    subcodes = [str(s).rsplit("}", 1)[-1].lower() for s in (fault.subcodes or [])]
    if not parts or parts[0] not in ("server", "receiver"):
        return False
    marks = set(parts[1:]) | set(subcodes)
    detail = fault.detail
    detail_text = "" if detail is None else (detail if isinstance(detail, str) else " ".join(detail.itertext()))
    return bool(marks & RETRYABLE_FAULT_SUBCODES) or "retryable" in detail_text.lower() or retry_server_faults


@dataclass(frozen=True, slots=True)
class Classifier:
    """Callable: ``classifier(exc) -> Classification``. ``extra`` rules run first (first non-None wins)."""

    default: Verdict = Verdict.TRANSIENT
    retry_server_faults: bool = False
    extra: tuple[Callable[[BaseException], Verdict | None], ...] = field(default=())

    def __call__(self, exc: BaseException) -> Classification:
        return Classification(self.verdict(exc), describe(exc))

    def verdict(self, exc: BaseException) -> Verdict:
        for rule in self.extra:
            found = rule(exc)
            if found is not None:
                return found
        return self._builtin(exc)

    def _builtin(self, exc: BaseException) -> Verdict:
        t, p = Verdict.TRANSIENT, Verdict.PERMANENT
        if isinstance(exc, CallsHeldBack):
            return Verdict.WAIT
        if isinstance(exc, TransientError):
            return t
        if isinstance(exc, PermanentError | DocumentRefused | ZeepValidationError | NoRouteError):
            return p
        if isinstance(exc, ZeepFault):
            return t if _fault_transient(exc, self.retry_server_faults) else p
        if isinstance(exc, httpx.HTTPStatusError):
            return t if exc.response.status_code in RETRYABLE_STATUS else p
        if isinstance(exc, ZeepTransportError):
            return t if exc.status_code in RETRYABLE_STATUS or exc.status_code == 0 else p
        if isinstance(exc, httpx.TimeoutException | httpx.TransportError | HubTransportError):
            return t
        if isinstance(exc, TimeoutError | ConnectionError | OSError):
            return t
        if isinstance(exc, ValueError) or refused_value(exc):
            return p
        return self.default
