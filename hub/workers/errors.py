"""Exceptions a handler raises to say how its failure should be treated (see ``hub.workers.classify``)."""

from __future__ import annotations

from hub.validation.violations import Violation
from hub.workers.failure_classes import FailureClass

__all__ = ["BusinessRejection", "CallsHeldBack", "PermanentError", "SystemAnsweredFailure", "SystemRefusal",
           "TransientError", "UnknownCommandError"]


class TransientError(Exception):
    """Worth trying again later: the backend is busy, down or slow. Retried, then dead-lettered.

    ``told``: what the waiting caller of a request retried past its wait may learn of the failure
    (``hub.workers.requester_notices``): which system and how it failed, fit for a caller (a gateway's failures
    set it); None: only that it failed for now."""

    told: str | None = None
    failure_class: FailureClass | None = None  # how far the call got (``hub.workers.failure_classes``)


class CallsHeldBack(TransientError):
    """The system is known to be down and calls to it are held back (e.g. its circuit is open) for about
    ``retry_in`` seconds: the message *waits* in a delay tier and comes back, no attempt is counted and
    nothing is retried in-process, so an outage of any length dead-letters nothing.

    Gateways raise a subclass (``hub.gateways.CircuitOpenError``); ``retry_in`` is keyword-only so that a
    subclass's own constructor can pass its message up through a shared base (cooperative ``__init__``).
    """

    def __init__(self, *args: object, retry_in: float = 0.0) -> None:
        super().__init__(*args)
        self.retry_in = retry_in


class SystemAnsweredFailure(TransientError):
    """The system was reached and answered that it failed on this message (a SOAP Server fault, an HTTP 500 with
    its error document): worth another try, and it counts as the message's attempt even when the system's circuit
    then holds the next calls back (``hub.workers.decisions``): the system is up, the failure may be this
    message's, so a message the system always fails on is dead-lettered at the bound while nothing else calls it,
    rather than being the trial of every reopening of the circuit. For the same reason it counts once per message
    toward opening the circuit (``hub.gateways.breaker``): one message's retries are one failure."""


class PermanentError(Exception):
    """Trying again cannot help (invalid data, a refusal): dead-lettered at once with this reason."""

    failure_class: FailureClass | None = None  # how far the call got (``hub.workers.failure_classes``)


class SystemRefusal(PermanentError):
    """A backend system answered and refused the message for good (``hub.gateways.SystemRefused``).

    ``told``: what the requester of the dead-lettered request may learn of it, set when the refusal is the system's
    own word (a SOAP ``Client`` fault, an HTTP 4xx with its ``c:Error``): which system, its code and short text,
    numbers masked, addresses and traces left out (``hub.gateways.refusal_notice``). None otherwise (a 4xx page
    from a proxy, arguments the operation does not take): the reason may name internal addresses, so only the dead
    letter and the log keep it.

    ``refusal_code``: the system's own fixed code for the refusal, set with ``told`` (its ``c:Error`` Code, else
    its SOAP fault code or ``HTTP 4xx``): a work order whose command was refused is told it
    (``hub.workers.dead_letter_notes``), never the refusal's text."""

    told: str | None = None
    refusal_code: str | None = None


class BusinessRejection(PermanentError):
    """The backend understood the command and refused it (e.g. unknown subscriber, closed work order).

    Raised for a request, it is the answer: a ``c:Error`` with ``code`` and the message goes back to the
    caller and is recorded like any answer. Raised for a command, the message is dead-lettered with the reason.
    ``violations``: the fields of the request at fault, each a ``c:Violation`` of the answer (its Path names the
    field: a partner's code reads which of its values was refused without parsing the message).
    """

    def __init__(self, message: str, *, code: str = "rejected", violations: tuple[Violation, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.violations = violations


class UnknownCommandError(PermanentError):
    """No handler is registered for this command type on this consumer queue."""

    def __init__(self, consumer: str, command_type: str) -> None:
        super().__init__(f"no handler for {command_type!r} on consumer {consumer!r}")
        self.consumer = consumer
        self.command_type = command_type
