"""The faults an emulator starts with: part of its seeded start, so every reset installs them again.

``onepoint emulate ... --fault '{...}'`` and a factory's or fixture's ``faults=[...]`` (``emulator_factory("boss",
faults=[{"kind": "latency", "distribution": "fixed", "seconds": 0.2}])``) give them. A reset ("back to the seeded
start") clears the fault engine and then adds these again, in the order given, so they keep their ids (``f1``...)
and their default seeds (the engine's seed and the ordinal: the same draws after every reset with the same seed);
a relative window (``start_in``, ``duration``, an outage without a window) counts again from the reset. A fault
added later through the admin API is gone after a reset, as before; one removed through it comes back. A start-up
fault whose absolute window has ended by the time of a reset is not installed again (a WARNING says so).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from emulators.toolkit.faults import Fault, FaultEngine, FaultSpecError
from emulators.toolkit.logs import log_event

__all__ = ["StartupFaults"]


class StartupFaults:
    """The start-up fault specifications of one emulator, and their installation in its fault engine."""

    def __init__(self, engine: FaultEngine, log: logging.Logger, emulator: str) -> None:
        self._engine = engine
        self._log = log
        self._emulator = emulator
        self.specs: tuple[dict[str, Any], ...] = ()

    def add(self, specs: Iterable[Mapping[str, Any]]) -> list[Fault]:
        """Install each spec now (a spec the engine refuses raises :class:`FaultSpecError`) and keep it for the
        resets to come."""
        installed = []
        for spec in specs:
            installed.append(self._engine.add(spec))
            self.specs += (dict(spec),)
        return installed

    def reinstall(self) -> None:
        """After the engine was cleared by a reset: the start-up faults again."""
        for spec in self.specs:
            try:
                self._engine.add(spec)
            except FaultSpecError as exc:  # its window has ended since the start
                log_event(self._log, logging.WARNING, "fault.startup_not_reinstalled", emulator=self._emulator,
                          spec=spec, reason=str(exc))
