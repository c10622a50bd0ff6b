"""``onepoint emulate`` (run emulators) and ``onepoint emulator`` (drive a running one through its admin API).

::

    onepoint emulate nsp --port 8103 --seed 7 --hub-url http://127.0.0.1:8000 --hub-token nsp-dev-token \\
        --option reply_delay=2 --option schedule=notices.toml --fault '{"kind": "latency", "seconds": 0.5}'
    onepoint emulate all --base-port 8101 [--skip-missing]     # boss 8101, crm 8102, nsp 8103, dsmp 8104, oa 8105
    onepoint emulator journal http://127.0.0.1:8103 --operation NetworkComplaintDispatch --count
    onepoint emulator fault http://127.0.0.1:8103 add error --operation NetworkComplaintDispatch -p status=503
    onepoint emulator fault http://127.0.0.1:8103 list | clear [FAULT_ID]
    onepoint emulator reset http://127.0.0.1:8103 [--seed 7]
    onepoint emulator state http://127.0.0.1:8103

Emulators are found through the catalogue :mod:`emulators.catalog` (``"name": "module:factory"``) and
imported only when started; one that cannot be imported is a clear error. Port 0 picks a free port. Each started
emulator prints one line ``<name> <url>``; Ctrl-C or SIGTERM stops them all. Tokens for call-backs to the hub:
``--hub-token TOKEN`` (every emulator started; the whole value, '=' included) or ``--hub-token NAME=TOKEN`` (NAME a
registered emulator; repeated); a NAME that is no emulator is refused. Never built in.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from hub.cli.log_options import log_format_option, log_level_option
from hub.cli.ports import PORT, base_port, check_host
from hub.observability import LogFormat

__all__ = ["emulate", "emulator"]

LOOPBACK = "127.0.0.1"
EMULATORS_IN_ALL = 5  # boss, crm, nsp, dsmp, oa: 'all' serves them on --base-port and the four ports after it


def _catalog() -> tuple[dict[str, Any], Callable[[str], Callable[..., Any]], type[Exception]]:
    from emulators.catalog import EMULATORS, EmulatorUnavailable, resolve_emulator  # lazy: emulators are heavy

    return EMULATORS, resolve_emulator, EmulatorUnavailable


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _pairs(items: tuple[str, ...], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=what)
        out[key.strip()] = _value(value)
    return out


def _faults(specs: tuple[str, ...]) -> list[dict[str, Any]]:
    faults = []
    for spec in specs:
        try:
            fault = json.loads(spec)
        except ValueError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--fault") from exc
        if not isinstance(fault, dict):
            raise click.BadParameter("a fault is a JSON object", param_hint="--fault")
        faults.append(fault)
    return faults


_NAME_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _tokens(tokens: tuple[str, ...], names: list[str], registered: list[str]) -> dict[str, str]:
    """Call-back tokens by emulator. ``NAME=TOKEN`` when NAME is a registered emulator (TOKEN may hold '='); any
    other value is the token of every emulator started (base64 padding and all). A value shaped like NAME=TOKEN
    whose NAME is no emulator (a misspelling) is refused rather than sent as a token."""
    named: dict[str, str] = {}
    bare: list[str] = []
    for value in tokens:
        key, sep, token = value.partition("=")
        if sep and key in registered:
            if not token:
                raise click.BadParameter(f"no token after {key}=", param_hint="--hub-token")
            named[key] = token
        elif sep and _NAME_LIKE.fullmatch(key) and token and not token.startswith("="):
            raise click.BadParameter(
                f"{key!r} is not an emulator (known: {', '.join(registered)}); give NAME=TOKEN with one of them, "
                f"e.g. {names[0]}={value} for a token that contains '='", param_hint="--hub-token")
        else:
            bare.append(value)
    if len(bare) > 1:
        raise click.BadParameter("give one token for every emulator, or NAME=TOKEN for each", param_hint="--hub-token")
    out = dict.fromkeys(names, bare[0]) if bare else {}
    out.update(named)
    if tokens and not any(name in out for name in names):
        raise click.BadParameter(f"no token for {', '.join(names)} (tokens given for {', '.join(named)})",
                                 param_hint="--hub-token")
    return out


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name")
@click.option("--port", type=PORT, default=None, help="Port (one emulator; default 8101 + its place in the catalogue).")
@click.option("--base-port", type=base_port(EMULATORS_IN_ALL), default=8101, show_default=True,
              help="First port for 'all' (0: free ports); the others follow it.")
@click.option("--host", default=LOOPBACK, show_default=True, help="Address to bind.",
              callback=lambda _ctx, _param, value: check_host(value))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--subscribers", type=int, default=None, help="Population size (boss, crm, dsmp).")
@click.option("--hub-url", default=None, help="Hub base URL for call-backs (nsp, oa), e.g. http://127.0.0.1:8000.")
@click.option("--hub-token", "hub_tokens", multiple=True, envvar="ONEPOINT_HUB_TOKEN",
              help="Bearer token for call-backs (every emulator), or NAME=TOKEN for one, repeated.")
@click.option("--fault", "faults", multiple=True, help="A fault to install at start (JSON), repeated.")
@click.option("--option", "-o", "options", multiple=True, help="Emulator option KEY=VALUE (JSON value), repeated.")
@click.option("--skip-missing", is_flag=True, help="With 'all': skip emulators that cannot be imported.")
@log_level_option("INFO")
@log_format_option
def emulate(
    name: str, port: int | None, base_port: int, host: str, seed: int, subscribers: int | None, hub_url: str | None,
    hub_tokens: tuple[str, ...], faults: tuple[str, ...], options: tuple[str, ...], skip_missing: bool,
    log_level: str, log_format: LogFormat,
) -> None:
    """Run the emulator NAME (boss, crm, nsp, dsmp, oa) or 'all' of them until Ctrl-C / SIGTERM."""
    from emulators.toolkit import FaultSpecError, serve_all
    from hub.observability.logging import configure_logging

    catalog, resolve, unavailable = _catalog()
    order = list(catalog)
    names = order if name == "all" else [name]
    if name != "all" and name not in catalog:
        raise click.ClickException(f"no emulator {name!r}; registered: {', '.join(order)}, or all")
    fault_specs, extra, tokens = _faults(faults), _pairs(options, "--option"), _tokens(hub_tokens, names, order)
    configure_logging(log_level.upper(), log_format)
    apps: list[tuple[Any, int]] = []
    for index, system in enumerate(order):
        if system not in names:
            continue
        try:
            factory = resolve(system)
        except unavailable as exc:
            if skip_missing:
                click.echo(f"skipped {system}: {exc}", err=True)
                continue
            raise click.ClickException(str(exc)) from None
        kwargs: dict[str, Any] = {"seed": seed, **extra}
        common = {"subscribers": subscribers, "hub_url": hub_url, "hub_token": tokens.get(system)}
        kwargs.update({key: value for key, value in common.items()  # only to emulators that take them
                       if value is not None and key in inspect.signature(factory).parameters})
        try:
            app = factory(**kwargs)
            for spec in fault_specs:
                app.faults.add(spec)
        except (TypeError, ValueError, FaultSpecError) as exc:
            raise click.ClickException(f"{system}: {exc}") from None
        chosen = port if port is not None and name != "all" else (0 if base_port == 0 else base_port + index)
        apps.append((app, chosen))
    if not apps:
        raise click.ClickException("no emulator could be started")

    def started(servers: list[Any]) -> None:
        for server in servers:
            click.echo(f"{server.name} {server.url}")

    try:
        serve_all(apps, host=host, on_started=started)
    except OSError as exc:
        raise click.ClickException(f"cannot serve: {exc}") from None
    click.echo("stopped", err=True)


# -- onepoint emulator ... ------------------------------------------------------------------------------------------
@contextmanager
def _admin(url: str) -> Iterator[Any]:
    import httpx

    from emulators.toolkit import AdminAPIError, EmulatorAdmin

    try:
        with EmulatorAdmin(url) as admin:
            yield admin
    except AdminAPIError as exc:
        raise click.ClickException(str(exc)) from None
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach the emulator at {url}: {exc}") from None


def _print(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def emulator() -> None:
    """Drive a running emulator through its /__admin/ API."""


@emulator.command()
@click.argument("url")
@click.option("--operation", default=None)
@click.option("--xpath", default=None, help="XPath the request body must match (true or non-empty).")
@click.option("--ns", "namespaces", multiple=True, help="Namespace for --xpath as PREFIX=URI, repeated.")
@click.option("--status", type=int, default=None)
@click.option("--fault", "fault_kind", default=None, help="Fault kind, 'any' or 'none'.")
@click.option("--limit", type=int, default=None, help="Only the newest N entries.")
@click.option("--count", "count_only", is_flag=True, help="Print only how many entries match.")
@click.option("--bodies/--no-bodies", default=False, show_default=True)
def journal(url: str, operation: str | None, xpath: str | None, namespaces: tuple[str, ...], status: int | None,
            fault_kind: str | None, limit: int | None, count_only: bool, bodies: bool) -> None:
    """Print the journal of the emulator at URL (one JSON object per line), or --count."""
    ns = {key: str(value) for key, value in _pairs(namespaces, "--ns").items()}
    with _admin(url) as admin:
        if count_only:
            click.echo(admin.count(operation, xpath=xpath, namespaces=ns or None, status=status, fault=fault_kind))
            return
        for entry in admin.journal(operation=operation, xpath=xpath, namespaces=ns or None, status=status,
                                   fault=fault_kind, limit=limit, bodies=bodies):
            click.echo(json.dumps(entry, ensure_ascii=False, default=str))


@emulator.group()
@click.argument("url")
@click.pass_context
def fault(ctx: click.Context, url: str) -> None:
    """Add, list or clear the faults of the emulator at URL."""
    ctx.obj = url


@fault.command("add")
@click.argument("kind")
@click.option("--operation", default=None, help="Only this operation (default: every request).")
@click.option("--param", "-p", "params", multiple=True, help="Fault field KEY=VALUE (JSON value), e.g. status=503.")
@click.pass_obj
def fault_add(url: str, kind: str, operation: str | None, params: tuple[str, ...]) -> None:
    """Install a fault: latency, error, reset, hang or outage."""
    with _admin(url) as admin:
        _print(admin.add_fault(kind, operation, **_pairs(params, "--param")))


@fault.command("list")
@click.pass_obj
def fault_list(url: str) -> None:
    with _admin(url) as admin:
        _print(admin.faults())


@fault.command("clear")
@click.argument("fault_id", required=False)
@click.pass_obj
def fault_clear(url: str, fault_id: str | None) -> None:
    """Remove one fault, or every fault."""
    with _admin(url) as admin:
        if fault_id is None:
            admin.clear_faults()
        else:
            admin.delete_fault(fault_id)
    click.echo("cleared")


@emulator.command()
@click.argument("url")
@click.option("--seed", default=None, help="New fault seed.")
def reset(url: str, seed: str | None) -> None:
    """Put the emulator back to its seeded start."""
    with _admin(url) as admin:
        _print(admin.reset(int(seed) if seed is not None and seed.lstrip("-").isdigit() else seed))


@emulator.command()
@click.argument("url")
def state(url: str) -> None:
    """Print the emulator's state."""
    with _admin(url) as admin:
        _print(admin.state())
