"""What a ``Processor`` (``hub.workers.processor``) decides about a message (``Decision``: ``Action`` and what the
worker needs to carry it out), and how it decides about a failure: the ``Classifier``'s verdict makes it a
``RETRY`` through the next delay tier (``Decision.headers``: the failure headers of the retried copy), ``DEAD``
(permanent, or retries exhausted) or ``WAIT`` (the system is down: no attempt counted but the failures it answered
this delivery's calls with before it held them back).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hub.envelope import Envelope
from hub.transport.message import Message, counter
from hub.workers import headers as h
from hub.workers.classify import Classifier
from hub.workers.errors import SystemRefusal, TransientError
from hub.workers.failure_classes import FailureClass, failure_class_of
from hub.workers.waiting import wait_tier

__all__ = ["Action", "Decision", "FailureDecisions", "own_refusal"]

log = logging.getLogger("onepoint.worker")


class Action(Enum):
    ACK = "ack"  # processed now, or a duplicate: ack
    RETRY = "retry"  # transient failure: send to delay tier ``Decision.tier``
    DEAD = "dead"  # permanent failure or retries exhausted: to the DLQ with ``Decision.reason``
    BUSY = "busy"  # another worker holds the claim: come back later (not an attempt)
    WAIT = "wait"  # the system is down (calls held back): wait in delay tier ``Decision.tier`` (not an attempt)


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    message_id: str
    outcome: str | None = None
    duplicate: bool = False
    attempts: int = 0  # failed attempts over the message's whole life (RETRY/DEAD), attempts used (ACK)
    tier: str | None = None  # RETRY: the next tier; WAIT: the tier to wait in (None: the topology has none)
    wait: float | None = None  # WAIT: seconds the copy waits (the tier's TTL, or ``retry_in`` if unknown)
    reason: str | None = None
    kind: str | None = None  # DEAD: "permanent" | "exhausted"
    headers: Mapping[str, Any] = field(default_factory=dict)  # for the retried / dead-lettered copy
    reply: bytes | None = None  # ACK of a request: the answer to send to its reply-to (recorded first)
    refusal: str | None = None  # DEAD: what its requester may learn of a system's own refusal (``SystemRefusal``);
    # RETRY: of the transient failure (``TransientError.told``: hub.workers.requester_notices)
    refusal_code: str | None = None  # DEAD: that refusal's fixed code, for the work order's note (``own_refusal``)
    failure_class: FailureClass | None = None  # DEAD: how far the (last) call got, for the work order's note


class FailureDecisions:
    """The failure decisions of ``Processor``; its ``__init__`` sets these attributes."""

    consumer: str
    tiers: tuple[str, ...]
    delays: tuple[float, ...]
    classifier: Classifier
    most_attempts: int  # the bound on a message's handler attempts (``hub.workers.retry.max_total_attempts``)

    def failed(self, message: Message, exc: Exception, envelope: Envelope | None = None) -> Decision:
        """The decision for a first attempt that raised ``exc`` (RETRY, DEAD or WAIT), as ``process`` makes it."""
        return self._failed(message, exc, used=1, envelope=envelope)

    def _failed(self, message: Message, exc: Exception, used: int, envelope: Envelope | None = None,
                answered: Sequence[BaseException] = ()) -> Decision:
        """``used``: this delivery's attempts, the one that raised ``exc`` included; ``answered``: the failures the
        system answered with (``SystemAnsweredFailure``) in the attempts before it, retried in-process."""
        found = self.classifier(exc)
        if found.waits:
            if not answered or not _failed_alone(exc, message.message_id):
                return self._waiting(message, exc, found.reason, envelope)
            return self._held_back_after_calls(message, exc, found.reason, answered, envelope)
        attempts = h.attempts_so_far(message) + used
        headers = self._failure_headers(message, attempts, found.reason, exc)
        extra = {**self.log_extra(message, envelope), "attempts": attempts, "error": found.reason}
        trips = message.retry_count
        # the trips run out at the bound of attempts, unless attempts counted while waiting (failures the system
        # answered this message alone with) used it up first
        if found.transient and trips < len(self.tiers) and attempts < self.most_attempts:
            log.warning("transient failure; retrying through a delay tier", extra={**extra, "tier": self.tiers[trips]})
            told = exc.told if isinstance(exc, TransientError) else None
            return Decision(Action.RETRY, message.message_id, attempts=attempts, tier=self.tiers[trips],
                            reason=found.reason, headers=headers, refusal=told)
        if found.transient:
            kind, reason = "exhausted", f"retries exhausted after {attempts} attempts: {found.reason}"
        else:
            kind, reason = "permanent", found.reason
        log.error("dead-lettering message", extra={**extra, "kind": kind})
        headers.update({h.DEAD_REASON: reason, h.DEAD_KIND: kind})
        refusal = exc.told if isinstance(exc, SystemRefusal) and not found.transient else None
        refused = None if found.transient else own_refusal(exc)
        return Decision(Action.DEAD, message.message_id, attempts=attempts, reason=reason, kind=kind, headers=headers,
                        refusal=refusal, refusal_code=None if refused is None else refused.refusal_code,
                        failure_class=FailureClass.REFUSED if refused is not None
                        else _reach(_not_refused(exc), attempts))

    def _waiting(self, message: Message, exc: Exception, reason: str, envelope: Envelope | None,
                 headers: Mapping[str, Any] | None = None) -> Decision:
        """The system is down: the message waits; ``headers``: the failure headers of the calls this delivery
        made before it was held back (none: no attempt counted)."""
        retry_in = max(0.0, float(getattr(exc, "retry_in", 0.0)))
        tier, wait = wait_tier(self.tiers, self.delays, retry_in)
        if log.isEnabledFor(logging.DEBUG):  # one line per waiting message per tier TTL: the circuit logs the outage
            log.debug("system unavailable; the message waits", extra={
                **self.log_extra(message, envelope), "tier": tier, "wait": wait, "error": reason})
        attempts = counter(headers, h.ATTEMPTS) if headers and h.ATTEMPTS in headers else h.attempts_so_far(message)
        return Decision(Action.WAIT, message.message_id, attempts=attempts, tier=tier, wait=wait, reason=reason,
                        headers=headers or {})

    def _held_back_after_calls(self, message: Message, exc: Exception, reason: str,
                               answered: Sequence[BaseException], envelope: Envelope | None) -> Decision:
        """Held back after the system answered this delivery's calls with failures (``answered``; the last often
        the half-open trial's, which reopened the circuit) and no other message's call failed or was held back
        since the circuit last closed (``_failed_alone``): the system is up and fails on this message, so they
        count, as any attempt that ended does (``hub.workers.retry``), and a message the system always fails on
        while nothing else calls it is dead-lettered at the bound instead of being the trial of every reopening.
        A system down for everyone (other messages failed or wait too, or timeouts, resets, 502-504) counts
        nothing here: an outage of any length dead-letters nothing."""
        attempts = h.attempts_so_far(message) + len(answered)
        earlier = answered[-1]
        last = self.classifier(earlier).reason
        headers = self._failure_headers(message, attempts, last, earlier)
        if attempts < self.most_attempts:
            return self._waiting(message, exc, reason, envelope, headers)
        kind, dead_reason = "exhausted", f"retries exhausted after {attempts} attempts: {last} (then {reason})"
        log.error("dead-lettering message", extra={**self.log_extra(message, envelope), "attempts": attempts,
                                                   "error": last, "kind": kind})
        headers.update({h.DEAD_REASON: dead_reason, h.DEAD_KIND: kind})
        return Decision(Action.DEAD, message.message_id, attempts=attempts, reason=dead_reason, kind=kind,
                        headers=headers, failure_class=_reach(failure_class_of(earlier), attempts))

    @staticmethod
    def _failure_headers(message: Message, attempts: int, reason: str, exc: BaseException) -> dict[str, Any]:
        now = h.now_iso()
        return {
            h.ATTEMPTS: attempts,
            h.FIRST_FAILURE: h.text(message.headers.get(h.FIRST_FAILURE, now)),
            h.LAST_FAILURE: now,
            h.LAST_ERROR: reason,
            h.ERROR_CLASS: type(exc).__name__,
        }

    def log_extra(self, message: Message, envelope: Envelope | None) -> dict[str, Any]:
        """The facts every log line about ``message`` carries."""
        return {
            "message_id": message.message_id,
            "consumer": self.consumer,
            "command_type": envelope.command_type if envelope is not None else message.type,
            "retry_count": message.retry_count,
        }


def own_refusal(exc: BaseException) -> SystemRefusal | None:
    """The system's refusal in its own words behind ``exc``: ``exc`` itself, or the one an adapter raised its
    business rejection from (CRM's ``Client.AccountManagerNotFound`` → ``AccountManagerNotFound``); None for any
    other failure (the hub's own refusal, a proxy's 4xx page, an invalid answer: the system may never have got it)."""
    for found in (exc, exc.__cause__):
        if isinstance(found, SystemRefusal) and found.refusal_code:
            return found
    return None


def _not_refused(exc: BaseException) -> FailureClass | None:
    """How far the call that failed with ``exc`` got, other than the system's own refusal (that one carries its
    code: ``own_refusal``); a refusal without its code (a proxy's 4xx page) is not known to be the system's."""
    found = failure_class_of(exc)
    return None if found is FailureClass.REFUSED else found


def _failed_alone(held_back: Exception, message_id: str) -> bool:
    """Whether this message's calls were the only ones that failed or were held back since the system's circuit
    last closed (the circuit says whose, ``callers``: ``hub.workers.calling``): no other message waits for the
    system, so its failures are the message's, not an outage's. Not known: no."""
    callers = getattr(held_back, "callers", None)
    return isinstance(callers, tuple) and set(callers) == {message_id}


def _reach(failure: FailureClass | None, attempts: int) -> FailureClass | None:
    """The class a dead letter's note states: "not connected" only when the failing call was the message's only
    one; after several, an earlier call may have reached the system (it timed out waiting for the answer), which the
    last call's class cannot tell: unknown then (review of de6ebc6: "nsp never got it" after a first timeout)."""
    return None if failure is FailureClass.NOT_CONNECTED and attempts > 1 else failure
