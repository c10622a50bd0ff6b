"""``WorkerTestClient``: run handlers through the worker pipeline without a broker.

The same ``Processor`` as the ``Worker`` (idempotency, classification, in-process retries) with no
sleeping, and the delay tiers and the DLQ simulated: a ``RETRY`` decision sends the message straight back
(as the tier would after its TTL), a ``DEAD`` one lands in ``client.dead_letters``::

    client = WorkerTestClient(handlers, consumer="boss", dependencies={"boss": FakeBoss()})
    result = client.send(envelope)
    assert result.processed and result.outcome == "gold"
    assert client.send(envelope).duplicate          # same message id: the effect is not repeated
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.codec import message_from_envelope
from hub.store.base import ProcessedStore
from hub.store.memory import MemoryProcessedStore
from hub.transport.message import Message
from hub.transport.topology import TopologyConfig, routing_key
from hub.workers.classify import Classifier
from hub.workers.processor import Action, Decision, Processor
from hub.workers.registry import HandlerRegistry
from hub.workers.retry import RetryPolicy, max_total_attempts
from hub.workers.worker import dead_letter_copy, retry_copy

__all__ = ["DEFAULT_TIERS", "SendResult", "WorkerTestClient"]

DEFAULT_TIERS: tuple[str, ...] = tuple(tier.name for tier in TopologyConfig().delay_tiers)


@dataclass(frozen=True, slots=True)
class SendResult:
    final: Decision
    deliveries: list[Decision] = field(default_factory=list)  # one per (simulated) delivery
    dead_letter: Message | None = None

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
    def outcome(self) -> str | None:
        return self.final.outcome

    @property
    def reason(self) -> str | None:
        return self.final.reason

    @property
    def attempts(self) -> int:
        return self.final.attempts


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
        classifier: Classifier | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.consumer = consumer
        self.queue = TopologyConfig().queue(consumer)
        self.store = store if store is not None else MemoryProcessedStore()
        self.processor = Processor(
            consumer, registry, self.store, tiers=tiers, dependencies=dependencies,
            policy=policy or RetryPolicy(initial=0.0), classifier=classifier, metrics=metrics,
            sleep=lambda _seconds: None,
        )
        self.max_attempts = max_total_attempts(self.processor.policy, len(tiers))
        self.dead_letters: list[Message] = []

    def message(self, envelope: Envelope) -> Message:
        """The message a router would publish for ``envelope`` to this consumer."""
        return message_from_envelope(envelope, routing_key(self.consumer, envelope.command_type))

    def send(self, item: Envelope | Message, *, follow_retries: bool = True) -> SendResult:
        """Deliver once; with ``follow_retries`` also every simulated return from a delay tier."""
        message = item if isinstance(item, Message) else self.message(item)
        deliveries: list[Decision] = []
        while True:
            decision = self.processor.process(message)
            deliveries.append(decision)
            if decision.action is Action.RETRY and follow_retries:
                message = retry_copy(message, self.queue, decision)
                continue
            if decision.action is Action.DEAD:
                dead = dead_letter_copy(message, self.queue, decision)
                self.dead_letters.append(dead)
                return SendResult(decision, deliveries, dead)
            return SendResult(decision, deliveries)
