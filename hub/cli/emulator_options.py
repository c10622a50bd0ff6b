"""The values ``onepoint emulate`` is given on its command line, as the emulators take them: ``KEY=VALUE`` pairs
with JSON values (``--option``, and ``--ns``/``--param`` of ``onepoint emulator``), faults as JSON objects
(``--fault``), the call-back tokens by emulator (``--hub-token TOKEN`` or ``NAME=TOKEN``) and the hub's URL the
call-backs go to (``--hub-url``, checked at start: a URL no call-back could ever reach would otherwise show only
when one is due, as five failed tries). A value that is none of these is a ``click.BadParameter`` naming its
option (a usage error, exit 2).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Mapping
from typing import Any

import click

__all__ = ["check_options", "hub_url", "json_faults", "key_values", "tokens_by_emulator"]


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def key_values(items: tuple[str, ...], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=what)
        out[key.strip()] = _value(value)
    return out


def _kind(default: Any) -> tuple[tuple[type, ...], str] | None:
    """The JSON types a parameter with this default takes, and how to say it; None: not checked here."""
    if isinstance(default, bool):
        return (bool,), "true or false"
    if isinstance(default, int):
        return (int,), "an integer"
    if isinstance(default, float):
        return (int, float), "a number"
    if isinstance(default, str):
        return (str,), "a string"
    return None


def check_options(system: str, options: Mapping[str, Any], parameters: Mapping[str, inspect.Parameter]) -> None:
    """``--option`` values an emulator takes: ``parameters`` are those of its factory and of the wrapper its extra
    options go to. A name it does not take, or a value not of its default's JSON type (``"x"`` for a number), is a
    usage error naming the option, not a Python error when the emulator is built."""
    for key, value in options.items():
        parameter = parameters.get(key)
        if parameter is None:
            raise click.BadParameter(f"{system} takes no option {key!r}; it takes: {', '.join(sorted(parameters))}",
                                     param_hint="--option")
        kind = _kind(parameter.default)
        if kind is not None and (isinstance(value, bool) != (kind[0] == (bool,)) or not isinstance(value, kind[0])):
            raise click.BadParameter(f"{system}'s {key} is {kind[1]} (JSON), got {json.dumps(value)}",
                                     param_hint="--option")


def json_faults(specs: tuple[str, ...]) -> list[dict[str, Any]]:
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


def hub_url(_ctx: click.Context | None, _param: click.Parameter | None, value: str | None) -> str | None:
    """``--hub-url`` as the call-back clients take it (:func:`emulators.hub_address.check_hub_url`, which the
    pytest plugin's ``hub_url=`` goes through too): ``http(s)://host[:port][/path]``, the port 1-65535, no query,
    fragment or user name (the call-backs add their path; their credential is ``--hub-token``)."""
    from emulators.hub_address import HubUrlError, check_hub_url

    if value is None:
        return None
    try:
        return check_hub_url(value)
    except HubUrlError as exc:
        raise click.BadParameter(str(exc), param_hint="--hub-url") from None


_NAME_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def tokens_by_emulator(tokens: tuple[str, ...], names: list[str], registered: list[str]) -> dict[str, str]:
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
