"""``WorkerTestClient``: run handlers through the worker pipeline without a broker.

The same ``Processor`` as the ``Worker`` (idempotency, classification, in-process retries) with no
sleeping, and the delay tiers and the DLQ simulated: a ``RETRY`` decision sends the message straight back
(as the tier would after its TTL), a ``DEAD`` one lands in ``client.dead_letters``. A ``WAIT`` (the system is
down: ``CallsHeldBack``) ends the send with ``result.waiting`` and the copy that waits in ``result.waiting_copy``;
with ``send(..., on_wait=clock.advance)`` the client lets the wait pass (``on_wait(seconds)``) and delivers the
copy again, until the message is settled::

    client = WorkerTestClient(handlers, consumer="boss", dependencies={"boss": FakeBoss()})
    result = client.send(envelope)
    assert result.processed and result.outcome == "gold"
    assert client.send(envelope).duplicate          # same message id: the effect is not repeated
    assert client.request(query).reply.startswith(b"<?xml")   # a request: the answer it got (or c:Error)
    assert [e.command_type for e, _ in client.sent] == ["nsp.NetworkComplaintDispatch"]  # what handlers sent

Handlers that ask for ``outbound`` get a ``RecordingOutbound``: what they send is validated and routed (by
``routing``, default the built-in table) like on a broker, and kept in ``client.sent``; so are the
``workorder.DeadLetterNote`` the ``Worker`` sends when a hub's command for a work order is dead-lettered or carried
out on its replay (``hub.workers.dead_letter_notes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.codec import message_from_envelope
from hub.routing.outbound import Outbound, RecordingOutbound
from hub.routing.table import RoutingTable
from hub.store.base import ProcessedStore
from hub.store.memory import MemoryProcessedStore
from hub.transport.message import Message
from hub.transport.topology import TopologyConfig, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers.classify import Classifier
from hub.workers.dead_letter_notes import DeadLetterNotes
from hub.workers.processor import Action, Decision, Processor
from hub.workers.registry import OUTBOUND, HandlerRegistry
from hub.workers.retry import RetryPolicy, max_total_attempts
from hub.workers.waiting import wait_copy
from hub.workers.worker import dead_letter_copy, retry_copy

__all__ = ["DEFAULT_DELAYS", "DEFAULT_TIERS", "MAX_DELIVERIES", "REPLY_TO", "SendResult", "WorkerTestClient"]

DEFAULT_TIERS: tuple[str, ...] = tuple(tier.name for tier in TopologyConfig().delay_tiers)
DEFAULT_DELAYS: tuple[float, ...] = tuple(tier.ttl_ms / 1000 for tier in TopologyConfig().delay_tiers)
MAX_DELIVERIES = 100_000  # one send gives up (RuntimeError) after this many simulated deliveries
REPLY_TO = "test.reply-to"  # the reply-to of the requests ``WorkerTestClient.request`` sends


@dataclass(frozen=True, slots=True)
class SendResult:
    final: Decision
    deliveries: list[Decision] = field(default_factory=list)  # one per (simulated) delivery
    dead_letter: Message | None = None
    waiting_copy: Message | None = None  # WAIT: the copy that waits in a delay tier for the system

    @property
    def processed(self) -> bool:
        return self.final.action is Action.ACK and not self.final.duplicate

    @property
    def duplicate(self) -> bool:
        return self.final.duplicate

    @property
    def dead(self) -> bool:
        return self.final.action is Action.DEAD

    @property
    def waiting(self) -> bool:
        """The system is down: the message waits in a delay tier (``waiting_copy``), no attempt counted."""
        return self.final.action is Action.WAIT

    @property
    def waits(self) -> int:
        """How many of the deliveries ended waiting for the system."""
        return sum(1 for d in self.deliveries if d.action is Action.WAIT)

    @property
    def outcome(self) -> str | None:
        return self.final.outcome

    @property
    def reason(self) -> str | None:
        return self.final.reason

    @property
    def attempts(self) -> int:
        return self.final.attempts

    @property
    def reply(self) -> bytes | None:
        """A request's answer, as the worker sends it (after recording it): the response or a ``c:Error``."""
        return self.final.reply


class WorkerTestClient:
    def __init__(
        self,
        registry: HandlerRegistry,
        *,
        consumer: str,
        dependencies: Mapping[str, Any] | None = None,
        store: ProcessedStore | None = None,
        policy: RetryPolicy | None = None,
        tiers: tuple[str, ...] = DEFAULT_TIERS,
        delays: tuple[float, ...] | None = None,
        classifier: Classifier | None = None,
        metrics: Metrics | None = None,
        outbound: Outbound | None = None,
        routing: RoutingTable | None = None,
    ) -> None:
        self.consumer = consumer
        self.queue = TopologyConfig().queue(consumer)
        self.store = store if store is not None else MemoryProcessedStore()
        if outbound is None and registry.needs(consumer, OUTBOUND):
            outbound = _recording(routing)
        self.outbound = outbound
        self.processor = Processor(
            consumer, registry, self.store, tiers=tiers,
            delays=(DEFAULT_DELAYS if tiers == DEFAULT_TIERS else ()) if delays is None else delays,
            dependencies=dependencies,
            policy=policy or RetryPolicy(initial=0.0), classifier=classifier, metrics=metrics,
            outbound=outbound, sleep=lambda _seconds: None,
        )
        self.max_attempts = max_total_attempts(self.processor.policy, len(tiers))
        self.dead_letters: list[Message] = []
        self.notes = DeadLetterNotes(outbound, consumer)  # as the Worker's: in ``sent`` with a RecordingOutbound

    @property
    def sent(self) -> list[tuple[Envelope, tuple[str, ...]]]:
        """What handlers sent through ``outbound``: (envelope, targets), in order (a ``RecordingOutbound``)."""
        return self.outbound.sent if isinstance(self.outbound, RecordingOutbound) else []

    def message(self, envelope: Envelope) -> Message:
        """The message a router would publish for ``envelope`` to this consumer."""
        return message_from_envelope(envelope, routing_key(self.consumer, envelope.command_type))

    def request(self, envelope: Envelope, *, on_wait: Callable[[float], None] | None = None) -> SendResult:
        """Deliver ``envelope`` as a request (with a reply-to); ``result.reply`` is the answer."""
        message = message_from_envelope(envelope, routing_key(self.consumer, envelope.command_type), for_request=True)
        return self.send(replace(message, reply_to=REPLY_TO, correlation_id=envelope.message_id), on_wait=on_wait)

    def send(
        self, item: Envelope | Message, *, follow_retries: bool = True, on_wait: Callable[[float], None] | None = None
    ) -> SendResult:
        """Deliver once; with ``follow_retries`` also every simulated return from a delay tier. A ``WAIT`` ends
        the send unless ``on_wait`` is given: then ``on_wait(seconds)`` (e.g. a fake clock's advance) and the
        waiting copy is delivered again."""
        message = item if isinstance(item, Message) else self.message(item)
        deliveries: list[Decision] = []
        while len(deliveries) < MAX_DELIVERIES:
            decision = self.processor.process(message)
            deliveries.append(decision)
            if decision.action is Action.RETRY and follow_retries:
                message = retry_copy(message, self.queue, decision)
                continue
            if decision.action is Action.WAIT:
                copy = wait_copy(message, self.queue, decision.reason or "", decision.headers)
                if on_wait is None:
                    return SendResult(decision, deliveries, waiting_copy=copy)
                on_wait(decision.wait or 0.0)
                message = copy
                continue
            if decision.action is Action.DEAD:
                dead = dead_letter_copy(message, self.queue, decision)
                self.dead_letters.append(dead)
                self.notes.dead_lettered(message, decision.kind, decision.refusal_code, decision.failure_class)
                return SendResult(decision, deliveries, dead)
            if decision.action is Action.ACK and not decision.duplicate:
                self.notes.carried_out(message)
            return SendResult(decision, deliveries)
        raise RuntimeError(f"message {message.message_id} not settled after {MAX_DELIVERIES} deliveries")


def _recording(routing: RoutingTable | None) -> RecordingOutbound:
    sets, default_table = _installed()
    return RecordingOutbound(routing or default_table, DocumentValidator(sets))


@lru_cache(maxsize=1)
def _installed() -> tuple[CommandSetRegistry, RoutingTable]:
    """The installed command sets and the built-in routing table, loaded once per process."""
    sets = CommandSetRegistry.installed()
    return sets, RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=sets.command_types())
