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
``Outbound``, the path they share, and ``Sender`` are ``hub.routing.outbound_path``; the derived message ids
``hub.routing.message_ids``.

A batch worker sends inside ``with outbound.deferred_confirms() as pending:``: a send returns at once, published
when its handler succeeded (``pending.release``), and ``pending.wait()`` awaits every confirm of the batch together
before the batch commits (one round trip per batch instead of one per command).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from functools import partial

from hub.envelope import HUB_SYSTEM, Envelope
from hub.observability.metrics import Metrics
from hub.routing.addresses import addresses
from hub.routing.codec import message_from_envelope
from hub.routing.confirms import OutboundError, PendingConfirms
from hub.routing.message_ids import derive_message_id
from hub.routing.outbound_path import Outbound, Sender
from hub.routing.table import RoutingTable
from hub.transport.broker import Broker
from hub.transport.errors import RequestTimeoutError
from hub.validation.validator import DocumentValidator

__all__ = ["BrokerOutbound", "Outbound", "OutboundError", "PendingConfirms", "RecordingOutbound", "Sender",
           "derive_message_id"]


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
