"""``HubSystem``: the hub's app and, in the same process, a worker for every queue that has a consumer.

The app opens the broker of the settings; the workers consume from that same broker object (on ``memory://``
this is the only way they can: the broker lives in this process). With ``workers=False`` (``onepoint serve
--no-workers`` on ``amqp://``) the queues are consumed by separate ``onepoint worker <consumer>`` processes,
competing consumers of the same queues. Workers, the app's ``/readyz`` and ``/metrics`` share one ``Metrics``
and one ``CircuitBreakers``: ``/readyz`` names an open circuit, ``/metrics`` shows each gateway's calls.

Shutdown (the app's lifespan end, after uvicorn stopped taking requests; a direct ``stop()`` first closes
admission: new requests get 503): what runs beside the workers (the deadline scheduler) stops; on ``memory://``
the workers then drain the queues of this process, their delay tiers included, for up to ``drain_seconds``
(``hub.system.drain``: whatever is left is logged as lost, per queue, also when no worker ran here); each worker
stops consuming and its running handlers finish (unsettled deliveries go back to the queue, which on RabbitMQ keeps
them for the next start), then the adapters' clients and the processed stores are closed; the app closes the broker
afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from hub.config.settings import ConfigError, HubSettings
from hub.gateways import CircuitBreakers
from hub.ingress.app import HubApp, create_app
from hub.observability.metrics import Metrics
from hub.routing.broker_router import BrokerRouter
from hub.routing.factory import load_routing_table
from hub.routing.outbound import BrokerOutbound, Outbound
from hub.routing.table import RoutingTable
from hub.store import ProcessedStore, open_store
from hub.system.admission import Admission, AdmissionGate
from hub.system.consumers import ConsumerKit, consumer_kits
from hub.system.drain import DRAIN_SECONDS, drain, report_lost
from hub.system.health import PROCESSED_STORE, database_probe, processed_store_probe, shared_database_probes
from hub.system.start_errors import start_failure
from hub.system.store_outage import hold_back_while_down
from hub.transport.memory import MemoryBroker
from hub.transport.urls import scheme
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import Worker

__all__ = ["HubSystem", "RunningConsumer", "SystemStartError", "dependency_defaults", "processed_store_url",
           "worker_capacity"]

log = logging.getLogger("onepoint.system")


def processed_store_url(settings: HubSettings, consumer: str) -> str:
    """Where a worker records processed message ids: nowhere lasting on ``memory://`` (its messages die with
    the process too), else ``[workers] processed_store`` (a PostgreSQL database the workers of every machine share),
    else ``sqlite:///onepoint-<consumer>.sqlite3``, as for ``onepoint worker``: in the working folder, a deployment's
    home, so one folder serves one deployment (``docs/deadlines.md``, "The processed stores and the working
    folder")."""
    if scheme(settings.broker_url) == "memory":
        return "memory://"
    return settings.workers.processed_store or f"sqlite:///onepoint-{consumer}.sqlite3"


def worker_capacity(settings: HubSettings, consumer: str) -> dict[str, int]:
    """Handler threads and prefetch of a consumer's worker: an adapter's ``[adapters.<system>] concurrency``
    (its handlers mostly wait for the system, so several calls are in flight), one thread for the hub's own."""
    try:
        threads = settings.adapter(consumer).concurrency
    except ConfigError:
        threads = 1
    return {"concurrency": threads, "prefetch": max(16, 2 * threads)}


def dependency_defaults(settings: HubSettings, consumer: str) -> dict[str, Any]:
    """What a consumer's ``dependencies`` is given that it may not open itself: the DSMP adapter, what opens the
    work-order store its purpose check reads (adapters never import the workflow's modules)."""
    if consumer != "dsmp":
        return {}
    from hub.workflow.store import WorkOrderStore

    return {"work_order_store": partial(WorkOrderStore.open, settings.workflow.database)}


class SystemStartError(RuntimeError):
    """A worker of the system could not start (its system unreachable at start, a broken package)."""


@dataclass
class RunningConsumer:
    kit: ConsumerKit
    worker: Worker
    dependencies: Mapping[str, Any]
    store: ProcessedStore
    stop_background: Callable[[], None] | None = None  # what the consumer runs beside its worker (a scheduler)
    outbound: Outbound | None = None  # its handlers' outbound path (routed by the hub's table)

    @property
    def consumer(self) -> str:
        return self.kit.consumer


class HubSystem:
    """Build with ``start()`` (returns the app to serve); ``stop()`` runs when the app shuts down."""

    def __init__(self, settings: HubSettings, *, workers: bool = True, registry: CommandSetRegistry | None = None,
                 metrics: Metrics | None = None, left_to_others: tuple[str, ...] = (),
                 dependency_options: Mapping[str, Mapping[str, Any]] | None = None,
                 drain_seconds: float | None = DRAIN_SECONDS) -> None:
        """``dependency_options``: extra keyword arguments of a consumer's ``dependencies`` (its wiring module's),
        e.g. ``{"workflow": {"clock": simulated_time}}``: the workflow on a clock of the caller's.
        ``drain_seconds``: on ``memory://``, how long ``stop()`` lets the workers empty the queues before they
        stop; ``None`` for a disposable system (the demo's), whose queues are neither drained nor reported."""
        self.settings = settings
        self.drain_seconds = drain_seconds
        self.admission = Admission()
        self.dependency_options = dict(dependency_options or {})
        self.with_workers = workers
        self.left_to_others = left_to_others  # queues this process runs no worker for (other processes consume them)
        self.registry = registry or CommandSetRegistry.installed()
        self.metrics = metrics or Metrics()
        self.breakers = CircuitBreakers(self.metrics)
        self.running: list[RunningConsumer] = []
        self.unavailable: dict[str, str] = {}  # consumer → why no worker runs for it here
        self.app: HubApp | None = None
        self._lost_reported = False  # stop() runs twice (the app's shutdown, then the caller's)

    @property
    def idle_queues(self) -> list[str]:
        """The queues of the topology no worker of this process consumes."""
        consuming = {r.consumer for r in self.running}
        return [c for c in self.settings.topology.consumers if c not in consuming]

    def start(self) -> HubApp:
        app = self.app = create_app(self.settings, registry=self.registry, metrics=self.metrics,
                                    breakers=self.breakers)
        app.on_shutdown.insert(0, self.stop)
        app.asgi.add_middleware(AdmissionGate, admission=self.admission)
        for probe in shared_database_probes(self.settings):  # also under --no-workers: requests use them here
            app.probes[probe.name] = probe.start()
            self.metrics.track_dependency(probe.name, probe.ok)
        if not self.with_workers:
            self.unavailable = dict.fromkeys(self.settings.topology.consumers, "--no-workers: run `onepoint worker`")
            return app
        router = app.router
        if not isinstance(router, BrokerRouter):
            raise TypeError("the hub's workers need the broker-backed router of the settings")
        ours = tuple(c for c in self.settings.topology.consumers if c not in self.left_to_others)
        kits, self.unavailable = consumer_kits(ours)
        self.unavailable.update(dict.fromkeys(self.left_to_others, "left to other processes"))
        try:
            for kit in kits:
                try:
                    self.running.append(self._start_worker(kit, router))
                except ConfigError as exc:  # e.g. no [adapters.<system>] section: that system is not called
                    log.warning("no worker for a queue", extra={"consumer": kit.consumer, "reason": str(exc)})
                    self.unavailable[kit.consumer] = str(exc)
                except Exception as exc:  # e.g. the system's WSDL cannot be read: say which and why, stop
                    raise SystemStartError(start_failure(self.settings, kit.consumer, exc)) from exc
        except BaseException:
            self.stop()
            router.broker.close()
            raise
        self._watch_dependencies(app)
        return app

    def _watch_dependencies(self, app: HubApp) -> None:
        """The work-order database of an in-process workflow worker and the shared PostgreSQL processed store of
        the adapters' workers (one database for all of them: one probe), checked in the background for ``/readyz``
        (``checks.database``, ``checks.processed_store``) and ``/metrics`` (``onepoint_dependency_up``):
        ``hub.system.health``; while the store's probe fails, its messages wait (``hub.system.store_outage``)."""
        for item in self.running:
            for probe in (database_probe(item.dependencies), processed_store_probe(item.store)):
                if probe is not None and probe.name not in app.probes:
                    app.probes[probe.name] = probe.start()
                    self.metrics.track_dependency(probe.name, probe.ok)
            hold_back_while_down(item.store, app.probes.get(PROCESSED_STORE))

    def _start_worker(self, kit: ConsumerKit, router: BrokerRouter) -> RunningConsumer:
        options = {**dependency_defaults(self.settings, kit.consumer), **self.dependency_options.get(kit.consumer, {})}
        deps = kit.dependencies(self.settings, breakers=self.breakers, metrics=self.metrics, registry=self.registry,
                                **options)
        try:
            store = (kit.processed_store(deps) if kit.processed_store is not None
                     else open_store(processed_store_url(self.settings, kit.consumer), consumer=kit.consumer))
        except BaseException:
            kit.close(deps)
            raise
        try:
            # every worker has one: its handlers' sends, and its dead letters' notes to their work orders
            validator = DocumentValidator(self.registry, self.settings.limits)
            outbound = BrokerOutbound(router.broker, router.table, validator, metrics=self.metrics)
            capacity = worker_capacity(self.settings, kit.consumer)
            worker = Worker(router.broker, kit.consumer, kit.handlers, store=store, dependencies=deps,
                            metrics=self.metrics, outbound=outbound, prefetch=capacity["prefetch"],
                            concurrency=capacity["concurrency"]).start()
        except BaseException:
            kit.close(deps)
            store.close()
            raise
        stop_background = None
        if kit.background is not None:
            try:
                stop_background = kit.background(deps, outbound=outbound, settings=self.settings)
            except BaseException:
                worker.stop()
                kit.close(deps)
                store.close()
                raise
        log.info("worker running in the hub", extra={"consumer": kit.consumer, "package": kit.package})
        return RunningConsumer(kit, worker, deps, store, stop_background, outbound)

    def reload_routes(self) -> RoutingTable:
        """Load the settings' routing table again and route by it from now on: the ingress and the in-process
        workers' outbound paths (the hub's own commands) alike. ``RoutingTableError`` (nothing changed) if the
        table is refused. Routes in flight finish with the table they started with."""
        app = self.app
        if app is None or not isinstance(app.router, BrokerRouter):
            raise RuntimeError("the hub is not started")
        table = load_routing_table(self.settings, self.registry, app.router.broker)
        app.router.reload(table)
        for item in self.running:
            if item.outbound is not None:
                item.outbound.reload(table)
        return table

    def _in_process_broker(self) -> MemoryBroker | None:
        router = None if self.app is None else self.app.router
        broker = router.broker if isinstance(router, BrokerRouter) else None
        return broker if isinstance(broker, MemoryBroker) else None

    def stop(self) -> None:
        """Stop admission, drain (``memory://``) and close every worker of this process (idempotent)."""
        self.admission.close()
        if self.app is not None:
            for probe in self.app.probes.values():
                probe.stop()
        running, self.running = self.running, []
        for item in running:
            if item.stop_background is not None:
                item.stop_background()
        # memory:// (not thrown away whole): drained if workers run here, what is left reported once, workers or not
        broker = None if self._lost_reported or self.drain_seconds is None else self._in_process_broker()
        if broker is not None and running and self.drain_seconds is not None:
            config = broker.config
            consumed = {config.queue(item.consumer) for item in running}
            tiers = {config.delay_exchange(tier.name) for tier in config.delay_tiers}  # each tier's queue: its name
            drain(lambda due: broker.depths(due_before=due), consumed | tiers, self.drain_seconds)
        for item in running:
            item.worker.stop()
        if broker is not None:
            self._lost_reported = True
            report_lost(broker.depths())
        for item in running:
            try:
                item.kit.close(item.dependencies)
            finally:
                item.store.close()
        if running:
            log.info("workers stopped", extra={"consumers": [r.consumer for r in running]})
