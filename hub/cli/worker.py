"""``onepoint worker``: run the consumer of one queue with a handler registry, until SIGTERM or Ctrl-C.

Its lines for a person (``metrics on ...``, ``consuming ...``) go to standard output, as ``onepoint serve``'s table
does: standard error carries only the log, one JSON object per line for a collector (``--log-format``)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hub.cli.broker_unreachable import described
from hub.cli.development_credentials import warn_development_credentials
from hub.cli.log_options import log_format_option, log_level_option
from hub.cli.pid_files import check_pid_file, write_pid_file
from hub.cli.ports import PORT
from hub.cli.worker_setup import cannot_start, handler_reference, outbound_path, routing_table, serve_probes
from hub.config.runtime import tune_garbage_collector
from hub.config.settings import ConfigError, load_settings
from hub.config.sharing import warn_kept_per_machine
from hub.observability import LogFormat
from hub.system.consumers import CONSUMER_PACKAGES
from hub.transport.urls import redacted, scheme

if TYPE_CHECKING:
    from hub.http.background import BackgroundServer
    from hub.routing.table import RoutingTable
    from hub.transport.broker import Broker

__all__ = ["MEMORY_REFUSED", "WORKER_HELP", "worker"]

MEMORY_REFUSED = ("memory:// lives inside one process: no other process can publish to this worker's queue, so it "
                  "would wait forever doing nothing (`onepoint serve` runs the workers in its own process on "
                  "memory://); give --config with a [broker] url on RabbitMQ (amqp://)")

WORKER_HELP = """Consume the queue of CONSUMER ({consumers}) with its handlers.

Without --handlers, the consumer's own package runs (``onepoint worker boss``: the BOSS adapter, calling BOSS
at ``[adapters.boss]`` of the settings); several such processes on one amqp:// queue are competing consumers.

Each delivery is acked only after its handler's effect is recorded in the store; a request's answer is
sent after it is recorded. Transient errors are retried (in process, then through the delay tiers),
permanent ones dead-lettered with their reason. Handlers that ask for ``outbound`` send commands through
the routing table of the settings; SIGHUP loads it again (``onepoint routes reload``).

The broker must be RabbitMQ (amqp://): a memory:// broker (the built-in defaults, without --config) lives inside
one process, so nothing could publish to this worker's queue; ``onepoint serve`` runs the workers there.
A worker that cannot start (a system's WSDL unreadable, a database that cannot be opened) says why in one line.
""".format(consumers=", ".join(CONSUMER_PACKAGES))  # the consumers serve runs, from the code


@click.command(help=WORKER_HELP)
@click.argument("consumer")
@click.option("--handlers", "handlers_ref", metavar="MODULE:ATTR",
              help="The HandlerRegistry holding this consumer's handlers  [default: the consumer's own package "
                   "(adapters.<system>, hub.bulletin) with its dependencies built from the settings]")
@click.option("--dependencies", "dependencies_ref", metavar="MODULE:ATTR",
              help="A mapping, or a callable returning one, of the dependencies the handlers ask for by name.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file: [broker] url (amqp://), prefix, delay tiers. Required in practice: the built-in "
                   "defaults' memory:// is refused.")
@click.option("--store", default=None, help="Processed-message store URL: sqlite:///PATH, or postgresql+psycopg://… "
              "shared by this consumer's workers on every machine  [default: [workers] processed_store of --config, "
              "else sqlite:///onepoint-CONSUMER.sqlite3]")
@click.option("--prefetch", type=click.IntRange(min=1), default=None,
              help="Unacknowledged deliveries at most, 1 or more  [default: 16, or twice the concurrency]")
@click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Handler threads  [default: an "
              "adapter's [adapters.<system>] concurrency (8), else 1]")
@click.option("--metrics-port", type=PORT, default=None,
              help="Serve /metrics (Prometheus), /healthz and /readyz on 127.0.0.1:PORT (0: a free port, printed).")
@click.option("--pid-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the process id here (for `onepoint routes reload`).")
@log_level_option("INFO")
@log_format_option
def worker(consumer: str, handlers_ref: str | None, dependencies_ref: str | None, config_path: Path | None,
           store: str | None, prefetch: int | None, concurrency: int | None, metrics_port: int | None,
           pid_file: Path | None, log_level: str, log_format: LogFormat) -> None:
    """Run the worker of one consumer (its help: ``WORKER_HELP``, naming every consumer the hub runs)."""
    from hub.gateways import CircuitBreakers
    from hub.observability.logging import configure_logging
    from hub.observability.metrics import Metrics
    from hub.routing.reloads import RouteReloads, outcome_path
    from hub.store import open_store
    from hub.system import links_to
    from hub.system.assembly import dependency_defaults, processed_store_url, worker_capacity
    from hub.system.consumers import ConsumerKit, ConsumerUnavailable, consumer_kit
    from hub.system.health import database_probe, processed_store_probe
    from hub.system.links import unreached_links
    from hub.system.store_outage import hold_back_while_down
    from hub.system.worker_probes import WorkerProbes
    from hub.transport import open_broker
    from hub.transport.errors import TransportError
    from hub.validation.command_sets import CommandSetRegistry
    from hub.workers import HandlerRegistry, Worker

    try:
        # the built-in links in what it sends (OA items, notices) follow the hub's address, as `onepoint serve`'s do:
        # [server] public_url, else [server] host and port (said at start: behind a load balancer no hub is there)
        configured = load_settings(config_path)
        settings = links_to(configured, None)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if pid_file is not None:
        check_pid_file(pid_file)
    configure_logging(log_level.upper(), log_format)
    log = logging.getLogger("onepoint.worker")
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    kit: ConsumerKit | None = None
    if handlers_ref is None:
        try:
            kit = consumer_kit(consumer)
        except ConsumerUnavailable as exc:
            raise click.ClickException(f"{exc}; name the handlers with --handlers MODULE:ATTR") from None
        registry: Any = kit.handlers
    else:
        registry = handler_reference(handlers_ref, "--handlers")
    if not isinstance(registry, HandlerRegistry):
        raise click.BadParameter(f"{handlers_ref} is a {type(registry).__name__}, not a HandlerRegistry")
    if scheme(settings.broker_url) == "memory":
        raise click.UsageError(MEMORY_REFUSED if config_path is None else f"{settings.source}: {MEMORY_REFUSED}")
    warn_development_credentials(settings, log)
    warn_kept_per_machine(settings, log)
    unreached = unreached_links(configured, consumer)
    if unreached is not None:
        log.warning(unreached, extra={"consumer": consumer, "setting": "[server] public_url"})
    dependencies: Any = handler_reference(dependencies_ref, "--dependencies") if dependencies_ref else {}
    if callable(dependencies):
        dependencies = dependencies()
    elif kit is not None and dependencies_ref is None:
        try:
            dependencies = kit.dependencies(settings, breakers=breakers, metrics=metrics,
                                            **dependency_defaults(settings, consumer))
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:  # e.g. the system's WSDL cannot be read: one line, as `onepoint serve` says it
            raise click.ClickException(cannot_start(consumer, exc)) from None
    if not isinstance(dependencies, Mapping):
        raise click.BadParameter(f"{dependencies_ref} did not give a mapping of dependencies")
    opened: list[Broker] = []  # the broker, once open: /readyz reads its connection
    probes = WorkerProbes(consumer, lambda: bool(opened) and opened[0].ready(), breakers,
                          broker_reason=lambda: opened[0].unready_reason() if opened else None,
                          interrupted=lambda: opened[0].interrupted_consumers() if opened else {})
    probes_server: BackgroundServer | None = None  # shut down before the exit, also on errors
    if metrics_port is not None:
        try:
            probes_server = serve_probes(metrics_port, metrics.registry, probes, settings)
        except click.ClickException:
            if kit is not None and dependencies_ref is None:
                kit.close(dependencies)
            raise
        bound = probes_server.port
        log.info("metrics served", extra={"consumer": consumer, "url": f"http://127.0.0.1:{bound}/metrics"})
        click.echo(f"metrics on http://127.0.0.1:{bound}/metrics (/healthz, /readyz)")  # stderr is the log's

    def stop_probes() -> None:
        probes.stop()
        if probes_server is not None:
            probes_server.shutdown()
    stop, reload_asked = threading.Event(), threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload_asked.set())  # the loop below reloads, outside the handler
    capacity = worker_capacity(settings, consumer)
    concurrency = capacity["concurrency"] if concurrency is None else concurrency
    prefetch = max(16, 2 * concurrency) if prefetch is None else prefetch
    try:
        broker = open_broker(settings.broker_url, settings.topology)
    except TransportError as exc:  # nothing consumed, nothing to undo: say which broker and why, no traceback
        stop_probes()
        raise click.ClickException(f"{settings.source}: [broker] url {redacted(settings.broker_url)}: "
                                   f"{described(exc)}") from None
    except ValueError as exc:  # a broker URL pika refuses (the settings check it as they load): one line, no traceback
        stop_probes()
        raise click.UsageError(f"{settings.source}: broker.url: {exc}") from None
    opened.append(broker)
    if metrics_port is not None:  # the workflow's database checked in the background; the queue and DLQ at scrapes
        probes.watch(database_probe(dependencies), metrics)
        own = [settings.topology.queue(consumer), settings.topology.dead_letter_queue(consumer)]
        metrics.track_queues(lambda: broker.message_counts(own) if broker.ready() else {})
        metrics.track_consumers(lambda: broker.consumer_counts(own[:1]) if broker.ready() else {})
    try:
        if kit is not None and kit.processed_store is not None and store is None and dependencies_ref is None:
            processed = kit.processed_store(dependencies)  # the workflow: its own database, one transaction
        else:
            processed = open_store(store or processed_store_url(settings, consumer), consumer=consumer)
    except Exception as exc:  # a store that cannot be opened
        stop_probes()
        broker.close()
        if kit is not None and dependencies_ref is None:
            kit.close(dependencies)
        raise click.ClickException(cannot_start(consumer, exc)) from None
    try:
        # the shared PostgreSQL store checked likewise (even without --metrics-port: its messages wait while it's down)
        hold_back_while_down(processed, probes.watch(processed_store_probe(processed), metrics))
        sets = CommandSetRegistry.installed()  # compiled once: the outbound path's validator and every reload
        outbound = outbound_path(settings, broker, sets, metrics)  # its handlers' sends, its dead letters' notes

        def reload_table() -> RoutingTable:
            table = routing_table(settings, broker, sets)
            outbound.reload(table)
            return table

        reloads = RouteReloads(reload_table, source=str(settings.routing_file or "built-in"), pid_file=pid_file)
        with Worker(broker, consumer, registry, store=processed, dependencies=dependencies, metrics=metrics,
                    outbound=outbound, prefetch=prefetch, concurrency=concurrency) as running:
            tune_garbage_collector(settings.gc_young_threshold)
            log.info("worker started", extra={"consumer": consumer, "queue": running.queue,
                                              "max_attempts": running.max_attempts})
            click.echo(f"consuming {running.queue} (Ctrl-C to stop)")
            stop_background = (kit.background(dependencies, outbound=outbound, settings=settings)
                               if kit is not None and kit.background is not None and dependencies_ref is None
                               else None)  # the workflow's deadline scheduler
            if pid_file is not None:
                write_pid_file(pid_file)
            try:
                while not stop.wait(0.2):  # wakes for signals on every platform
                    if broker.failure is not None:  # e.g. its queue re-declared with other arguments: no retry cures it
                        raise click.ClickException(f"{consumer} worker stopped: {broker.failure}")
                    if reload_asked.is_set():
                        reload_asked.clear()
                        reloads()
            finally:
                if pid_file is not None:
                    pid_file.unlink(missing_ok=True)
                    outcome_path(pid_file).unlink(missing_ok=True)
                if stop_background is not None:
                    stop_background()
            log.info("worker stopping", extra={"consumer": consumer})
    except (ValueError, LookupError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        stop_probes()
        broker.close()
        processed.close()
        if kit is not None and dependencies_ref is None:
            kit.close(dependencies)
