"""Running a message's handler (``Processor``, ``hub.workers.processor``, claims the message and retries): one
attempt undone in the store if it raises and its sends held until it returned (``Outbound.deferred_confirms``),
the handler called with the dependencies and the built-ins (``context``, ``message``, the outbound path), its
time observed, and its result made the outcome and, for a request, the answer (a ``Reply``, or the ``c:Error``
of a ``BusinessRejection``; a request handler that returned no ``Reply`` has done its effect all the same: its
answer is the ``c:Error`` ``handler-gave-no-answer``, recorded, logged at ERROR, never a failure that a replay would
run again).

A run the classifier makes wait (``CallsHeldBack``: its system's circuit is open and nothing was called, or the
system asked for a pause with ``Retry-After``) counts no attempt, so it is not observed in
``onepoint_handler_latency_seconds`` either: during an outage every waiting message would add a ~0 s sample and pull
the percentiles down exactly when the system is down. Every attempt that counts is observed, failed ones too.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from lxml import etree

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.codec import envelope_from_message
from hub.routing.outbound import Outbound
from hub.store.base import ProcessedStore
from hub.store.keys import processed_key
from hub.transport.message import Message
from hub.workers import headers as h
from hub.workers.calling import handling
from hub.workers.classify import Classifier
from hub.workers.errors import BusinessRejection, PermanentError
from hub.workers.registry import OUTBOUND, HandlerContext, HandlerRegistry, HandlerSpec
from hub.workers.reply import NO_ANSWER, Reply, error_document

__all__ = ["HandlerAttempts", "decode_envelope"]

log = logging.getLogger("onepoint.worker")


class HandlerAttempts:
    """The handler runs of ``Processor``; its ``__init__`` sets these attributes."""

    consumer: str
    registry: HandlerRegistry
    store: ProcessedStore
    dependencies: dict[str, Any]
    metrics: Metrics | None
    classifier: Classifier  # a failure it makes wait was no attempt: not observed
    outbound: Outbound | None
    confirm_timeout: float

    def key(self, envelope: Envelope) -> str:
        """The message's key in the processed store: this consumer's, per source system and MessageId
        (``hub.store.keys``): the same id from two systems is two messages."""
        return processed_key(self.consumer, envelope.source_system, envelope.message_id)

    def resolve(self, message: Message) -> tuple[Envelope, HandlerSpec]:
        """The message's envelope and handler; raises what ``process`` would dead-letter (undecodable, unknown)."""
        envelope = decode_envelope(message)
        return envelope, self.registry.resolve(self.consumer, envelope.command_type)

    def run_handler(self, spec: HandlerSpec, envelope: Envelope, message: Message) -> tuple[str, bytes | None]:
        """One attempt of the handler, no retries (a batch's): (outcome, the answer to a request or None)."""
        return self._call(spec, envelope, message, 1)

    def _attempt(self, spec: HandlerSpec, envelope: Envelope, message: Message,
                 used: int) -> tuple[str, bytes | None]:
        """One in-process attempt of a claimed message: what it did in the store is undone if it raises (a
        store that holds the effect opens a savepoint: the next attempt starts clean), and its sends leave only
        if it returned, their confirms awaited before the claim records it."""
        with self.store.attempt(self.key(envelope)):
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
        token = handling.set(message.message_id)
        held_back = False
        try:
            result = spec.call(envelope, {**self.dependencies, **builtins})
        except BusinessRejection as exc:
            if not message.reply_to:
                raise
            return f"rejected: {exc.code}", error_document(exc.code, str(exc), exc.violations)
        except Exception as exc:
            held_back = self.metrics is not None and self.classifier(exc).waits  # it waits: no attempt counted
            raise
        finally:
            handling.reset(token)
            if self.metrics is not None and not held_back:
                self.metrics.observe_handler(self.consumer, time.perf_counter() - started)
        return _outcome(spec, result, message)

    def _count_in_process_retry(self) -> None:
        if self.metrics is not None:
            self.metrics.retried(self.consumer, "in-process")


def _outcome(spec: HandlerSpec, result: Any, message: Message) -> tuple[str, bytes | None]:
    if isinstance(result, Reply):
        return result.outcome, result.body if message.reply_to else None
    bare = isinstance(result, bytes | bytearray | etree._Element)
    if message.reply_to:
        return NO_ANSWER, _unanswered(spec, message, bare)
    if bare:  # a command has nobody to answer: the document is dropped, the effect stays done
        log.error("handler returned a document for a command, which has no requester: dropped",
                  extra={"handler": spec.name, "command_type": spec.command_type, "message_id": message.message_id})
        return "done", None
    return ("done" if result is None else str(result)), None


def _unanswered(spec: HandlerSpec, message: Message, bare: bool) -> bytes:
    """The ``c:Error`` ``handler-gave-no-answer`` of a request whose handler returned no ``Reply``. The handler has
    done its effect (an HLR synced at BOSS): a failure would dead-letter the message and a replay would do it again,
    so the defect is recorded as the answer instead, and logged."""
    returned = "a bare document, not Reply(document)" if bare else "no Reply"
    reason = (f"the handler of {spec.command_type} carried the request out but returned {returned}; its answer is "
              "lost: fix the handler (sent again, the request is answered this error, not carried out again)")
    log.error("request handler gave no answer", extra={"handler": spec.name, "command_type": spec.command_type,
                                                       "message_id": message.message_id, "reason": reason})
    return error_document(NO_ANSWER, reason)


def decode_envelope(message: Message) -> Envelope:
    try:
        return envelope_from_message(message)
    except Exception as exc:
        raise PermanentError(f"undecodable envelope: {type(exc).__name__}: {exc}") from exc
