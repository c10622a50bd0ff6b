"""``onepoint serve``: the whole system on one command.

With no options: the hub on ``memory://`` (built-in development settings), a worker in the hub's process for every
queue that has a consumer (the BOSS, CRM, NSP, DSMP and OA adapters, the bulletin), and the six emulators on
127.0.0.1:8101-8106 (the mail emulator's SMTP server on ``--smtp-port``, else 8025; a free one on another base port),
their call-backs pointed at the hub with the development tokens (the mail emulator's answers too) and the adapters
and ``[mail] smtp_host`` / ``smtp_port`` pointed at them; a table of the URLs is printed. ``--no-emulators`` calls
the systems at the ``[adapters.<system>]`` endpoints of ``--config``; ``--no-workers`` (on ``amqp://``; on
``memory://`` a usage error, as nothing outside this process could consume its queues) leaves the queues to
``onepoint worker <consumer>`` processes. The hub's port is bound before anything starts (taken: one line, exit 1,
nothing left running); an emulator's port taken is one line naming the emulator and its host:port, the emulators
started before it stopped again. ``--public-url`` is where callers reach the hub (the WSDLs' ``soap:address``); bound
to every address (``--host 0.0.0.0``) without one, the hub names this machine by its host name and says so at start.
Ctrl-C / SIGTERM: stop taking requests, drain the workers (on ``memory://`` until its queues are empty, see
``hub.system.drain``), stop the emulators, exit 0; while it is still starting too: what started is stopped
(``hub.cli.graceful``).
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hub.cli.broker_unreachable import described
from hub.cli.development_credentials import warn_development_credentials
from hub.cli.log_options import log_format_option, log_level_option
from hub.cli.no_callers import no_callers_warning, warn_no_callers
from hub.cli.pid_files import check_pid_file, write_pid_file
from hub.cli.ports import MAX_PORT, PORT, base_port, check_host
from hub.cli.serve_addresses import callback_url, print_url_table, public_url_option, warn_unnamed_address
from hub.cli.serve_emulators import (
    EMULATED_SYSTEMS,
    check_mail_port_clashes,
    check_mail_ports,
    imap_port_option,
    smtp_port_option,
    start_emulators_for,
)
from hub.cli.serve_exposure import refuse_development_secrets, warn_password_text_unreachable, warn_shared_throttle_key
from hub.config.idle_inbox import warn_idle_inbox
from hub.config.runtime import tune_garbage_collector
from hub.config.settings import ConfigError, HubSettings, load_settings
from hub.config.sharing import warn_kept_per_machine
from hub.observability import LogFormat
from hub.transport.urls import redacted, scheme

if TYPE_CHECKING:
    from hub.ingress.app import HubApp
    from hub.system import EmulatedSystems, HubSystem

__all__ = ["NO_WORKERS_ON_MEMORY", "serve"]

STARTUP_FAILURE = 3  # uvicorn's exit status when the app's startup failed
NO_WORKERS_ON_MEMORY = ("--no-workers needs RabbitMQ: memory:// queues live inside this process, where no `onepoint "
                        "worker` can reach them, so every command accepted would be lost; drop --no-workers, or give "
                        "--config with a [broker] url on RabbitMQ (amqp://)")


@click.command()
@click.option("--host", default=None, help="Address to bind (default from config: 127.0.0.1).")
@click.option("--port", default=None, type=PORT, help="Port (default from config: 8000; 0: a free port).")
@click.option("--public-url", default=None, callback=public_url_option, metavar="URL",
              help="Where callers reach the hub, for the WSDLs' soap:address (default from config: [server] "
                   "public_url, else http://<host>:<port>, this machine's name for 0.0.0.0).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Settings file (TOML). Without it: built-in defaults with development credentials.")
@click.option("--workers/--no-workers", default=True, show_default=True,
              help="Run a worker for every queue that has a consumer in this process (--no-workers: separate "
                   "`onepoint worker <consumer>` processes consume them; amqp:// only).")
@click.option("--emulators/--no-emulators", default=None,
              help="Start the six emulators and point the adapters at them  [default: on without --config]")
@click.option("--emulator-base-port", default=8101, show_default=True, type=base_port(EMULATED_SYSTEMS),
              help="First emulator port (boss, crm, nsp, dsmp, oa, mail follow; mail's SMTP on 8025, free on "
                   "another base); 0: free ports.")
@smtp_port_option
@imap_port_option
@click.option("--emulator-seed", default=0, show_default=True, type=int, help="Seed of the emulated population.")
@click.option("--hub-token", "hub_tokens", multiple=True, metavar="NAME=TOKEN",
              help="Bearer token an emulator calls the hub back with (default: the development tokens).")
@click.option("--pid-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the process id here (for `onepoint routes reload`).")
@log_level_option("INFO")
@log_format_option
def serve(host: str | None, port: int | None, public_url: str | None, config_path: Path | None, workers: bool,
          emulators: bool | None, emulator_base_port: int, smtp_port: int | None, imap_port: int | None,
          emulator_seed: int, hub_tokens: tuple[str, ...], pid_file: Path | None, log_level: str,
          log_format: LogFormat) -> None:
    """Run the hub: SOAP at /soap/<set>, XML at /xml/<set>, /bulletin, /healthz, /readyz, /metrics, with its
    workers and (for development) the emulators. SIGHUP reloads the routes."""
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if public_url is not None:
        settings = replace(settings, public_url=public_url)
    emulators = settings.built_in if emulators is None else emulators
    check_mail_ports(smtp_port, imap_port, emulators)
    if not workers and scheme(settings.broker_url) == "memory":
        raise click.UsageError(NO_WORKERS_ON_MEMORY if config_path is None
                               else f"{settings.source}: {NO_WORKERS_ON_MEMORY}")
    bind_host, bind_port = host or settings.host, settings.port if port is None else port
    host_option = "--host" if host else f"{settings.source}: [server] host"
    check_host(bind_host, "--host" if host else "[server] host")
    refuse_development_secrets(settings, bind_host, host_option)
    if emulators:
        check_mail_port_clashes(smtp_port, imap_port, emulator_base_port=emulator_base_port, hub_port=bind_port,
                                hub_port_option="--port" if port is not None else f"{settings.source}: [server] port")
    if not 0 <= bind_port <= MAX_PORT:
        raise click.ClickException(f"{settings.source}: [server] port {bind_port} is not in 0-{MAX_PORT}")
    if pid_file is not None:
        check_pid_file(pid_file)
    sock = _listen(bind_host, bind_port)  # before anything starts: a taken port is one line, nothing to stop
    try:
        _serve(sock, bind_host, settings, workers=workers, emulators=emulators, emulator_base_port=emulator_base_port,
               smtp_port=smtp_port, imap_port=imap_port, emulator_seed=emulator_seed, hub_tokens=hub_tokens,
               pid_file=pid_file,
               log_level=log_level, log_format=log_format)
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """The hub's listening socket, bound now (port 0: a free one, which the emulators' call-backs then know);
    a port that cannot be bound (taken, privileged) is a ``ClickException``: one line, exit 1."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)  # as uvicorn
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        hint = " (try --port 0 for a free one)" if port else ""
        raise click.ClickException(f"cannot bind the hub to {host}:{port}: {exc.strerror or exc}{hint}") from None
    sock.set_inheritable(True)
    return sock


def _serve(sock: socket.socket, bind_host: str, settings: HubSettings, *, workers: bool, emulators: bool,
           emulator_base_port: int, smtp_port: int | None, imap_port: int | None, emulator_seed: int,
           hub_tokens: tuple[str, ...],
           pid_file: Path | None, log_level: str, log_format: LogFormat) -> None:
    """Start the emulators, the hub's system and its workers, print the table and serve on ``sock`` (bound to
    ``bind_host``, as given: the hub's URL names it). SIGTERM or Ctrl-C at any point of it is the normal stop: what
    started is stopped (the workers drained, then the emulators) and the process exits 0
    (``hub.cli.graceful``)."""
    from hub.cli.graceful import GracefulServer, StartupSignals, StopRequested
    from hub.http.server import server_config
    from hub.observability.logging import configure_logging
    from hub.system import EmulatedSystems, HubSystem, links_to, point_adapters, point_mail

    configure_logging(log_level.upper(), log_format)
    log = logging.getLogger("onepoint.serve")
    warn_development_credentials(settings, log)
    warn_no_callers(settings, log)
    warn_kept_per_machine(settings, log)
    warn_shared_throttle_key(settings, bind_host, log)
    warn_password_text_unreachable(settings, log)
    warn_idle_inbox(settings, log)
    bound = replace(settings, host=bind_host, port=int(sock.getsockname()[1]))
    bind_port = bound.port
    hub_url = replace(bound, public_url=None).hub_url  # where it serves (this machine's name for 0.0.0.0)
    local_url = callback_url(bound)  # the emulators' call-backs, on this machine
    warn_unnamed_address(log, bound)
    settings = links_to(settings, hub_url)  # the real port, also for the WSDLs unless a public URL is set
    running = EmulatedSystems()
    system: HubSystem | None = None
    server: GracefulServer | None = None
    wrote_pid = False
    with StartupSignals() as signals:  # before anything starts: a stop signal from here on runs the stop below
        try:
            if emulators:
                running = start_emulators_for(local_url, settings, hub_tokens, emulator_base_port, emulator_seed,
                                              smtp_port, imap_port)
                settings = point_mail(point_adapters(settings, running.urls()), running.smtp_addresses())
            system = HubSystem(settings, workers=workers)
            hub = _start_system(system, settings)
            wrote_pid = _prepare(system, hub, settings, pid_file, running)
            print_url_table(system, hub_url, running.urls(), running.smtp_addresses(), running.imap_addresses(),
                            warnings=[w for w in (no_callers_warning(settings),) if w is not None])
            log.info("serving", extra={"host": bind_host, "port": bind_port,
                                       "public_url": settings.hub_url, "command_sets": hub.registry.names(),
                                       "config": settings.source, "broker": redacted(settings.broker_url),
                                       "workers": [r.consumer for r in system.running],
                                       "emulators": running.urls(), "databases": _databases(settings)})
            server = GracefulServer(server_config(hub.asgi, host=bind_host, port=bind_port, log_level=log_level.lower(),
                                                  read_timeout=settings.read_timeout,
                                                  keep_alive=settings.keep_alive,
                                                  max_connections=settings.max_connections,
                                                  trusted_proxies=settings.trusted_proxies))
            server.run(sockets=[sock])  # uvicorn handles the stop signals while it serves
        except StopRequested as stop:
            log.info("stop requested while starting", extra={"signal": str(stop)})
        finally:
            signals.stopping()
            if system is not None:
                system.stop()  # if uvicorn never ran the app's shutdown (a stop before serving, a failed startup)
            running.stop()  # after the workers drained
            if wrote_pid and pid_file is not None:
                _remove_pid_file(pid_file)
    if server is not None and not server.started and signals.requested is None:
        sys.exit(STARTUP_FAILURE)


def _start_system(system: HubSystem, settings: HubSettings) -> HubApp:
    """The hub's app with its workers started; what cannot start is a ``ClickException`` (one line, exit 1)."""
    from hub.routing.table import RoutingTableError
    from hub.security.nonces import NonceStoreUnavailable
    from hub.system import SystemStartError
    from hub.transport.errors import TransportError

    try:
        return system.start()
    except (RoutingTableError, ConfigError, SystemStartError, NonceStoreUnavailable, ValueError,
            LookupError) as exc:
        raise click.ClickException(str(exc)) from None
    except TransportError as exc:  # the broker unreachable at start: say which, no traceback
        raise click.ClickException(f"{settings.source}: [broker] url "
                                   f"{redacted(settings.broker_url)}: {described(exc)}") from None


def _prepare(system: HubSystem, hub: HubApp, settings: HubSettings, pid_file: Path | None,
             running: EmulatedSystems) -> bool:
    """SIGHUP reloads the routes; the pid file written (True) and removed in the app's shutdown, which stops the
    emulators after the workers drained."""
    from hub.routing.reloads import RouteReloads

    reloads = RouteReloads(system.reload_routes, source=str(settings.routing_file or "built-in"), pid_file=pid_file)
    signal.signal(signal.SIGHUP, lambda signum, frame: reloads())
    if pid_file is not None:
        try:
            write_pid_file(pid_file)
        except OSError as exc:  # checked before the start (``check_pid_file``); the folder may have gone since
            raise click.ClickException(f"--pid-file {pid_file}: cannot write it: {exc.strerror or exc}") from None
        # cleaned up in the app's shutdown: it runs before the workers' and emulators' stop below
        hub.on_shutdown.append(lambda: _remove_pid_file(pid_file))
    hub.on_shutdown.append(running.stop)  # after the workers drained
    tune_garbage_collector(settings.gc_young_threshold)
    return pid_file is not None


def _databases(settings: HubSettings) -> dict[str, str]:
    """Where each store of the settings is, as the hub opens it (absolute SQLite paths, URLs without their
    password), for the start's log line: an operator sees which files a start took."""
    def where(url: str | None, path: Path) -> str:
        return opened(url) if url is not None else str(path.resolve())

    def opened(url: str) -> str:
        driver, slashes, rest = url.partition(":///")
        path, mark, query = rest.partition("?")
        if slashes and driver.startswith("sqlite") and path and not path.startswith(("/", ":memory:", "file:")):
            return f"{driver}:///{Path(path).resolve()}{mark}{query}"  # the working folder's, as SQLite opens it
        return redacted(url)

    return {"workflow": opened(settings.workflow.database), "audit": where(settings.audit.url, settings.audit.path),
            "bulletin": where(settings.bulletin.url, settings.bulletin.path),
            "nonces": opened(settings.security.nonce_store)}


def _remove_pid_file(pid_file: Path) -> None:
    from hub.routing.reloads import outcome_path

    pid_file.unlink(missing_ok=True)
    outcome_path(pid_file).unlink(missing_ok=True)
