"""Backbone topology: exchanges, queues and bindings, declared idempotently at start.

Routing-key scheme: ``<consumer>.<system>.<Command>``, e.g. ``boss.workorder.CreateWorkOrder`` is the
``CreateWorkOrder`` command of the ``workorder`` set addressed to the BOSS adapter. Each consumer queue is
bound to the commands exchange with ``<consumer>.#`` (override with ``TopologyConfig.bindings``), so one
routing key addresses exactly one consumer; ``routing_key()`` builds keys.

With the default prefix ``onepoint``:

* ``onepoint.commands`` -- topic exchange for commands.
* ``onepoint.<consumer>`` -- one quorum queue per consumer (``boss``, ``crm``, ``nsp``, ``dsmp``, ``oa``,
  ``bulletin``, ``workflow``), with an explicit ``x-delivery-limit``, dead-lettering to ``onepoint.dlx`` with
  the queue's name as routing key, ``dead-letter-strategy=at-least-once`` and ``overflow=reject-publish`` (which
  at-least-once dead-lettering requires).
* ``onepoint.dlx`` -- direct exchange; ``onepoint.<consumer>.dlq`` -- the consumer's dead-letter queue
  (quorum), bound with the consumer queue's name. Each dead letter carries the broker's ``x-death``
  (reason ``rejected``, ``expired``, ``delivery_limit``).
* ``onepoint.delay.<tier>`` -- one fanout exchange and one quorum queue per delay tier (default 5s, 30s,
  5m) with ``x-message-ttl``, dead-lettering (at-least-once) to the *default* exchange. A consumer retries
  by publishing a copy to the tier with the routing key set to *its own queue's name* (original key kept
  in ``x-original-routing-key``): when the TTL expires the message goes back to exactly the queue that
  asked for the retry, never to the other queues that the original key or a broadcast reached.
* ``onepoint.broadcast`` -- fanout exchange for broadcasts (outage notices) bound to every queue in
  ``broadcast_consumers``: by default those that act on an outage notice (``DEFAULT_BROADCAST_CONSUMERS``: the
  agents' bulletin, CRM, OA and the workflow), not BOSS, DSMP or NSP, which sent it. ``None``: every queue.

Why the tiers keep at-least-once dead-lettering. An audit reported copies "stuck for good"
in the 5 s tier after an NSP worker was SIGKILLed mid-call, and suspected rabbitmq-server#10718 (quorum queues with
a TTL whose messages do not expire). Measured on 3.10.8 with that scenario: the copies were not stuck. They were
fetchable by ``basic.get`` and ``ready`` (``messages_unacknowledged`` 0, rabbit_fifo: 0 discarded, 0 checked out),
and their ``x-death`` count rose by one every ~5 s: the tier expired them on time, and the surviving worker sent
them straight back as BUSY because the dead worker's claims were leased for 300 s. The same cycle showed with
at-most-once dead-lettering on the tiers and with classic tier queues. The fix is in the claims (a dead owner's
claim is taken over at once, ``hub.store.owner``; leases are short and renewed, ``hub.store.lease``), not here:
at-most-once would drop a copy that its consumer queue refuses (``reject-publish`` with ``max_length``), and
at-least-once keeps retrying it. The tiers' depths are in ``onepoint_queue_messages{queue}`` with every other
queue's, so a tier that ever does keep copies shows.

``Topology`` is a plain description (``ExchangeSpec``/``QueueSpec``/``BindingSpec``) that both broker
implementations interpret, so the in-memory broker follows exactly the same arguments as RabbitMQ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_BROADCAST_CONSUMERS",
    "DEFAULT_CONSUMERS",
    "PROBE_QUEUE_ARGUMENTS",
    "BindingSpec",
    "DelayTier",
    "ExchangeSpec",
    "QueueSpec",
    "Topology",
    "TopologyConfig",
    "routing_key",
]

DEFAULT_CONSUMERS: tuple[str, ...] = ("boss", "crm", "nsp", "dsmp", "oa", "mail", "bulletin", "workflow")
# The consumers that act on a broadcast (an outage notice); one the topology does not have is left out.
DEFAULT_BROADCAST_CONSUMERS: tuple[str, ...] = ("bulletin", "crm", "oa", "workflow")


def routing_key(consumer: str, command_type: str) -> str:
    """``routing_key("boss", "workorder.CreateWorkOrder") == "boss.workorder.CreateWorkOrder"``."""
    return f"{consumer}.{command_type}"


@dataclass(frozen=True, slots=True)
class DelayTier:
    name: str
    ttl_ms: int


@dataclass(frozen=True, slots=True)
class ExchangeSpec:
    name: str
    type: str  # "topic" | "fanout" | "direct"


@dataclass(frozen=True, slots=True)
class QueueSpec:
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BindingSpec:
    exchange: str
    queue: str
    routing_key: str


@dataclass(frozen=True, slots=True)
class TopologyConfig:
    """Names and tiers. Everything has a sane default; tests use a unique ``prefix`` and short tiers."""

    prefix: str = "onepoint"
    consumers: tuple[str, ...] = DEFAULT_CONSUMERS
    bindings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    broadcast_consumers: tuple[str, ...] | None = DEFAULT_BROADCAST_CONSUMERS  # None: every consumer
    delay_tiers: tuple[DelayTier, ...] = (
        DelayTier("5s", 5_000),
        DelayTier("30s", 30_000),
        DelayTier("5m", 300_000),
    )
    delivery_limit: int = 10
    # Per consumer queue; further publishes are nacked (a 3.10 quorum queue takes max_length + 1).
    max_length: int | None = None

    @property
    def commands_exchange(self) -> str:
        return f"{self.prefix}.commands"

    @property
    def broadcast_exchange(self) -> str:
        return f"{self.prefix}.broadcast"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    def queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}.dlq"

    @property
    def probe_queue(self) -> str:
        return f"{self.prefix}.probe"

    def delay_exchange(self, tier: str) -> str:
        if tier not in {t.name for t in self.delay_tiers}:
            raise KeyError(f"unknown delay tier {tier!r}; have {[t.name for t in self.delay_tiers]}")
        return f"{self.prefix}.delay.{tier}"

    def binding_keys(self, consumer: str) -> tuple[str, ...]:
        return self.bindings.get(consumer, (f"{consumer}.#",))


# the probe queue keeps nothing: each probe is routed to it and dropped at once (drop-head at length 0). A quorum
# queue like the others: a durable classic queue whose node is down cannot be declared again (404 "home node …
# down"), which stopped every reconnect to the cluster's other nodes
PROBE_QUEUE_ARGUMENTS: Mapping[str, Any] = {"x-queue-type": "quorum", "x-queue-leader-locator": "balanced",
                                            "x-max-length": 0, "x-overflow": "drop-head"}


def _quorum(**extra: Any) -> dict[str, Any]:
    """A quorum queue's arguments. ``balanced``: its leader goes to the node with the fewest leaders rather than
    the declaring node, so a cluster's nodes share the leaders' work (RabbitMQ 3.10+)."""
    return {"x-queue-type": "quorum", "x-queue-leader-locator": "balanced",
            **{k: v for k, v in extra.items() if v is not None}}


@dataclass(frozen=True, slots=True)
class Topology:
    """The declarations that ``config`` calls for, in a safe order (exchanges, queues, bindings)."""

    config: TopologyConfig
    exchanges: tuple[ExchangeSpec, ...]
    queues: tuple[QueueSpec, ...]
    bindings: tuple[BindingSpec, ...]

    @classmethod
    def build(cls, config: TopologyConfig | None = None) -> Topology:
        c = config or TopologyConfig()
        exchanges = [
            ExchangeSpec(c.commands_exchange, "topic"),
            ExchangeSpec(c.broadcast_exchange, "fanout"),
            ExchangeSpec(c.dead_letter_exchange, "direct"),
        ]
        queues: list[QueueSpec] = []
        bindings: list[BindingSpec] = []
        at_least_once = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
        for tier in c.delay_tiers:
            name = c.delay_exchange(tier.name)
            exchanges.append(ExchangeSpec(name, "fanout"))
            queues.append(
                QueueSpec(
                    name,
                    _quorum(**{"x-message-ttl": tier.ttl_ms, "x-dead-letter-exchange": ""}, **at_least_once),
                )
            )
            bindings.append(BindingSpec(name, name, ""))
        broadcast = c.consumers if c.broadcast_consumers is None else c.broadcast_consumers
        for consumer in c.consumers:
            queue = c.queue(consumer)
            args = _quorum(
                **{
                    "x-delivery-limit": c.delivery_limit,
                    "x-dead-letter-exchange": c.dead_letter_exchange,
                    "x-dead-letter-routing-key": queue,
                    "x-max-length": c.max_length,
                },
                **at_least_once,
            )
            queues.append(QueueSpec(queue, args))
            queues.append(QueueSpec(c.dead_letter_queue(consumer), _quorum()))
            bindings.append(BindingSpec(c.dead_letter_exchange, c.dead_letter_queue(consumer), queue))
            bindings.extend(BindingSpec(c.commands_exchange, queue, k) for k in c.binding_keys(consumer))
            if consumer in broadcast:
                bindings.append(BindingSpec(c.broadcast_exchange, queue, ""))
        queues.append(QueueSpec(c.probe_queue, PROBE_QUEUE_ARGUMENTS))
        return cls(c, tuple(exchanges), tuple(queues), tuple(bindings))

    def queue_spec(self, name: str) -> QueueSpec:
        for spec in self.queues:
            if spec.name == name:
                return spec
        raise KeyError(name)
