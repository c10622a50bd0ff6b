"""Whether the caller of an SMS-log query still waits for its answer.

The ingress stamps each request with the time its caller stops waiting (``x-onepoint-reply-by``,
``hub.routing.broker_router.REPLY_BY``: the route's ``reply_timeout`` after it was sent). Past it the caller has
had its 504, and whatever the worker answers is dropped. A query run then would be audited as records returned to
nobody (and the caller, told by the 504 to send it again, would have it run and audited once more): so DSMP is not
asked for a query whose caller stopped waiting, and records DSMP answers after that time are not passed on. Either
way the query is audited ``failed`` and answered ``c:Error`` ``caller-stopped-waiting`` (an answer that goes nowhere:
recorded, never retried). A message without the stamp (sent by an older hub, or not through the ingress) is
answered whenever it runs. The stamp is read by ``hub.workers.caller_wait.CallerWait``, which the worker uses too;
the refusal and its check are that module's, shared with the BOSS adapter's reads.
"""

from __future__ import annotations

from hub.workers.caller_wait import CALLER_STOPPED_WAITING, CallerStoppedWaiting, CallerWait, check_waiting

__all__ = ["CALLER_STOPPED_WAITING", "CallerStoppedWaiting", "CallerWait", "check_waiting"]
