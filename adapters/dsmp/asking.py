"""Asking DSMP with the query's audit rows around the call: ``pending`` committed first, then what came of it.

The one order both DSMP queries follow (``adapters.dsmp.handlers``): a caller who stopped waiting is not asked
for (``failed``); otherwise the ``pending`` row is committed, and only then is DSMP asked (a log that cannot take
the row stops the attempt here: ``AuditUnavailable`` / ``AuditLogTampered``, nothing asked, nothing more to
record). DSMP's circuit open: a ``failed`` row saying DSMP was not asked and the query waits. An answer that comes
after the caller stopped waiting is not passed on (``failed``); any other failure of the call is ``failed`` with
its reason. Each is raised again as classified, for the worker. The ``allowed`` row, with the rows returned, is
the handler's to write once it has the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from adapters.dsmp.trail import ASKING, NOT_ASKED, AuditLogTampered, AuditUnavailable, QueryTrail
from adapters.dsmp.waiting import CallerStoppedWaiting, CallerWait, check_waiting
from hub.audit import Outcome
from hub.gateways import CircuitOpenError

__all__ = ["ask_dsmp"]

Answer = TypeVar("Answer")


def ask_dsmp(trail: QueryTrail, caller: CallerWait, call: Callable[[], Answer],
             not_passed_on: Callable[[Answer], str]) -> Answer:
    """DSMP's answer to ``call()``, asked after its ``pending`` row; ``not_passed_on(answer)`` says what was held
    back when the caller stopped waiting meanwhile."""
    asking = False  # whether this attempt's pending row is committed (DSMP may then be asked)
    try:
        check_waiting(caller, "DSMP not asked")
        # committed before DSMP is asked: a log that cannot take it (AuditUnavailable) stops the attempt here
        trail.write(Outcome.PENDING, reason=ASKING)
        asking = True
        answer = call()
        check_waiting(caller, not_passed_on(answer))
    except (AuditUnavailable, AuditLogTampered):  # no row could be written: nothing asked, nothing to record
        raise
    except CircuitOpenError as held:  # DSMP's circuit is open: DSMP was not asked, the query waits
        if asking:
            trail.write(Outcome.FAILED, reason=f"{NOT_ASKED}, the query waits: {held}")
        raise
    except CallerStoppedWaiting as gone:
        trail.write(Outcome.FAILED, reason=str(gone))
        raise
    except Exception as exc:
        trail.write(Outcome.FAILED, reason=f"{type(exc).__name__}: {exc}")
        raise
    return answer
