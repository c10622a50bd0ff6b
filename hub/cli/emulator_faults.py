"""``onepoint emulate --fault``: the emulators each start-up fault goes to.

With one emulator every fault goes to it (one it refuses, an unknown operation say, is an error naming the
emulator, exit 1). With ``all``, a fault without an ``operation`` goes to every emulator, and one scoped to an
operation only to the emulators that serve it (``{"kind": "error", "operation": "SyncHLR"}``: BOSS); an operation
that no emulator started serves is a usage error (exit 2) listing those they do. An emulator that declares no
operations takes any name, so it is given every scoped fault.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import click

__all__ = ["faults_by_emulator"]


def faults_by_emulator(
    specs: list[dict[str, Any]], operations: Mapping[str, Collection[str] | None], *, all_of_them: bool
) -> dict[str, list[dict[str, Any]]]:
    """The start-up faults of each emulator started (``operations``: the names each serves, None: any)."""
    placed: dict[str, list[dict[str, Any]]] = {system: [] for system in operations}
    for spec in specs:
        operation = spec.get("operation")
        takers = [system for system, served in operations.items()
                  if not all_of_them or not isinstance(operation, str) or served is None or operation in served]
        if not takers:
            known = sorted({name for served in operations.values() for name in served or ()})
            raise click.BadParameter(f"no emulator started serves the operation {operation!r} of {spec}; they serve: "
                                     f"{', '.join(known)}", param_hint="--fault")
        for system in takers:
            placed[system].append(spec)
    return placed
