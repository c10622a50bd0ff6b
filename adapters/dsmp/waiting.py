"""Whether the caller of an SMS-log query still waits for its answer.

The ingress stamps each request with the time its caller stops waiting (``x-onepoint-reply-by``,
``hub.routing.broker_router.REPLY_BY``: the route's ``reply_timeout`` after it was sent). Past it the caller has
had its 504, and whatever the worker answers is dropped. A query run then would be audited as records returned to
nobody (and the caller, told by the 504 to send it again, would have it run and audited once more): so DSMP is not
asked for a query whose caller stopped waiting, and records DSMP answers after that time are not passed on. Either
way the query is audited ``failed`` and answered ``c:Error`` ``caller-stopped-waiting`` (an answer that goes nowhere:
recorded, never retried). A message without the stamp (sent by an older hub, or not through the ingress) is
answered whenever it runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.observability.masking import mask_numbers_in
from hub.routing.broker_router import REPLY_BY
from hub.transport.message import Message
from hub.workers.errors import BusinessRejection

__all__ = ["CALLER_STOPPED_WAITING", "CallerStoppedWaiting", "CallerWait"]

log = logging.getLogger("onepoint.adapters.dsmp")

CALLER_STOPPED_WAITING = "caller-stopped-waiting"


class CallerStoppedWaiting(BusinessRejection):
    """The query's caller stopped waiting before it could be answered: nothing is answered to anyone."""

    def __init__(self, reply_by: datetime, what: str) -> None:
        super().__init__(f"the caller stopped waiting (reply timeout passed at "
                         f"{reply_by.isoformat(timespec='milliseconds')}): {what}", code=CALLER_STOPPED_WAITING)


@dataclass(frozen=True, slots=True)
class CallerWait:
    """Until when the caller of one message waits (``None``: the message does not say; it is answered)."""

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
            log.warning("unreadable reply-by stamp: the query is answered whenever it runs",
                        extra={"message_id": mask_numbers_in(message.message_id), "reply_by": text[:40]})
            return cls(None)
        return cls(when if when.tzinfo is not None else when.replace(tzinfo=UTC))

    def passed(self, now: datetime | None = None) -> bool:
        return self.reply_by is not None and (now or datetime.now(UTC)) >= self.reply_by

    def check(self, what: str) -> None:
        """``CallerStoppedWaiting`` (saying ``what`` was not done) if the caller no longer waits."""
        if self.reply_by is not None and self.passed():
            raise CallerStoppedWaiting(self.reply_by, what)
