"""``onepoint emulator``: drive a running emulator through its admin API (``/__admin/``).

::

    onepoint emulator journal http://127.0.0.1:8103 --operation NetworkComplaintDispatch --count
    onepoint emulator fault http://127.0.0.1:8103 add error --operation NetworkComplaintDispatch -p status=503
    onepoint emulator fault http://127.0.0.1:8103 list | clear [FAULT_ID]
    onepoint emulator reset http://127.0.0.1:8103 [--seed 7]
    onepoint emulator state http://127.0.0.1:8103/__admin/

URL is the emulator's base URL or its admin API's, as ``onepoint serve`` prints it (``hub.cli.emulator_url``).
An emulator that answers with an error, or cannot be reached, is a ``click.ClickException`` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from hub.cli.emulator_options import key_values
from hub.cli.emulator_url import URL_FORMS, emulator_url

__all__ = ["emulator"]


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=URL_FORMS)
def emulator() -> None:
    """Drive a running emulator through its /__admin/ API."""


@emulator.command(epilog=URL_FORMS)
@click.argument("url", callback=emulator_url)
@click.option("--operation", default=None)
@click.option("--xpath", default=None, help="XPath the request body must match (true or non-empty).")
@click.option("--ns", "namespaces", multiple=True, help="Namespace for --xpath as PREFIX=URI, repeated.")
@click.option("--status", type=click.IntRange(100, 599), default=None, help="Only entries answered with this status.")
@click.option("--fault", "fault_kind", default=None, help="Fault kind, 'any' or 'none'.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the newest N entries.")
@click.option("--count", "count_only", is_flag=True, help="Print only how many entries match.")
@click.option("--bodies/--no-bodies", default=False, show_default=True)
def journal(url: str, operation: str | None, xpath: str | None, namespaces: tuple[str, ...], status: int | None,
            fault_kind: str | None, limit: int | None, count_only: bool, bodies: bool) -> None:
    """Print the journal of the emulator at URL (one JSON object per line), or --count."""
    ns = {key: str(value) for key, value in key_values(namespaces, "--ns").items()}
    with _admin(url) as admin:
        if count_only:
            click.echo(admin.count(operation, xpath=xpath, namespaces=ns or None, status=status, fault=fault_kind))
            return
        for entry in admin.journal(operation=operation, xpath=xpath, namespaces=ns or None, status=status,
                                   fault=fault_kind, limit=limit, bodies=bodies):
            click.echo(json.dumps(entry, ensure_ascii=False, default=str))


@emulator.group(epilog=URL_FORMS)
@click.argument("url", callback=emulator_url)
@click.pass_context
def fault(ctx: click.Context, url: str) -> None:
    """Add, list or clear the faults of the emulator at URL."""
    ctx.obj = url


@fault.command("add")
@click.argument("kind")
@click.option("--operation", default=None,
              help=("Only this operation (default: every operation request, the POSTs of the emulated interface; "
                    "not GET ?wsdl, feeds, lists or the emulator's own routes: -p requests=all takes those in too)."))
@click.option("--param", "-p", "params", multiple=True, help="Fault field KEY=VALUE (JSON value), e.g. status=503.")
@click.pass_obj
def fault_add(url: str, kind: str, operation: str | None, params: tuple[str, ...]) -> None:
    """Install a fault: latency, error, reset, hang or outage."""
    with _admin(url) as admin:
        _print(admin.add_fault(kind, operation, **key_values(params, "--param")))


@fault.command("list")
@click.pass_obj
def fault_list(url: str) -> None:
    with _admin(url) as admin:
        _print(admin.faults())


@fault.command("clear")
@click.argument("fault_id", required=False)
@click.pass_obj
def fault_clear(url: str, fault_id: str | None) -> None:
    """Remove one fault, or every fault (the emulator's start-up faults, --fault, come back at its next reset)."""
    with _admin(url) as admin:
        if fault_id is None:
            admin.clear_faults()
        else:
            admin.delete_fault(fault_id)
    click.echo("cleared")


@emulator.command(epilog=URL_FORMS)
@click.argument("url", callback=emulator_url)
@click.option("--seed", default=None, help="New fault seed.")
def reset(url: str, seed: str | None) -> None:
    """Put the emulator back to its seeded start: its data, journal and call-backs, and its faults those it was
    started with (--fault), any added since removed."""
    with _admin(url) as admin:
        _print(admin.reset(int(seed) if seed is not None and seed.lstrip("-").isdigit() else seed))


@emulator.command(epilog=URL_FORMS)
@click.argument("url", callback=emulator_url)
def state(url: str) -> None:
    """Print the emulator's state."""
    with _admin(url) as admin:
        _print(admin.state())
