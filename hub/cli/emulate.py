"""``onepoint emulate``: run emulators until Ctrl-C or SIGTERM.

::

    onepoint emulate nsp --port 8103 --seed 7 --hub-url http://127.0.0.1:8000 --hub-token nsp-dev-token \\
        --option reply_delay=2 --option schedule=notices.toml --fault '{"kind": "latency", "seconds": 0.5}'
    onepoint emulate all --base-port 8101 [--skip-missing]     # boss 8101 ... oa 8105, mail 8106
    onepoint emulate mail --port 8106 --smtp-port 8025         # its SMTP server on --smtp-port

``--port`` places one emulator; with ``all`` it is a usage error (exit 2) naming ``--base-port``. A port that cannot
be bound is one line naming the emulator and the host:port tried (exit 1).

Emulators are found through the catalogue :mod:`emulators.catalog` (``"name": "module:factory"``) and imported only
when started; one that cannot be imported is a clear error. Port 0 picks a free port. Each started emulator prints one
line ``<name> <url>``, and the mail emulator's SMTP server one more after them, ``mail-smtp smtp://<host>:<port>``,
then its IMAP server (the hub's ``[mail.inbox]``; ``--option imap_port=N``, default a free port),
``mail-imap imap://<host>:<port>``
(``--smtp-port``: 0 a free port; unset, 8025 (the hub's ``[mail] smtp_port``) at the default ports, a free one with
``--port`` or another ``--base-port``); Ctrl-C or SIGTERM stops them all (``stopped``). These lines go to standard
output; standard error carries only the log (one JSON object per line for a collector, ``--log-format``), where an
emulator skipped by ``--skip-missing`` is a WARNING naming it. Tokens for call-backs to the hub: ``--hub-token TOKEN``
(every emulator started; the whole value, '=' included) or ``--hub-token NAME=TOKEN`` (NAME a registered
emulator; repeated); a NAME that is no emulator is refused. Never built in: with ``--hub-url``, an emulator that
calls the hub back (nsp, oa, mail) and has no token is a usage error naming the development tokens.

A ``--fault`` is a start-up fault: installed at start and again by every reset (part of the seeded start,
:mod:`emulators.toolkit.startfaults`). With ``all``, one scoped to an operation goes only to the emulators that serve
it, and one none of them serves is a usage error (:mod:`hub.cli.emulator_faults`).

The command line's values are read by ``hub.cli.emulator_options``; ``onepoint emulator`` (drive a running one
through its admin API) is ``hub.cli.emulator_admin``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any

import click

from hub.cli.emulator_admin import emulator
from hub.cli.emulator_faults import faults_by_emulator
from hub.cli.emulator_options import check_options, json_faults, key_values, tokens_by_emulator
from hub.cli.emulator_options import hub_url as checked_hub_url
from hub.cli.log_options import log_format_option, log_level_option
from hub.cli.ports import PORT, base_port, check_host
from hub.observability import LogFormat

__all__ = ["emulate", "emulator"]

log = logging.getLogger("onepoint.emulate")

LOOPBACK = "127.0.0.1"
EMULATORS_IN_ALL = 6  # boss, crm, nsp, dsmp, oa, mail: 'all' serves them on --base-port and the five ports after it
DEFAULT_SMTP_PORT = 8025  # the mail emulator's SMTP server: where the hub's [mail] smtp_port points by default
DEFAULT_BASE_PORT = 8101  # --base-port's default: boss's port, the others after it
SMTP_EMULATOR = "mail"


def _catalog() -> tuple[dict[str, Any], Callable[[str], Callable[..., Any]], type[Exception]]:
    from emulators.catalog import EMULATORS, EmulatorUnavailable, resolve_emulator  # lazy: emulators are heavy

    return EMULATORS, resolve_emulator, EmulatorUnavailable


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name")
@click.option("--port", type=PORT, default=None,
              help="Port of one emulator (default 8101 + its place in the catalogue); not with 'all' (--base-port).")
@click.option("--base-port", type=base_port(EMULATORS_IN_ALL), default=DEFAULT_BASE_PORT, show_default=True,
              help="First port for 'all' (0: free ports); the others follow it.")
@click.option("--host", default=LOOPBACK, show_default=True, help="Address to bind.",
              callback=lambda _ctx, _param, value: check_host(value))
@click.option("--smtp-port", type=PORT, default=None,
              help="SMTP port of the mail emulator (default 8025; 0, or unset with free HTTP ports: free).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--subscribers", type=click.IntRange(min=1), default=None, help="Population size (boss, crm, dsmp).")
@click.option("--hub-url", default=None, callback=checked_hub_url,
              help="Hub base URL for call-backs (nsp, oa, mail), e.g. http://127.0.0.1:8000; checked at start.")
@click.option("--hub-token", "hub_tokens", multiple=True, envvar="ONEPOINT_HUB_TOKEN",
              help="Bearer token for call-backs (every emulator), or NAME=TOKEN for one, repeated.")
@click.option("--fault", "faults", multiple=True,
              help="A fault (JSON) installed at start and again by every reset, repeated; with 'all', one scoped to "
                   "an operation goes to the emulators serving it.")
@click.option("--option", "-o", "options", multiple=True, help="Emulator option KEY=VALUE (JSON value), repeated.")
@click.option("--skip-missing", is_flag=True, help="With 'all': skip emulators that cannot be imported.")
@log_level_option("INFO")
@log_format_option
def emulate(
    name: str, port: int | None, base_port: int, host: str, smtp_port: int | None, seed: int,
    subscribers: int | None, hub_url: str | None,
    hub_tokens: tuple[str, ...], faults: tuple[str, ...], options: tuple[str, ...], skip_missing: bool,
    log_level: str, log_format: LogFormat,
) -> None:
    """Run the emulator NAME (boss, crm, nsp, dsmp, oa, mail) or 'all' of them until Ctrl-C / SIGTERM."""
    from emulators.toolkit import FaultSpecError, serve_all
    from hub.observability.logging import configure_logging

    if name == "all" and port is not None:
        raise click.UsageError(f"--port places one emulator; 'all' serves its {EMULATORS_IN_ALL} on consecutive ports "
                               f"from --base-port: give --base-port {port} instead (0: free ports)")
    catalog, resolve, unavailable = _catalog()
    order = list(catalog)
    names = order if name == "all" else [name]
    if name != "all" and name not in catalog:  # a usage error (exit 2), as an unknown option is
        raise click.BadParameter(f"no emulator {name!r}; registered: {', '.join(order)}, or all", param_hint="NAME")
    if smtp_port is not None and SMTP_EMULATOR not in names:
        raise click.BadParameter(f"only the {SMTP_EMULATOR} emulator has an SMTP server, not {name}",
                                 param_hint="--smtp-port")
    fault_specs, extra, tokens = (json_faults(faults), key_values(options, "--option"),
                                  tokens_by_emulator(hub_tokens, names, order))
    _require_callback_tokens(hub_url, [system for system in names if system in catalog], tokens)
    configure_logging(log_level.upper(), log_format)
    apps: list[tuple[str, Any, int]] = []  # (emulator, app, port)
    for index, system in enumerate(order):
        if system not in names:
            continue
        try:
            factory = resolve(system)
        except unavailable as exc:
            if skip_missing:
                log.warning("emulator skipped", extra={"emulator": system, "reason": str(exc)})
                continue
            raise click.ClickException(str(exc)) from None
        check_options(system, extra, _parameters(factory))
        kwargs: dict[str, Any] = {"seed": seed, **extra}
        common = {"subscribers": subscribers, "hub_url": hub_url, "hub_token": tokens.get(system),
                  "smtp_host": host, "smtp_port": smtp_port_for(smtp_port, port=port, base_port=base_port)}
        kwargs.update({key: value for key, value in common.items()  # only to emulators that take them
                       if value is not None and key in inspect.signature(factory).parameters})
        try:
            app = factory(**kwargs)
        except (TypeError, ValueError, FaultSpecError) as exc:
            raise click.ClickException(f"{system}: {exc}") from None
        except OSError as exc:  # the mail emulator's SMTP server binds when it is made
            raise click.ClickException(f"cannot serve the {system} emulator's SMTP server on "
                                       f"{host}:{common['smtp_port']}: {exc.strerror or exc} "
                                       f"(try --smtp-port 0 for a free one)") from None
        chosen = port if port is not None else (0 if base_port == 0 else base_port + index)
        apps.append((system, app, chosen))
    if not apps:
        raise click.ClickException("no emulator could be started")
    if fault_specs:
        _install_startup_faults(apps, fault_specs, all_of_them=name == "all")

    def started(servers: list[Any]) -> None:
        for server in servers:
            click.echo(f"{server.name} {server.url}")
        for server in servers:  # after the URLs: a reader of '<name> <url>' lines gets every emulator's first
            smtp = getattr(getattr(server, "app", None), "smtp", None)
            if smtp is not None:
                click.echo(f"{server.name}-smtp smtp://{smtp.host}:{smtp.port}")
            imap = getattr(getattr(server, "app", None), "imap", None)
            if imap is not None:
                click.echo(f"{server.name}-imap imap://{imap.host}:{imap.port}")

    binding: list[tuple[str, int]] = []  # the emulator serve_all is starting (it starts them one by one, in order)

    def in_order() -> Iterator[tuple[Any, int]]:
        for system, app, chosen in apps:
            binding[:] = [(system, chosen)]
            yield app, chosen

    try:
        serve_all(in_order(), host=host, on_started=started)
    except OSError as exc:
        raise click.ClickException(_bind_failure(exc, host, binding, all_of_them=name == "all")) from None
    click.echo("stopped")


def _install_startup_faults(apps: list[tuple[str, Any, int]], specs: list[dict[str, Any]], *,
                            all_of_them: bool) -> None:
    """The ``--fault``s, each to the emulators it is for (:mod:`hub.cli.emulator_faults`), kept by them for every
    reset; on a refusal the emulators built are closed (the mail emulator's SMTP server is already listening)."""
    from emulators.toolkit import FaultSpecError

    try:
        placed = faults_by_emulator(specs, {system: app.faults.operations for system, app, _ in apps},
                                    all_of_them=all_of_them)
        for system, app, _ in apps:
            try:
                app.startup_faults.add(placed[system])
            except FaultSpecError as exc:
                raise click.ClickException(f"{system}: {exc}") from None
    except click.ClickException:
        for _, app, _ in apps:
            app.close()
        raise


def smtp_port_for(smtp_port: int | None, *, port: int | None, base_port: int) -> int:
    """The mail emulator's SMTP port: ``--smtp-port``; unset, :data:`DEFAULT_SMTP_PORT` at the default HTTP ports
    (no ``--port``, the default ``--base-port``), else a free one (printed), so that two runs on other ports never
    meet on it."""
    if smtp_port is not None:
        return smtp_port
    return DEFAULT_SMTP_PORT if port is None and base_port == DEFAULT_BASE_PORT else 0


def _require_callback_tokens(hub_url: str | None, names: list[str], tokens: dict[str, str]) -> None:
    """With ``--hub-url``, every emulator started that calls the hub back (NSP's replies and notices, OA's
    completions) needs its token: without one each call-back is refused 401 and only a WARNING per call says so,
    while the work orders wait for a reply that never comes. A usage error (exit 2) naming them and the built-in
    development callers' tokens, which are never taken silently (the hub may be a real one)."""
    from hub.system.callbacks import DEVELOPMENT_CALLBACK_TOKENS

    if hub_url is None:
        return
    missing = [name for name in names if name in DEVELOPMENT_CALLBACK_TOKENS and name not in tokens]
    if missing:
        example = " ".join(f"--hub-token {name}={DEVELOPMENT_CALLBACK_TOKENS[name]}" for name in missing)
        raise click.UsageError(
            f"{_listed(missing)} call the hub back at --hub-url with a bearer token and have none: give "
            f"--hub-token NAME=TOKEN (a hub on its built-in development settings takes {example})")


def _listed(names: list[str]) -> str:
    """``nsp``, ``nsp and oa``, ``nsp, oa and mail``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _parameters(factory: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """The options an emulator takes: its factory's, and the wrapper's (``EmulatorApp``) its other options go to;
    not those the factory sets itself (``name``, ``hooks``), nor ``clock``, which a command line cannot give, nor
    ``faults`` (``--fault``)."""
    from emulators.toolkit import EmulatorApp

    taken = {**inspect.signature(EmulatorApp.__init__).parameters, **inspect.signature(factory).parameters}
    return {name: parameter for name, parameter in taken.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("name", "hooks", "clock", "faults")}


def _bind_failure(exc: OSError, host: str, binding: list[tuple[str, int]], *, all_of_them: bool) -> str:
    """One line: which emulator could not be served on which host:port, why, and the option that moves it."""
    if not binding:
        return f"cannot serve: {exc.strerror or exc}"
    system, port = binding[0]
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    hint = " (try --base-port 0 for free ports)" if all_of_them else " (try --port 0 for a free one)"
    return f"cannot serve the {system} emulator on {where}: {exc.strerror or exc}{hint if port else ''}"
