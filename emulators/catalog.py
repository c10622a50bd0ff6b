"""The catalogue of emulators: system name -> factory of its `EmulatorApp`.

Kept free of pytest so that the CLI (``onepoint emulate``) works in an installation without the test extras;
the pytest plugin builds its fixtures on it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulators.toolkit.app import EmulatorApp

__all__ = ["EMULATORS", "EmulatorFactory", "EmulatorUnavailable", "register_emulator", "resolve_emulator"]

EmulatorFactory = Callable[..., "EmulatorApp"]

#: system name -> factory, preferably a lazy ``"module:callable"`` string. Per-system entries go here.
EMULATORS: dict[str, str | EmulatorFactory] = {
    "boss": "emulators.boss:create_emulator",
    "crm": "emulators.crm:create_emulator",
    "nsp": "emulators.nsp:create_emulator",
    "dsmp": "emulators.dsmp:create_emulator",
    "oa": "emulators.oa:create_emulator",
    "mail": "emulators.mail:create_emulator",
}


class EmulatorUnavailable(LookupError):
    """No emulator is registered under a name, or its package cannot be imported."""


def register_emulator(name: str, factory: str | EmulatorFactory, *, replace: bool = False) -> None:
    """Register an emulator factory (a callable or a ``"module:callable"`` string) under a system name."""
    if not replace and name in EMULATORS and EMULATORS[name] != factory:
        raise ValueError(f"an emulator is already registered as {name!r}; pass replace=True to override it")
    EMULATORS[name] = factory


def resolve_emulator(name: str) -> EmulatorFactory:
    """The factory registered as ``name``, importing its module now; raises :class:`EmulatorUnavailable`."""
    try:
        factory = EMULATORS[name]
    except KeyError:
        known = ", ".join(sorted(EMULATORS)) or "none"
        raise EmulatorUnavailable(f"no emulator registered as {name!r} (registered: {known})") from None
    if not isinstance(factory, str):
        return factory
    module_name, _, attr = factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EmulatorUnavailable(f"emulator {name!r}: cannot import {module_name!r}: {exc}") from exc
    try:
        resolved: EmulatorFactory = getattr(module, attr or "create_emulator")
    except AttributeError as exc:
        raise EmulatorUnavailable(f"emulator {name!r}: {module_name!r} has no {attr!r}") from exc
    return resolved
