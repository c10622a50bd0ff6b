"""Prometheus metrics of the hub, owned by one injected ``Metrics`` object (no global registry).

Every name is prefixed ``onepoint_``; counters are exposed with prometheus' ``_total`` suffix:

* ``onepoint_messages_accepted_total{command_type}`` / ``onepoint_messages_refused_total{reason}`` (ingress; refused:
  nothing was handed on)
* ``onepoint_error_answers_total{code}`` (requests handed on and answered with an error, not refused by the
  ingress; code: rejected — the system's own refusal —, system-unavailable — kept until it is back —,
  dead-lettered, message-id-reused, bad-reply, timeout)
* ``onepoint_messages_published_total{target}`` (confirmed publishes)
* ``onepoint_reply_cache_hits_total{command_type}`` / ``onepoint_reply_cache_misses_total{command_type}``
  (requests of a route with ``cache_ttl``: answered without a publish, from the ingress's reply cache or by
  joining the same request in flight; or sent to the broker)
* ``onepoint_messages_consumed_total{consumer,outcome}`` (outcome: processed, duplicate, retried,
  dead_lettered, busy, requeued, waiting — its system is down: the message waits, no attempt counted)
* ``onepoint_messages_retried_total{consumer,tier}`` (tier ``in-process`` or a delay tier's name)
* ``onepoint_messages_dead_lettered_total{consumer,kind}`` (kind: permanent, exhausted)
* ``onepoint_messages_replayed_total{consumer}`` (from a DLQ)
* ``onepoint_handler_latency_seconds{consumer}`` (histogram, one observation per handler attempt; a delivery held
  back by its system's open circuit, outcome waiting, is none)
* ``onepoint_broker_connected`` (gauge: 1 while the broker is connected with its topology declared)
* ``onepoint_gateway_call_seconds{system,outcome}`` (histogram, one observation per call to a backend system;
  outcome: ok, transient, permanent, open — refused by an open circuit without calling —, error — an
  exception nobody classified)
* ``onepoint_circuit_state{system, circuit}`` (gauge: 0 closed, 1 half-open, 2 open — calls are held back):
  one series per circuit, ``circuit`` its name: the system's own (``circuit="boss"``) or a group of its operations'
  (``circuit="boss.hlr"``); ``{system="boss"}`` selects every circuit of the system
* ``onepoint_queue_messages{queue}`` (gauge: messages ready in each consumer's queue, delay tier and DLQ, read from
  the broker at scrape time, at most once every 2 s: ``hub.observability.queues``)
* ``onepoint_dependency_up{dependency}`` (gauge: 1 while a dependency the process checks in the background answers,
  e.g. ``database``: the work-order store; 0 while it fails)
* ``onepoint_mail_inbox_passes_total{outcome}`` (ok, failed), ``onepoint_mail_inbox_mails_total{result}`` (taken,
  refused, left) and ``onepoint_mail_inbox_last_success_timestamp_seconds`` (the IMAP inbox poller's passes:
  ``hub.ingress.mail.inbox_health``; only in a hub with ``[mail.inbox]``: ``hub.observability.inbox_metrics``)
* ``onepoint_work_order_actions_total{action}`` / ``onepoint_work_order_refusals_total{code}`` /
  ``onepoint_deadlines_fired_total{kind}`` (the work-order engine's actions, refusals and fired deadlines)
* the work-order engine's health, read from its database at scrape time, at most once every 5 s, in the processes
  that run the workflow (``hub.observability.work_order_health``): ``onepoint_deadline_scheduler_lag_seconds`` (how
  long the oldest due deadline has waited unfired; 0: none due), ``onepoint_deadlines_due``,
  ``onepoint_event_outbox_unpublished``, ``onepoint_event_outbox_oldest_unpublished_seconds`` and
  ``onepoint_event_listeners{state}`` (active, retrying, parked)

``render()`` gives ``(body, content_type)`` for a ``GET /metrics`` endpoint, e.g. in Starlette::

    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from hub.observability.inbox_metrics import InboxSeries
from hub.observability.queues import CONSUMERS_DOCUMENTATION, QUEUE_DEPTH_MAX_AGE, QueueDepths
from hub.observability.work_order_health import WORK_ORDER_HEALTH_MAX_AGE, WorkOrderHealth, WorkOrderHealthGauges

__all__ = ["CIRCUIT_STATES", "LATENCY_BUCKETS", "Metrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CIRCUIT_STATES = {"closed": 0, "half-open": 1, "open": 2}  # the value of onepoint_circuit_state


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, *, prefix: str = "onepoint") -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r, p = self.registry, prefix
        self._accepted = Counter(f"{p}_messages_accepted", "Commands accepted by the ingress.", ["command_type"],
                                 registry=r)
        self._refused = Counter(f"{p}_messages_refused", "Commands refused by the ingress.", ["reason"], registry=r)
        self._error_answers = Counter(f"{p}_error_answers", "Requests handed on and answered with an error, by code "
                                      "(rejected: the system refused it; not refused by the ingress).", ["code"],
                                      registry=r)
        self._published = Counter(f"{p}_messages_published", "Messages published and confirmed.", ["target"],
                                  registry=r)
        self._cache_hits = Counter(f"{p}_reply_cache_hits", "Requests answered from the reply cache.",
                                   ["command_type"], registry=r)
        self._cache_misses = Counter(f"{p}_reply_cache_misses", "Cacheable requests sent on (not in the cache).",
                                     ["command_type"], registry=r)
        self._consumed = Counter(f"{p}_messages_consumed", "Deliveries settled by workers.",
                                 ["consumer", "outcome"], registry=r)
        self._retried = Counter(f"{p}_messages_retried", "Retries, by layer (in-process or delay tier).",
                                ["consumer", "tier"], registry=r)
        self._dead = Counter(f"{p}_messages_dead_lettered", "Messages sent to a DLQ.", ["consumer", "kind"],
                             registry=r)
        self._replayed = Counter(f"{p}_messages_replayed", "Messages replayed from a DLQ.", ["consumer"],
                                 registry=r)
        self._latency = Histogram(f"{p}_handler_latency_seconds", "Handler run time per attempt.", ["consumer"],
                                  buckets=LATENCY_BUCKETS, registry=r)
        self._connected = Gauge(f"{p}_broker_connected", "1 while the broker connection is up.", registry=r)
        self._gateway_latency = Histogram(f"{p}_gateway_call_seconds", "Calls to backend systems, by outcome.",
                                          ["system", "outcome"], buckets=LATENCY_BUCKETS, registry=r)
        self._circuit = Gauge(f"{p}_circuit_state", "Circuit per backend system (and per group of its operations "
                              "with a circuit of their own): 0 closed, 1 half-open, 2 open.", ["system", "circuit"],
                              registry=r)
        self._wo_actions = Counter(f"{p}_work_order_actions", "Work-order actions carried out (CREATE, DISPATCH, ...).",
                                   ["action"], registry=r)
        self._wo_refusals = Counter(f"{p}_work_order_refusals", "Work-order commands refused, by c:Error code "
                                    "(dispatch-incomplete: a dispatch too poor to act on).", ["code"], registry=r)
        self._dependency = Gauge(f"{p}_dependency_up", "1 while a dependency checked in the background answers "
                                 "(database: the work-order store), 0 while it fails.", ["dependency"], registry=r)
        self._inbox: InboxSeries | None = None  # made by expect_inbox: only where an inbox is read
        self._prefix = p
        self._queues: QueueDepths | None = None
        self._consumers: QueueDepths | None = None
        self._work_orders: WorkOrderHealthGauges | None = None
        self._deadlines = Counter(f"{p}_deadlines_fired", "Deadline rows the scheduler fired, by kind.", ["kind"],
                                  registry=r)

    # -- ingress ------------------------------------------------------------------------------------------
    def accepted(self, command_type: str) -> None:
        self._accepted.labels(command_type=command_type).inc()

    def refused(self, reason: str) -> None:
        """A command refused before anything was handed on (``reason``: its refusal code)."""
        self._refused.labels(reason=reason).inc()

    def expect_error_answers(self, codes: Iterable[str]) -> None:
        """Show each of ``codes`` at 0 before it first occurs: an alert on its rate (``rate(...[5m]) > 0``) or its
        absence then has a series to read from the start, not only after the first error."""
        for code in codes:
            self._error_answers.labels(code=code)

    def error_answer(self, code: str) -> None:
        """A request handed on was answered with an error (``code``: ``hub.ingress.outcomes.ERROR_ANSWERS``)."""
        self._error_answers.labels(code=code).inc()

    def published(self, target: str, count: int = 1) -> None:
        self._published.labels(target=target).inc(count)

    def reply_cache(self, command_type: str, *, hit: bool) -> None:
        """A request of a cached route was answered without a publish (``hit``: cached, or joined in flight)."""
        (self._cache_hits if hit else self._cache_misses).labels(command_type=command_type).inc()

    # -- workers ------------------------------------------------------------------------------------------
    def consumed(self, consumer: str, outcome: str) -> None:
        self._consumed.labels(consumer=consumer, outcome=outcome).inc()

    def retried(self, consumer: str, tier: str) -> None:
        self._retried.labels(consumer=consumer, tier=tier).inc()

    def dead_lettered(self, consumer: str, kind: str) -> None:
        self._dead.labels(consumer=consumer, kind=kind).inc()

    def replayed(self, consumer: str, count: int = 1) -> None:
        self._replayed.labels(consumer=consumer).inc(count)

    def observe_handler(self, consumer: str, seconds: float) -> None:
        self._latency.labels(consumer=consumer).observe(seconds)

    # -- broker -------------------------------------------------------------------------------------------
    def set_broker_connected(self, connected: bool) -> None:
        self._connected.set(1 if connected else 0)

    def track_broker(self, ready: Callable[[], bool]) -> None:
        """Make the gauge read ``ready()`` (e.g. ``broker.ready``) at every scrape."""
        self._connected.set_function(lambda: 1.0 if ready() else 0.0)

    def track_queues(self, read: Callable[[], Mapping[str, int]], *, max_age: float = QUEUE_DEPTH_MAX_AGE) -> None:
        """Expose ``read()`` (queue → messages ready, e.g. ``broker.message_counts(names)``) as
        ``onepoint_queue_messages{queue}``, read at scrape time and kept ``max_age`` seconds; a second call replaces
        the read."""
        if self._queues is None:
            self._queues = QueueDepths(read, name=f"{self._prefix}_queue_messages", max_age=max_age)
            self.registry.register(self._queues)
        else:
            self._queues.cache.read, self._queues.cache.max_age = read, max_age

    def track_consumers(self, read: Callable[[], Mapping[str, int]], *, max_age: float = QUEUE_DEPTH_MAX_AGE) -> None:
        """Expose ``read()`` (queue → consumers, e.g. ``broker.consumer_counts(names)``) as
        ``onepoint_queue_consumers{queue}``, read at scrape time and kept ``max_age`` seconds; a second call replaces
        the read."""
        if self._consumers is None:
            self._consumers = QueueDepths(read, name=f"{self._prefix}_queue_consumers", max_age=max_age,
                                          documentation=CONSUMERS_DOCUMENTATION, what="queue consumers")
            self.registry.register(self._consumers)
        else:
            self._consumers.cache.read, self._consumers.cache.max_age = read, max_age

    def consumer_counts(self) -> dict[str, int]:
        """The last read of ``track_consumers`` (read now if older than its ``max_age``); empty without one."""
        return self._consumers.depths() if self._consumers is not None else {}

    def track_dependency(self, dependency: str, up: Callable[[], bool]) -> None:
        """Make ``onepoint_dependency_up{dependency}`` read ``up()`` at every scrape (1 up, 0 failing)."""
        self._dependency.labels(dependency=dependency).set_function(lambda: 1.0 if up() else 0.0)

    # -- gateways (calls to backend systems) ------------------------------------------------------------
    def gateway_call(self, system: str, seconds: float, outcome: str) -> None:
        """One call to ``system`` took ``seconds``; outcome ``ok``, ``transient``, ``permanent``, ``open`` or ``error``
        (an exception nobody classified)."""
        self._gateway_latency.labels(system=system, outcome=outcome).observe(seconds)

    def track_circuit(self, system: str, state: Callable[[], str], *, circuit: str | None = None) -> None:
        """Make the gauge of ``system``'s circuit ``circuit`` (default: the system's own, named after it) read
        ``state()`` (``closed``, ``half-open``, ``open``) at every scrape, so it turns half-open when the reset time
        is over, as ``/readyz`` does, without waiting for a call."""
        self._circuit.labels(system=system, circuit=circuit or system).set_function(
            lambda: float(CIRCUIT_STATES[state()]))

    # -- the IMAP inbox -----------------------------------------------------------------------------------
    def expect_inbox(self) -> None:
        """Register the inbox's series (``hub.observability.inbox_metrics``), shown at 0 before its first pass; a
        process that never calls it (no ``[mail.inbox]``, a separate worker) exports none of them."""
        self._inbox_series()

    def _inbox_series(self) -> InboxSeries:
        if self._inbox is None:
            self._inbox = InboxSeries(self.registry, prefix=self._prefix)
        return self._inbox

    def inbox_pass(self, outcome: str, at: float | None = None) -> None:
        """An inbox pass ended ``ok`` (at Unix time ``at``) or ``failed``."""
        self._inbox_series().passed(outcome, at)

    def inbox_mails(self, *, taken: int, refused: int, left: int) -> None:
        self._inbox_series().mails(taken=taken, refused=refused, left=left)

    # -- the work-order engine -------------------------------------------------------------------------------
    def work_order_action(self, action: str) -> None:
        self._wo_actions.labels(action=action).inc()

    def work_order_refused(self, code: str) -> None:
        self._wo_refusals.labels(code=code).inc()

    def deadline_fired(self, kind: str) -> None:
        self._deadlines.labels(kind=kind).inc()

    def track_work_orders(self, read: Callable[[], WorkOrderHealth], *,
                          max_age: float = WORK_ORDER_HEALTH_MAX_AGE) -> Callable[[], None]:
        """Expose ``read()`` (the work-order database's figures) as the engine's health gauges, read at scrape time
        and kept ``max_age`` seconds; a second call replaces the read. Returns what stops exposing them (the gauges
        gone from ``/metrics``; nothing if another read replaced this one meanwhile)."""
        if self._work_orders is None:
            self._work_orders = WorkOrderHealthGauges(read, prefix=self._prefix, max_age=max_age)
            self.registry.register(self._work_orders)
        else:
            self._work_orders.cache.read, self._work_orders.cache.max_age = read, max_age
        gauges = self._work_orders

        def stop() -> None:
            if self._work_orders is gauges and gauges.cache.read is read:
                self.registry.unregister(gauges)
                self._work_orders = None

        return stop

    # -- exposition ---------------------------------------------------------------------------------------
    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0.0 if absent): ``metrics.value("onepoint_messages_replayed_total")``."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else float(found)

    def render(self) -> tuple[bytes, str]:
        """The text exposition and its content type, for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
