"""The broker-free core of a worker: one message in, one ``Decision`` out.

``Processor.process(message)`` decodes the envelope, finds the handler, and runs it *once per message id, source system
and consumer* through the ``ProcessedStore`` (key ``"<consumer>:<source>/<message id>"``, ``hub.store.keys``: a
broadcast or a command routed to several consumers takes effect once in each, and the same id from two systems is two
messages; a record under the former key ``"<consumer>:<message id>"`` still counts): claim → handler with in-process
retries → record the outcome (committed) → ``Decision(ACK)``. A failure releases the claim (nothing is recorded) and
becomes ``RETRY`` (next delay tier) or ``DEAD`` (with the reason); a held-back call (``CallsHeldBack``, an open circuit)
becomes ``WAIT``: the message waits for the system (``hub.workers.waiting``), no attempt counted but the failures the
system answered with before it held the calls back (``SystemAnsweredFailure``; at the bound the message is
dead-lettered).
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
by its handler again) and nothing is recorded anew; so does a repeat of a read (``HandlerSpec.reads``).
A handler that answers a request with no ``Reply`` is a defect, but it has done its effect: the message is
recorded with the ``c:Error`` ``handler-gave-no-answer`` as its answer (logged at ERROR), like a rejection's, so a
redelivery or a replay answers that and never runs the handler a second time.

One attempt of the handler is ``hub.workers.attempts`` (``HandlerAttempts``, a base of ``Processor``); the
``Decision`` and the decision about a failure are ``hub.workers.decisions`` (``FailureDecisions``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.outbound import Outbound
from hub.store.base import ClaimBusyError, ProcessedStore
from hub.transport.message import Message
from hub.validation.audited import audited_command_types
from hub.workers import headers as h
from hub.workers.attempts import HandlerAttempts, decode_envelope
from hub.workers.classify import Classifier
from hub.workers.decisions import Action, Decision, FailureDecisions
from hub.workers.errors import SystemAnsweredFailure
from hub.workers.fingerprint import answer_for, answered_unkept, reused_id_error, seal
from hub.workers.registry import OUTBOUND, HandlerRegistry
from hub.workers.retry import RetryPolicy, max_total_attempts, run_with_retries

__all__ = ["Action", "Decision", "Processor"]

log = logging.getLogger("onepoint.worker")


class Processor(HandlerAttempts, FailureDecisions):
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
        self.most_attempts = max_total_attempts(self.policy, len(self.tiers))
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

    def answers_afresh(self, message: Message) -> bool:
        """Whether ``message`` is a request whose answer is never kept (a read, an audited query): a copy kept while
        its system is down answers nobody once its caller stopped waiting, and its resend is run afresh."""
        try:
            command_type = decode_envelope(message).command_type
            return self.registry.resolve(self.consumer, command_type).reads or command_type in self.audited
        except Exception:
            return False

    def process(self, message: Message) -> Decision:
        mid = message.message_id
        try:
            envelope = decode_envelope(message)
            spec = self.registry.resolve(self.consumer, envelope.command_type)
        except Exception as exc:
            return self._failed(message, exc, used=1)
        used = 0
        answered: list[BaseException] = []  # failures the system answered with, retried in-process (they count)

        def attempt(n: int) -> None:
            nonlocal used
            used = n

        def retried(_n: int, exc: BaseException) -> None:
            if isinstance(exc, SystemAnsweredFailure):
                answered.append(exc)
            self._count_in_process_retry()

        try:
            with self.store.claim(self.key(envelope)) as claim:
                again = claim.duplicate and bool(message.reply_to) and answered_unkept(envelope, claim.reply,
                                                                                        reads=spec.reads)
                if claim.duplicate and not again:
                    return self._duplicate(message, envelope, claim.outcome, claim.reply)
                outcome, reply = run_with_retries(  # a repeat of an audited request runs again (not kept)
                    lambda: self._attempt(spec, envelope, message, used),
                    self._policy_for(message),
                    self.classifier,
                    sleep=self._sleep,
                    on_attempt=attempt,
                    on_retry=retried,
                )
                sealed = seal(reply, envelope, commands=self.store.keeps_fingerprints,
                              kept=envelope.command_type not in self.audited)
                if not again:
                    claim.complete(outcome, reply=sealed)
            if not again and (claim.outcome, claim.reply) != (outcome, sealed):
                # another worker recorded the id first (it took the claim over from this one): its record stays, and
                # is the answer, as for any duplicate (``ProcessedStore.claim``)
                return self._duplicate(message, envelope, claim.outcome, claim.reply)
        except ClaimBusyError:
            log.info("message claimed by another worker; deferring", extra=self.log_extra(message, envelope))
            return Decision(Action.BUSY, mid)
        except Exception as exc:
            return self._failed(message, exc, used=max(used, 1), envelope=envelope, answered=answered)
        log.info("message processed", extra={**self.log_extra(message, envelope), "outcome": outcome})
        return Decision(Action.ACK, mid, outcome=outcome, attempts=used, reply=reply)

    def _policy_for(self, message: Message) -> RetryPolicy:
        """The in-process attempts left to ``message`` within the bound (``most_attempts``): all of the policy's,
        unless attempts counted while it waited (``decisions``) used part of the bound; at least one."""
        left = self.most_attempts - h.attempts_so_far(message)
        return self.policy if left >= self.policy.attempts else replace(self.policy, attempts=max(1, left))

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
