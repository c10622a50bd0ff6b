"""The values ``onepoint emulate`` is given on its command line, as the emulators take them: ``KEY=VALUE`` pairs
with JSON values (``--option``, and ``--ns``/``--param`` of ``onepoint emulator``), faults as JSON objects
(``--fault``), and the call-back tokens by emulator (``--hub-token TOKEN`` or ``NAME=TOKEN``). A value that is
none of these is a ``click.BadParameter`` naming its option.
"""

from __future__ import annotations

import json
import re
from typing import Any

import click

__all__ = ["json_faults", "key_values", "tokens_by_emulator"]


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
