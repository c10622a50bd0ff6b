"""Until when the caller of a request waits, and telling it at once when its system is down.

The ingress stamps each request with the time its caller stops waiting (``x-onepoint-reply-by``,
``hub.routing.broker_router.REPLY_BY``: the route's ``reply_timeout`` after it was sent). ``CallerWait`` reads the
stamp. An adapter does not ask its system a question for a caller that stopped waiting (``check_waiting``: the
DSMP adapter's queries, the BOSS adapter's reads): it answers ``c:Error`` ``caller-stopped-waiting``
(``CallerStoppedWaiting``), an answer that goes nowhere, so that a backend coming back from an outage is not sent
every read its callers gave up on while it was down.

A request held back because its system is down (``CallsHeldBack``: the circuit is open) waits in a delay tier
and is carried out once the system is back (``hub.workers.waiting``). When that wait outlasts its caller's, waiting
cannot answer the caller: it would get a 504 at its timeout, seconds later, saying only that nothing came. It is
told at once instead, ``c:Error`` ``system-unavailable`` (the ingress: 503 with Retry-After, a SOAP Server fault):
which system is down and that the request is kept; its answer, once the system is back, is the one a resend with
the same MessageId gets. A caller whose wait the tier fits is not told: it is answered when the system is back.
A message without the stamp (sent by an older hub, or not through the ingress) is not told: how long its caller
waits is unknown.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.observability.masking import mask_numbers_in
from hub.routing.broker_router import REPLY_BY
from hub.transport.message import Message
from hub.validation.error_document import error_bytes
from hub.workers.errors import BusinessRejection

__all__ = ["CALLER_STOPPED_WAITING", "SYSTEM_UNAVAILABLE", "CallerStoppedWaiting", "CallerWait", "check_waiting",
           "retry_after", "unavailable_answer"]

log = logging.getLogger("onepoint.worker")

SYSTEM_UNAVAILABLE = "system-unavailable"  # c:Error code: the request's system is down; the request is kept
CALLER_STOPPED_WAITING = "caller-stopped-waiting"  # c:Error code: not asked (or not passed on): nobody waits


@dataclass(frozen=True, slots=True)
class CallerWait:
    """Until when the caller of one message waits (``None``: the message does not say)."""

    reply_by: datetime | None

    @classmethod
    def of(cls, message: Message) -> CallerWait:
        stamp = message.headers.get(REPLY_BY)
        if stamp is None:
            return cls(None)
        text = stamp.decode() if isinstance(stamp, bytes) else str(stamp)
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            log.warning("unreadable reply-by stamp: the caller's wait is unknown",
                        extra={"message_id": mask_numbers_in(message.message_id), "reply_by": text[:40]})
            return cls(None)
        return cls(when if when.tzinfo is not None else when.replace(tzinfo=UTC))

    def passed(self, now: datetime | None = None) -> bool:
        return self.reply_by is not None and (now or datetime.now(UTC)) >= self.reply_by

    def outlasted_by(self, wait: float, now: datetime | None = None) -> bool:
        """Whether a wait of ``wait`` seconds from ``now`` ends after the caller stopped waiting, while it still
        waits now (a caller already gone is told nothing; an unknown wait is never outlasted)."""
        if self.reply_by is None:
            return False
        now = now or datetime.now(UTC)
        return now < self.reply_by < now + timedelta(seconds=wait)


class CallerStoppedWaiting(BusinessRejection):
    """The request's caller stopped waiting before it could be answered: nothing is answered to anyone."""

    def __init__(self, reply_by: datetime, what: str) -> None:
        super().__init__(f"the caller stopped waiting (reply timeout passed at "
                         f"{reply_by.isoformat(timespec='milliseconds')}): {what}", code=CALLER_STOPPED_WAITING)


def check_waiting(caller: CallerWait, what: str) -> None:
    """``CallerStoppedWaiting`` (saying ``what`` was not done) if the caller no longer waits."""
    if caller.reply_by is not None and caller.passed():
        raise CallerStoppedWaiting(caller.reply_by, what)


_TRIED_AGAIN = "it is tried again in about {seconds} s"
_TRIED_AGAIN_IN = re.compile(r"it is tried again in about (\d+) s")


def unavailable_answer(message: Message, reason: str, wait: float, *, kept: bool = True) -> bytes:
    """The ``c:Error`` ``system-unavailable`` a waiting request's caller is told (``reason``: the held-back call's,
    naming the system and its circuit), saying when the request is tried again (``retry_after``). ``kept``: the
    request is carried out when the system is back and its answer recorded for a resend with the same MessageId;
    not (a read, an audited query, whose answer is never kept): its resend is asked afresh, and the copy waiting
    answers nobody (the BOSS and DSMP adapters do not even ask their system for a caller gone)."""
    again = _TRIED_AGAIN.format(seconds=max(1, math.ceil(wait)))
    if not kept:
        return error_bytes(SYSTEM_UNAVAILABLE, f"{reason}: request {message.message_id} cannot be answered before "
                                               f"its caller stops waiting ({again}); send it again then")
    return error_bytes(SYSTEM_UNAVAILABLE, f"{reason}: request {message.message_id} is kept and carried out when the "
                                           f"system is back ({again}); send it again then with the same MessageId "
                                           "for its answer")


def retry_after(text: str) -> int | None:
    """The seconds until the request is tried again, as ``unavailable_answer`` wrote them in its message (the
    ingress's Retry-After: a caller resending sooner would find the same outage), or None."""
    found = _TRIED_AGAIN_IN.search(text)
    return int(found.group(1)) if found else None
