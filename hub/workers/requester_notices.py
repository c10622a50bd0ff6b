"""What a worker tells a request's waiting caller before the request's answer exists.

A request (a message with a reply-to: its caller waits at the ingress until its reply-by, ``hub.workers.
caller_wait``) is normally answered by its handler. Three settlements answer it earlier, best effort (the message
itself is settled by the worker either way):

* **dead-lettered**: ``c:Error`` ``dead-lettered`` at once, naming the system's own refusal when there is one
  (``Decision.refusal``: ``hub.gateways.refusal_notice``), instead of a 504 at the caller's timeout;
* **held back** (the system's circuit is open) and **retried** (a transient failure, its next try in a delay tier)
  when the wait outlasts the caller's: ``c:Error`` ``system-unavailable`` (the ingress: 503 with Retry-After, a
  SOAP Server fault) saying which system failed and how (``Decision.refusal`` for a retry: the system's own fault
  code and first line, masked, or that it did not answer), that the request is kept and carried out (a write: its
  answer recorded for a resend with the same MessageId) or cannot be answered in time (a read, an audited query:
  ``Processor.answers_afresh``), and when it is tried again. A caller whose wait the delay fits is not told: the
  retry may still answer it. An agent's SyncHLR while the HLR link is down learned nothing for its whole reply
  timeout and got a bare 504.
"""

from __future__ import annotations

import logging

from hub.transport.broker import Broker
from hub.transport.message import Message
from hub.workers.caller_wait import CallerWait, unavailable_answer
from hub.workers.processor import Decision, Processor
from hub.workers.reply import error_document

__all__ = ["DEAD_LETTERED", "RequesterNotices"]

DEAD_LETTERED = "dead-lettered"  # the c:Error code a dead-lettered request is answered with

log = logging.getLogger("onepoint.worker")


class RequesterNotices:
    """Tells the callers of one worker's requests (see the module)."""

    def __init__(self, broker: Broker, processor: Processor, consumer: str, confirm_timeout: float) -> None:
        self.broker, self.processor, self.consumer = broker, processor, consumer
        self.confirm_timeout = confirm_timeout

    def dead_lettered(self, message: Message, decision: Decision) -> None:
        """A dead-lettered request is answered at once with the c:Error ``dead-lettered``: its message id, the
        kind of failure and, when its system refused it in its own words (``Decision.refusal``), which system, its
        code and short text. Any other reason stays with the dead letter and in the log (it may name internal
        systems and addresses)."""
        told = (f"request {message.message_id} could not be carried out: {decision.refusal}; it went to the "
                "dead-letter queue (permanent failure)" if decision.refusal else
                f"request {message.message_id} could not be carried out ({decision.kind or 'permanent'} failure) "
                "and went to the dead-letter queue; the operator sees why there")
        self.tell(message, error_document(DEAD_LETTERED, told))

    def held_back(self, message: Message, decision: Decision) -> None:
        """The request waits ``decision.wait`` s for its system's circuit: told now if that outlasts its caller."""
        self._unavailable(message, decision.reason or "unavailable", decision.wait or 0.0)

    def retrying(self, message: Message, decision: Decision) -> None:
        """The request is tried again after its tier's delay: told now if that outlasts its caller's wait."""
        tiers, delays = self.processor.tiers, self.processor.delays
        if decision.tier not in tiers or len(delays) != len(tiers):  # no tier, or its delay unknown
            return
        wait = delays[tiers.index(decision.tier)]
        self._unavailable(message, decision.refusal or "it failed for now", wait)

    def _unavailable(self, message: Message, reason: str, wait: float) -> None:
        if message.reply_to and CallerWait.of(message).outlasted_by(wait):
            self.tell(message, unavailable_answer(message, reason, wait,
                                                  kept=not self.processor.answers_afresh(message)))

    def tell(self, message: Message, answer: bytes) -> None:
        """Tell a request's requester ``answer`` now, best effort (the message itself is settled elsewhere)."""
        if not message.reply_to:
            return
        try:
            self.broker.reply(message, answer, content_type="application/xml").result(timeout=self.confirm_timeout)
        except Exception as exc:  # the requester may be gone (a replayed dead letter): nobody to tell
            log.info("a request's requester was not told", extra={
                "message_id": message.message_id, "consumer": self.consumer, "error": repr(exc)})
