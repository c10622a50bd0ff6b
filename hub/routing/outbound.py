"""The outbound path: how handlers (the workflow, the adapters) send commands, through the routing table.

A command a handler sends is validated against its command set's XSD (a handler must not emit an invalid
command), gets a message id *derived* from the causing message, the consumer and the step, is routed by the
table and published to each target with a confirm. Derived ids make a handler's sends idempotent: a handler
run again on the same message (redelivered after a crash) sends the same ids, and the downstream consumers'
processed store drops the copies. Handlers get a ``Sender`` bound to the message they handle::

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(envelope: Envelope, outbound: Sender) -> str:
        outbound.send(dispatch_document(envelope), step="dispatch-nsp")
        return "dispatched"

``BrokerOutbound`` publishes on a ``Broker``; ``RecordingOutbound`` keeps what was sent (tests).

A batch worker sends inside ``with outbound.deferred_confirms() as pending:``: a send returns at once, published
when its handler succeeded (``pending.release``), and ``pending.wait()`` awaits every confirm of the batch together
before the batch commits (one round trip per batch instead of one per command).
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import partial

from lxml import etree

from hub.envelope import HUB_SYSTEM, Envelope
from hub.observability.metrics import Metrics
from hub.routing.addresses import addresses
from hub.routing.codec import message_from_envelope
from hub.routing.confirms import OutboundError, PendingConfirms
from hub.routing.envelopes import envelope_for
from hub.routing.router import RouteResult
from hub.routing.table import BROADCAST, RoutingTable
from hub.transport.broker import Broker
from hub.transport.errors import RequestTimeoutError
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import parse_document
from hub.validation.validator import DocumentValidator

__all__ = ["BrokerOutbound", "Outbound", "OutboundError", "PendingConfirms", "RecordingOutbound", "Sender",
           "derive_message_id"]

log = logging.getLogger("onepoint.routing")

_IDS = uuid.UUID("5b0f3c8e-8a52-4d0e-9c1e-0e7d7c1f0a10")  # the namespace of derived message ids
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{7,63}")  # c:MessageId in schemas/common.xsd


def derive_message_id(cause_id: str, step: str, consumer: str = "") -> str:
    """The message id of what ``consumer`` sends at ``step`` while handling ``cause_id``: always the same."""
    return uuid.uuid5(_IDS, f"{consumer}\n{cause_id}\n{step}").hex


_MESSAGE_ID_TAG, _SOURCE_SYSTEM_TAG, _CORRELATION_ID_TAG = (
    f"{{{COMMON_NS}}}{name}" for name in ("MessageId", "SourceSystem", "CorrelationId"))


def _identify(header: etree._Element, message_id: str, source_system: str, correlation: str) -> None:
    """The Header's MessageId and SourceSystem set, its CorrelationId added after MessageId when it has none and
    ``correlation`` is an id (one pass over the Header; a missing MessageId or SourceSystem is left to validation
    to refuse)."""
    fields: dict[object, etree._Element] = {}
    for child in header:
        fields.setdefault(child.tag, child)
    found = fields.get(_MESSAGE_ID_TAG)
    if found is not None:
        found.text = message_id
        if _CORRELATION_ID_TAG not in fields and _MESSAGE_ID.fullmatch(correlation):
            added = etree.Element(_CORRELATION_ID_TAG)
            added.text = correlation
            found.addnext(added)
    if (found := fields.get(_SOURCE_SYSTEM_TAG)) is not None:
        found.text = source_system


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
        message_id = derive_message_id(cause.message_id, step, consumer)
        header = element[0] if len(element) else None
        if header is not None:
            _identify(header, message_id, self.source_system, cause.correlation_id or cause.message_id)
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


class BrokerOutbound(Outbound):
    """Publishes on a ``Broker`` with a confirm per target (all in flight at once)."""

    def __init__(self, broker: Broker, table: RoutingTable, validator: DocumentValidator, *,
                 source_system: str = HUB_SYSTEM, confirm_timeout: float = 30.0, request_timeout: float = 10.0,
                 metrics: Metrics | None = None) -> None:
        """``metrics``: counts each confirmed publish per target (``onepoint_messages_published_total``)."""
        super().__init__(table, validator, source_system=source_system, request_timeout=request_timeout)
        self.broker = broker
        self.confirm_timeout = confirm_timeout
        self.metrics = metrics

    def _counted(self, target: str, publish: Callable[[], Future[None]]) -> Future[None]:
        """``publish()``, its confirm counted for ``target`` when it comes."""
        future = publish()
        metrics = self.metrics
        if metrics is not None:
            future.add_done_callback(lambda done: None if done.cancelled() or done.exception() is not None
                                     else metrics.published(target))
        return future

    def _publish(self, envelope: Envelope, targets: tuple[str, ...]) -> None:
        where = "the broker"
        pending = self._pending()
        if pending is not None:
            cause = str(envelope.headers.get("caused-by", envelope.message_id))
            for target, (exchange, key) in zip(targets, addresses(self.broker.config, targets,
                                                                   envelope.command_type), strict=True):
                pending.hold(cause, f"{envelope.command_type} {envelope.message_id} to {key}",
                             partial(self._counted, target, partial(self.broker.publish, exchange,
                                                                    message_from_envelope(envelope, key))))
            return
        try:
            futures: list[tuple[str, Future[None]]] = [
                (key, self._counted(target, partial(self.broker.publish, exchange,
                                                    message_from_envelope(envelope, key))))
                for target, (exchange, key) in zip(targets, addresses(self.broker.config, targets,
                                                                      envelope.command_type), strict=True)
            ]
            for where, future in futures:  # noqa: B007 (``where`` names the failed target below)
                future.result(timeout=self.confirm_timeout)
        except Exception as exc:
            raise OutboundError(f"{envelope.command_type} {envelope.message_id} to {where} not confirmed: "
                                f"{type(exc).__name__}: {exc}") from exc

    def _ask(self, envelope: Envelope, target: str, timeout: float) -> bytes:
        [(exchange, key)] = addresses(self.broker.config, (target,), envelope.command_type)
        message = message_from_envelope(envelope, key, for_request=True)
        try:
            body = self.broker.request(exchange, message, timeout=timeout).result(timeout=timeout + 5.0).body
        except RequestTimeoutError as exc:  # published, only not answered in time
            if self.metrics is not None:
                self.metrics.published(target)
            raise OutboundError(f"{envelope.command_type} {envelope.message_id} to {target}: no answer: "
                                f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise OutboundError(f"{envelope.command_type} {envelope.message_id} to {target}: no answer: "
                                f"{type(exc).__name__}: {exc}") from exc
        if self.metrics is not None:
            self.metrics.published(target)
        return body


class RecordingOutbound(Outbound):
    """Validates and routes like ``BrokerOutbound`` and keeps each sent envelope with its targets in ``sent``.

    ``answer(envelope)`` gives the document a ``request`` gets back (none configured: ``LookupError``)."""

    def __init__(self, table: RoutingTable, validator: DocumentValidator, *, source_system: str = HUB_SYSTEM,
                 answer: Callable[[Envelope], bytes] | None = None) -> None:
        super().__init__(table, validator, source_system=source_system)
        self.sent: list[tuple[Envelope, tuple[str, ...]]] = []
        self._answer = answer

    def _publish(self, envelope: Envelope, targets: tuple[str, ...]) -> None:
        self.sent.append((envelope, targets))

    def _ask(self, envelope: Envelope, target: str, timeout: float) -> bytes:
        self.sent.append((envelope, (target,)))
        if self._answer is None:
            raise LookupError(f"RecordingOutbound has no answer for the request {envelope.command_type}")
        return self._answer(envelope)


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

    def send(self, document: bytes | etree._Element, *, step: str) -> RouteResult:
        return self._path.send(document, cause=self._cause, step=self._step(step), consumer=self._consumer)

    def request(self, document: bytes | etree._Element, *, step: str, timeout: float | None = None) -> bytes:
        return self._path.request(document, cause=self._cause, step=self._step(step), consumer=self._consumer,
                                  timeout=timeout)
