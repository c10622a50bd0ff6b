"""The broker-free core of a worker: one message in, one ``Decision`` out.

``Processor.process(message)`` decodes the envelope, finds the handler, and runs it *once per message id
and consumer* through the ``ProcessedStore`` (key ``"<consumer>:<message id>"``, so a broadcast or a
command routed to several consumers takes effect once in each): claim → handler with in-process retries →
record the outcome (committed) → ``Decision(ACK)``. A failure releases the claim (nothing is recorded)
and becomes ``RETRY`` (next delay tier) or ``DEAD`` (with the reason); a held-back call (``CallsHeldBack``, an
open circuit) becomes ``WAIT``: no attempt counted, the message waits for the system (``hub.workers.waiting``).
The ``Worker`` turns decisions into broker operations; the ``WorkerTestClient`` simulates them.

Each in-process attempt starts clean: a store whose transaction holds the effect (the work-order store) undoes a
failed attempt's rows with a savepoint (``ProcessedStore.attempt``), and a handler's sends are held until it
returned (``Outbound.deferred_confirms``), then published and confirmed before the claim records the message: a
handler that raised sent nothing. A crash after the confirms and before the record re-sends under the same
derived ids (receivers drop the copies).

A request (``reply_to`` set) is answered by the handler's ``Reply``, or by the ``c:Error`` of a
``BusinessRejection`` (an answer, not a failure: recorded, acked, never retried). The answer is recorded
with the outcome and travels in ``Decision.reply``; a duplicate request carries the recorded answer again, but
for an audited request's (``hub.validation.audited``): never kept, the repeat runs again (authorized and audited
by its handler again) and nothing is recorded anew.
A handler that answers a request with no ``Reply`` is a defect: permanent, dead-lettered with the reason
(the worker answers the requester ``c:Error`` ``dead-lettered``, the reason kept with the dead letter) and
nothing recorded, so a replay after the fix answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.codec import envelope_from_message
from hub.routing.outbound import Outbound
from hub.store.base import ClaimBusyError, ProcessedStore
from hub.transport.message import Message
from hub.validation.audited import audited_command_types
from hub.workers import headers as h
from hub.workers.classify import Classifier
from hub.workers.errors import BusinessRejection, PermanentError
from hub.workers.fingerprint import answer_for, answered_unkept, reused_id_error, seal
from hub.workers.registry import OUTBOUND, HandlerContext, HandlerRegistry, HandlerSpec
from hub.workers.reply import Reply, error_document
from hub.workers.retry import RetryPolicy, run_with_retries
from hub.workers.waiting import wait_tier

__all__ = ["Action", "Decision", "Processor"]

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


class Processor:
    def __init__(
        self,
        consumer: str,
        registry: HandlerRegistry,
        store: ProcessedStore,
        *,
        tiers: tuple[str, ...],
        delays: tuple[float, ...] = (),
        dependencies: Mapping[str, Any] | None = None,
        policy: RetryPolicy | None = None,
        classifier: Classifier | None = None,
        metrics: Metrics | None = None,
        outbound: Outbound | None = None,
        confirm_timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.consumer = consumer
        self.registry = registry
        self.store = store
        self.tiers = tiers
        if delays and len(delays) != len(tiers):
            raise ValueError(f"{len(delays)} delays for {len(tiers)} delay tiers")
        self.delays = delays  # the tiers' TTLs in seconds (empty: unknown; a held-back message waits in the first)
        self.dependencies = dict(dependencies or {})
        self.policy = policy or RetryPolicy()
        self.classifier = classifier or Classifier()
        self.metrics = metrics
        self.outbound = outbound
        self.confirm_timeout = confirm_timeout  # the longest a handler's sends wait for their confirms
        self._sleep = sleep
        self.audited = audited_command_types()  # answers never kept: a repeat runs again
        if OUTBOUND in self.dependencies:
            raise ValueError(f"{OUTBOUND!r} is a built-in: pass the outbound path as outbound=, not a dependency")
        provided = {**self.dependencies, OUTBOUND: outbound} if outbound is not None else self.dependencies
        registry.check_dependencies(consumer, provided)

    def key(self, message_id: str) -> str:
        return f"{self.consumer}:{message_id}"

    def process(self, message: Message) -> Decision:
        mid = message.message_id
        try:
            envelope = _decode(message)
            spec = self.registry.resolve(self.consumer, envelope.command_type)
        except Exception as exc:
            return self._failed(message, exc, used=1)
        used = 0

        def attempt(n: int) -> None:
            nonlocal used
            used = n

        try:
            with self.store.claim(self.key(mid)) as claim:
                again = claim.duplicate and bool(message.reply_to) and answered_unkept(envelope, claim.reply)
                if claim.duplicate and not again:
                    return self._duplicate(message, envelope, claim.outcome, claim.reply)
                outcome, reply = run_with_retries(  # a repeat of an audited request runs again (not kept)
                    lambda: self._attempt(spec, envelope, message, used),
                    self.policy,
                    self.classifier,
                    sleep=self._sleep,
                    on_attempt=attempt,
                    on_retry=lambda _n, _e: self._count_in_process_retry(),
                )
                if not again:
                    claim.complete(outcome, reply=seal(reply, envelope, commands=self.store.keeps_fingerprints,
                                                       kept=envelope.command_type not in self.audited))
        except ClaimBusyError:
            log.info("message claimed by another worker; deferring", extra=self.log_extra(message, envelope))
            return Decision(Action.BUSY, mid)
        except Exception as exc:
            return self._failed(message, exc, used=max(used, 1), envelope=envelope)
        log.info("message processed", extra={**self.log_extra(message, envelope), "outcome": outcome})
        return Decision(Action.ACK, mid, outcome=outcome, attempts=used, reply=reply)

    def _duplicate(self, message: Message, envelope: Envelope, outcome: str | None,
                   recorded: bytes | None) -> Decision:
        answer, reused = answer_for(envelope, recorded)
        if reused and not message.reply_to:  # a command: nobody to answer; the dead letter says why
            return self._failed(message, reused_id_error(envelope), used=1, envelope=envelope)
        if reused:
            log.warning("message id reused for another request: refused",
                        extra=self.log_extra(message, envelope))
        else:
            log.info("duplicate message: effect skipped", extra=self.log_extra(message, envelope))
        return Decision(Action.ACK, message.message_id, outcome=outcome, duplicate=True, reply=answer)

    def resolve(self, message: Message) -> tuple[Envelope, HandlerSpec]:
        """The message's envelope and handler; raises what ``process`` would dead-letter (undecodable, unknown)."""
        envelope = _decode(message)
        return envelope, self.registry.resolve(self.consumer, envelope.command_type)

    def run_handler(self, spec: HandlerSpec, envelope: Envelope, message: Message) -> tuple[str, bytes | None]:
        """One attempt of the handler, no retries (a batch's): (outcome, the answer to a request or None)."""
        return self._call(spec, envelope, message, 1)

    def failed(self, message: Message, exc: Exception, envelope: Envelope | None = None) -> Decision:
        """The decision for a first attempt that raised ``exc`` (RETRY, DEAD or WAIT), as ``process`` makes it."""
        return self._failed(message, exc, used=1, envelope=envelope)

    def _attempt(self, spec: HandlerSpec, envelope: Envelope, message: Message,
                 used: int) -> tuple[str, bytes | None]:
        """One in-process attempt of a claimed message: what it did in the store is undone if it raises (a
        store that holds the effect opens a savepoint: the next attempt starts clean), and its sends leave only
        if it returned, their confirms awaited before the claim records it."""
        with self.store.attempt(self.key(message.message_id)):
            if self.outbound is None:
                return self._call(spec, envelope, message, used)
            with self.outbound.deferred_confirms() as pending:
                try:
                    done = self._call(spec, envelope, message, used)
                except BaseException:
                    pending.discard(envelope.message_id)
                    raise
                pending.release(envelope.message_id)
                pending.wait(self.confirm_timeout)
                return done

    def _call(self, spec: HandlerSpec, envelope: Envelope, message: Message, used: int) -> tuple[str, bytes | None]:
        """Run the handler once: (outcome, the answer to a request or None)."""
        prior = h.attempts_so_far(message)
        builtins: dict[str, Any] = {"context": HandlerContext(self.consumer, prior + used, message), "message": message}
        if self.outbound is not None:
            builtins[OUTBOUND] = self.outbound.bind(envelope, self.consumer)
        started = time.perf_counter()
        try:
            result = spec.call(envelope, {**self.dependencies, **builtins})
        except BusinessRejection as exc:
            if not message.reply_to:
                raise
            return f"rejected: {exc.code}", error_document(exc.code, str(exc))
        finally:
            if self.metrics is not None:
                self.metrics.observe_handler(self.consumer, time.perf_counter() - started)
        return _outcome(spec, result, message)

    def _count_in_process_retry(self) -> None:
        if self.metrics is not None:
            self.metrics.retried(self.consumer, "in-process")

    def _failed(self, message: Message, exc: Exception, used: int, envelope: Envelope | None = None) -> Decision:
        found = self.classifier(exc)
        if found.waits:
            return self._waiting(message, exc, found.reason, envelope)
        attempts = h.attempts_so_far(message) + used
        now = h.now_iso()
        headers: dict[str, Any] = {
            h.ATTEMPTS: attempts,
            h.FIRST_FAILURE: h.text(message.headers.get(h.FIRST_FAILURE, now)),
            h.LAST_FAILURE: now,
            h.LAST_ERROR: found.reason,
            h.ERROR_CLASS: type(exc).__name__,
        }
        extra = {**self.log_extra(message, envelope), "attempts": attempts, "error": found.reason}
        trips = message.retry_count
        if found.transient and trips < len(self.tiers):
            log.warning("transient failure; retrying through a delay tier", extra={**extra, "tier": self.tiers[trips]})
            return Decision(Action.RETRY, message.message_id, attempts=attempts, tier=self.tiers[trips],
                            reason=found.reason, headers=headers)
        if found.transient:
            kind, reason = "exhausted", f"retries exhausted after {attempts} attempts: {found.reason}"
        else:
            kind, reason = "permanent", found.reason
        log.error("dead-lettering message", extra={**extra, "kind": kind})
        headers.update({h.DEAD_REASON: reason, h.DEAD_KIND: kind})
        return Decision(Action.DEAD, message.message_id, attempts=attempts, reason=reason, kind=kind, headers=headers)

    def _waiting(self, message: Message, exc: Exception, reason: str, envelope: Envelope | None) -> Decision:
        """The system is down: the message waits, and none of this delivery's failures count (a trial call that
        failed and reopened the circuit is the system's failure, not the message's)."""
        retry_in = max(0.0, float(getattr(exc, "retry_in", 0.0)))
        tier, wait = wait_tier(self.tiers, self.delays, retry_in)
        if log.isEnabledFor(logging.DEBUG):  # one line per waiting message per tier TTL: the circuit logs the outage
            log.debug("system unavailable; the message waits", extra={
                **self.log_extra(message, envelope), "tier": tier, "wait": wait, "error": reason})
        return Decision(Action.WAIT, message.message_id, attempts=h.attempts_so_far(message), tier=tier, wait=wait,
                        reason=reason)

    def log_extra(self, message: Message, envelope: Envelope | None) -> dict[str, Any]:
        """The facts every log line about ``message`` carries."""
        return {
            "message_id": message.message_id,
            "consumer": self.consumer,
            "command_type": envelope.command_type if envelope is not None else message.type,
            "retry_count": message.retry_count,
        }


def _outcome(spec: HandlerSpec, result: Any, message: Message) -> tuple[str, bytes | None]:
    if isinstance(result, Reply):
        return result.outcome, result.body if message.reply_to else None
    if isinstance(result, bytes | bytearray | etree._Element):
        raise PermanentError(f"handler {spec.name} returned a bare document: return Reply(document) to answer")
    if message.reply_to:
        raise PermanentError(f"handler {spec.name} answered the request {spec.command_type} with no Reply")
    return ("done" if result is None else str(result)), None


def _decode(message: Message) -> Envelope:
    try:
        return envelope_from_message(message)
    except Exception as exc:
        raise PermanentError(f"undecodable envelope: {type(exc).__name__}: {exc}") from exc
