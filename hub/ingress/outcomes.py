"""Why a request was refused, once for both ingresses: every failure of the acceptance path as a `Refusal`.

`refusal_for` maps an exception to (status, code, message, violations, retry-after) and logs it the way an
operator wants: a broker outage or a throttled sign-in flood is one WARNING line (no traceback; repeats
within a few seconds are counted, not logged), an unexpected error keeps its traceback. Each ingress renders
the refusal in its protocol: a ``c:Error`` document (XML) or a SOAP Fault.

A failure that came after the request was handed on (the system's own refusal, ``system-unavailable`` while the
request is kept, a dead letter, a bad reply or none from a handler that carried the request out, no answer in
time) is no refusal of the ingress: its ``answer`` names
it among `ERROR_ANSWERS`, and ``/metrics`` counts it in ``onepoint_error_answers_total{code}``, not in
``onepoint_messages_refused_total`` (which counts only what was refused before anything was handed on).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.requests import Request

from hub.ingress.body import UnsupportedContentEncoding
from hub.ingress.replies import BadReply, ReplyRefusal
from hub.observability.printable import printable
from hub.observability.quiet import QuietLog as _QuietLog
from hub.routing.broker_router import BrokerUnavailableError
from hub.routing.reply_timeouts import ReplyTimedOut
from hub.routing.router import MessageIdReused
from hub.routing.table import NoRouteError
from hub.security.callers import AuthenticationFailed, NotAuthorized
from hub.security.nonces import NonceStoreDown
from hub.security.throttle import SignInThrottled
from hub.transport.errors import (
    PublisherUnavailableError,
    PublishOutcomeUnknownError,
    QueueFullError,
    RequestTimeoutError,
    TransportError,
)
from hub.validation.violations import DocumentRefused, RefusalKind, Violation, invalid_message
from hub.values import value_class
from hub.workers.caller_wait import SYSTEM_UNAVAILABLE, retry_after
from hub.workers.fingerprint import MESSAGE_ID_REUSED
from hub.workers.reply import NO_ANSWER
from hub.workers.worker import DEAD_LETTERED

__all__ = ["BAD_REPLY", "ERROR_ANSWERS", "SHOWN_USERNAME", "QuietLog", "Refusal", "error_answer_of", "noted",
           "refusal_for", "shown_username", "timeout_message"]

log = logging.getLogger("onepoint.ingress")

RETRY_UNAVAILABLE = 5  # seconds a caller is asked to wait after a broker outage refusal
REJECTED = "rejected"  # the error answer of a request its system refused (any of its own c:Error codes, 422)
TIMEOUT = "timeout"
BAD_REPLY = "bad-reply"
# onepoint_error_answers_total's codes: a fixed set, whatever codes the systems behind the hub answer with
ERROR_ANSWERS = (REJECTED, SYSTEM_UNAVAILABLE, DEAD_LETTERED, MESSAGE_ID_REUSED, BAD_REPLY, TIMEOUT)
SHOWN_USERNAME = 64  # characters of a failed sign-in's username in its log line: a guesser chooses its length


@value_class
class Refusal:
    """What a refused caller is told. ``status`` is the HTTP status of the XML ingress (the SOAP ingress sends
    every Fault as 500, WS-I Basic Profile R1126: ``Retry-After`` and the code header say the rest).
    ``document``: a ``c:Error`` to pass on as it is (a backend's refusal of a request)."""

    status: int
    code: str
    message: str
    violations: tuple[Violation, ...] = ()
    retry_after: int | None = None
    document: bytes | None = None
    auth_code: str | None = None  # the WS-Security fault code of an authentication failure
    answer: str | None = None  # handed on before it failed: its code among ERROR_ANSWERS (None: the ingress refused)

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


def shown_username(username: str | None) -> str | None:
    """A failed sign-in's username for its log line: as written, its control characters and bidi overrides escaped
    (``\\x1b``), its first `SHOWN_USERNAME` characters and its length when it is longer."""
    if username is None or len(username) <= SHOWN_USERNAME:
        return None if username is None else printable(username)
    return f"{printable(username[:SHOWN_USERNAME])}... ({len(username)} characters)"


def noted(request: Request, refusal: Refusal) -> Refusal:
    """``refusal``, its ``answer`` (if any) noted on ``request`` for ``/metrics`` (`error_answer_of`): an endpoint
    notes every refusal it renders, so that the app counts an accepted request's error answer as such."""
    if refusal.answer is not None:
        request.state.error_answer = refusal.answer
    return refusal


def error_answer_of(request: Request) -> str | None:
    """The error answer noted on ``request`` (`noted`), among `ERROR_ANSWERS`; None when none was."""
    answer = getattr(request.state, "error_answer", None)
    return answer if isinstance(answer, str) else None


class QuietLog(_QuietLog):
    """``hub.observability.quiet.QuietLog`` on the ingress's logger: one WARNING line for a flood, then at most one
    every ``interval`` seconds counting the events in between."""

    def __init__(self, event: str, interval: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(event, interval, clock, logger=log)


_outages = QuietLog("broker unavailable: commands refused (503)")
_throttled = QuietLog("failed sign-ins throttled (429)")
_unconfirmed = QuietLog("commands handed to the broker but not confirmed: outcome unknown (504)")


def refusal_for(
    exc: BaseException, *, system: str, outages: QuietLog = _outages, throttled: QuietLog = _throttled
) -> Refusal:
    """The refusal for a failure of the acceptance path of a request to command set ``system``."""
    if isinstance(exc, UnsupportedContentEncoding):  # RFC 9110 §15.5.16: 415 names what the body is sent in
        return Refusal(415, "unsupported-content-encoding", exc.violations[0].reason, tuple(exc.violations))
    if isinstance(exc, DocumentRefused):
        message = invalid_message(exc.violations) if exc.kind is RefusalKind.INVALID else str(exc)
        status = 413 if exc.kind is RefusalKind.TOO_LARGE else 400
        return Refusal(status, exc.kind.value, message, tuple(exc.violations))
    if isinstance(exc, NonceStoreDown):  # refused at sign-in: nothing was accepted
        outages.warn(reason=str(exc))
        return Refusal(503, "unavailable", f"{exc}; the request was not accepted: retry later",
                       retry_after=RETRY_UNAVAILABLE)
    if isinstance(exc, SignInThrottled):
        throttled.warn(retry_after=exc.retry_after)
        return Refusal(429, "throttled", str(exc), retry_after=exc.retry_after)
    if isinstance(exc, AuthenticationFailed):
        log.warning("authentication failed", extra={"reason": exc.reason, "code": exc.code,
                                                    "username": shown_username(exc.username), "address": exc.address})
        return Refusal(401, "unauthenticated", exc.reason, auth_code=exc.code)
    if isinstance(exc, NotAuthorized):
        return Refusal(403, "forbidden", str(exc))
    if isinstance(exc, MessageIdReused):
        return Refusal(409, MESSAGE_ID_REUSED, str(exc))
    if isinstance(exc, ReplyRefusal):  # the request's own fault (422; its id reused: 409), or the system behind it
        if exc.code == SYSTEM_UNAVAILABLE:  # down (503): the request waits for it, its caller could not
            return Refusal(503, exc.code, str(exc), retry_after=retry_after(str(exc)) or RETRY_UNAVAILABLE,
                           document=exc.document(), answer=SYSTEM_UNAVAILABLE)
        if exc.code == NO_ANSWER:  # carried out by a handler that returned no Reply: the consumer's defect
            log.error("a consumer's handler gave no answer", extra={"system": system, "reason": str(exc)})
            return Refusal(502, exc.code, str(exc), document=exc.document(), answer=BAD_REPLY)
        status = {DEAD_LETTERED: 502, MESSAGE_ID_REUSED: 409}.get(exc.code, 422)  # failed it (502)
        answer = exc.code if exc.code in (DEAD_LETTERED, MESSAGE_ID_REUSED) else REJECTED
        return Refusal(status, exc.code, str(exc), document=exc.document(), answer=answer)
    if isinstance(exc, BadReply):
        log.error("bad reply from a consumer", extra={"system": system, "reason": str(exc)})
        return Refusal(502, BAD_REPLY, str(exc), answer=BAD_REPLY)
    if isinstance(exc, NoRouteError):
        log.error("no route", extra={"reason": str(exc)})
        return Refusal(500, "no-route", f"{exc}; nothing was accepted")
    if isinstance(exc, RequestTimeoutError):
        return Refusal(504, TIMEOUT, timeout_message(exc, system), answer=TIMEOUT)
    if isinstance(exc, PublishOutcomeUnknownError):  # written to the broker, never confirmed: it may be stored
        _unconfirmed.warn(reason=str(exc))
        return Refusal(504, TIMEOUT, f"the command was handed to the broker but not confirmed in time: {exc}; "
                                     "it may still be carried out: send it again with the same MessageId (a copy "
                                     "already carried out is dropped as a duplicate)", answer=TIMEOUT)
    if isinstance(exc, QueueFullError):  # a consumer's queue at its max_queue_length: refused by the broker
        outages.warn(reason=str(exc))
        return Refusal(503, "unavailable", f"{exc}; the command was not accepted: retry later",
                       retry_after=RETRY_UNAVAILABLE)
    if isinstance(exc, (BrokerUnavailableError, PublisherUnavailableError)):  # nothing written: it says why
        outages.warn(reason=str(exc))  # (not connected, or a memory or disk alarm blocks publishing)
        return Refusal(503, "unavailable", f"the command could not be handed on: {exc}: retry later",
                       retry_after=RETRY_UNAVAILABLE)
    if isinstance(exc, (ConnectionError, TransportError)):  # the broker is down or did not confirm
        outages.warn(reason=str(exc))
        return Refusal(503, "unavailable", "the command could not be handed on; nothing was accepted: retry later",
                       retry_after=RETRY_UNAVAILABLE)
    log.error("refused after an unexpected error", exc_info=exc)
    # it may have come after the command was handed on (an answer being passed on): say only what is known
    return Refusal(503, "unavailable", "the hub failed on this request (logged); it may or may not have been "
                   "accepted: send it again with the same MessageId (a duplicate is answered as such)",
                   retry_after=RETRY_UNAVAILABLE)


def timeout_message(exc: RequestTimeoutError, system: str) -> str:
    """What the caller of a request not answered in time is told: its own MessageId (never the hub's correlation
    id) and what sending it again does, a read's (no answer kept) or a write's (``hub.routing.reply_timeouts``)."""
    if not isinstance(exc, ReplyTimedOut):  # no request of a caller's (nothing names its MessageId)
        return (f"no reply from {system} in time; the request was accepted and may still be carried out: send it "
                "again with the same MessageId for the answer the hub recorded for it (a new id would be a second "
                "request)")
    said = f"no reply from {system} in time to MessageId {exc.message_id} ({exc.command_type}, {exc.timeout:g} s)"
    if exc.answer_unkept:
        return (f"{said}; the hub keeps no answer for it (a read or an audited query), so sending it again (with "
                f"the same MessageId or a new one) asks {system} again")
    return (f"{said}; the request was accepted and may still be carried out: send it again with the same MessageId "
            f"{exc.message_id} for the answer the hub recorded for it (a new id would be a second request); a write "
            "the hub had to repeat (boss.SyncHLR) is answered as the system answered the repeat: its first outcome "
            "where the system keys on the MessageId")
