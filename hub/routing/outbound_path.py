"""The outbound path every delivery shares (``hub.routing.outbound``): ``Outbound`` validates a command, identifies
it (``hub.routing.message_ids``: the derived message id, the Header's SourceSystem and CorrelationId) and routes
it by the table; its subclasses deliver it. ``Sender`` is what a handler gets as ``outbound``: the path bound to
the message it handles, each send naming its own step.
"""

from __future__ import annotations

import copy
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

from lxml import etree

from hub.envelope import HUB_SYSTEM, Envelope
from hub.routing.confirms import PendingConfirms
from hub.routing.envelopes import envelope_for
from hub.routing.message_ids import derive_message_id, identify_header
from hub.routing.router import RouteResult
from hub.routing.table import BROADCAST, RoutingTable
from hub.validation.parser import parse_document
from hub.validation.validator import DocumentValidator

__all__ = ["Outbound", "Sender"]

log = logging.getLogger("onepoint.routing")


class Outbound(ABC):
    """Validates, identifies and routes a command; subclasses deliver it."""

    def __init__(self, table: RoutingTable, validator: DocumentValidator, *, source_system: str = HUB_SYSTEM,
                 request_timeout: float = 10.0) -> None:
        self.table = table
        self.validator = validator
        self.source_system = source_system
        self.request_timeout = request_timeout
        self._deferring = threading.local()  # this thread's ``PendingConfirms`` inside ``deferred_confirms``

    @contextmanager
    def deferred_confirms(self) -> Iterator[PendingConfirms]:
        """Sends of this thread inside the block do not await their confirms: ``PendingConfirms.wait`` does."""
        if getattr(self._deferring, "pending", None) is not None:
            raise RuntimeError("deferred_confirms is open on this thread already")
        pending = PendingConfirms()
        self._deferring.pending = pending
        try:
            yield pending
        finally:
            self._deferring.pending = None

    def _pending(self) -> PendingConfirms | None:
        """This thread's open ``PendingConfirms`` (None: await each send's confirms before it returns)."""
        pending: PendingConfirms | None = getattr(self._deferring, "pending", None)
        return pending

    def reload(self, table: RoutingTable) -> None:
        self.table = table

    def bind(self, cause: Envelope, consumer: str) -> Sender:
        """The ``outbound`` a handler of ``consumer`` gets while it handles ``cause``."""
        return Sender(self, cause, consumer)

    def envelope(self, document: bytes | etree._Element, *, cause: Envelope, step: str, consumer: str = "") -> Envelope:
        """The envelope of ``document`` sent at ``step``: Header MessageId derived, SourceSystem ours, the
        cause's correlation id when the document has none; then validated (``DocumentRefused`` if invalid)."""
        element = (parse_document(document, self.validator.limits) if isinstance(document, bytes)
                   else copy.deepcopy(document))
        message_id = derive_message_id(cause.message_id, step, consumer, cause.source_system)
        header = element[0] if len(element) else None
        if header is not None:
            identify_header(header, message_id, self.source_system, cause.correlation_id or cause.message_id)
        command = self.validator.validate_element(element)
        return envelope_for(command, headers={"caused-by": cause.message_id, "step": step})

    def send(self, document: bytes | etree._Element, *, cause: Envelope, step: str, consumer: str = "") -> RouteResult:
        """Route and publish a command; returns once every target confirmed it (``OutboundError`` if not).

        A command whose route is a request is sent as a command too (nobody waits for its answer)."""
        envelope = self.envelope(document, cause=cause, step=step, consumer=consumer)
        targets, _ = self.table.decide(envelope)
        self._publish(envelope, targets)
        log.info("command sent", extra={"message_id": envelope.message_id, "command_type": envelope.command_type,
                                        "caused_by": cause.message_id, "step": step, "targets": list(targets)})
        return RouteResult(envelope.message_id, targets)

    def request(self, document: bytes | etree._Element, *, cause: Envelope, step: str, consumer: str = "",
                timeout: float | None = None) -> bytes:
        """Send a request to the one consumer its route names and return the answer document; ``timeout``: the
        caller's own bound, else the route's reply timeout."""
        envelope = self.envelope(document, cause=cause, step=step, consumer=consumer)
        targets, route_timeout = self.table.decide(envelope)
        if len(targets) != 1 or targets[0] == BROADCAST:
            raise ValueError(f"{envelope.command_type} goes to {targets}: a request needs exactly one consumer")
        return self._ask(envelope, targets[0], timeout or route_timeout or self.request_timeout)

    @abstractmethod
    def _publish(self, envelope: Envelope, targets: tuple[str, ...]) -> None: ...

    @abstractmethod
    def _ask(self, envelope: Envelope, target: str, timeout: float) -> bytes: ...


class Sender:
    """What a handler gets as ``outbound``: the outbound path bound to the message it handles.

    Each send of one handler run names its own ``step``; the same step twice is a defect (the second command
    would carry the first one's id and be dropped downstream as its duplicate)."""

    __slots__ = ("_cause", "_consumer", "_path", "_steps")

    def __init__(self, path: Outbound, cause: Envelope, consumer: str) -> None:
        self._path, self._cause, self._consumer = path, cause, consumer
        self._steps: set[str] = set()

    def _step(self, step: str) -> str:
        if not step:
            raise ValueError("a send needs a step name (it derives the message id)")
        if step in self._steps:
            raise ValueError(f"step {step!r} was already sent while handling {self._cause.message_id}")
        self._steps.add(step)
        return step

    def message_id(self, step: str) -> str:
        """The message id a send at ``step`` of this handler run carries (the step is not taken by asking)."""
        return derive_message_id(self._cause.message_id, step, self._consumer, self._cause.source_system)

    def send(self, document: bytes | etree._Element, *, step: str) -> RouteResult:
        return self._path.send(document, cause=self._cause, step=self._step(step), consumer=self._consumer)

    def request(self, document: bytes | etree._Element, *, step: str, timeout: float | None = None) -> bytes:
        return self._path.request(document, cause=self._cause, step=self._step(step), consumer=self._consumer,
                                  timeout=timeout)
