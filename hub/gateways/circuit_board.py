"""The circuits of one process (``CircuitBreakers``), and which of its system's circuits an operation goes through.

A system has its own circuit, named after it (``boss``), and one per circuit name its ``[adapters.<system>]
circuits`` give a group of its operations (``circuits = { SyncHLR = "hlr" }``: ``boss.hlr``; BOSS's default,
``hub.config.adapters.DEFAULT_CIRCUITS``). An operation that fails on its own — SyncHLR needs BOSS's HLR
provisioning link, its tier lookups only BOSS's customer records — then opens only its own circuit: the other
operations are still called. ``SystemCircuits`` (one per gateway) creates them all at once, so ``/readyz`` and
``/metrics`` show every circuit from the start, and picks an operation's.

The board: ``states()`` and ``open_systems()`` for ``/readyz`` (keyed by circuit name: ``{"boss": "closed",
"boss.hlr": "open"}``), and the ``onepoint_circuit_state{system, circuit}`` gauge (``circuit``: the same name),
computed at every scrape from the same state ``/readyz`` reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from hub.gateways.breaker import Circuit
from hub.gateways.settings import GatewaySettings
from hub.observability.metrics import Metrics
from hub.validation.command_sets import CommandSet

__all__ = ["CircuitBreakers", "SystemCircuits"]

log = logging.getLogger("onepoint.gateway")


class SystemCircuits:
    """The circuits of one system: its own, and one per circuit name of ``settings.operation_circuits``."""

    def __init__(self, settings: GatewaySettings, board: CircuitBreakers,
                 command_set: CommandSet | None = None) -> None:
        named = settings.operation_circuits
        if command_set is not None and (unknown := sorted(set(named) - command_set.commands)):
            raise ValueError(f"[adapters.{settings.system}] circuits: {command_set.name} has no operation "
                             f"{', '.join(unknown)} (its operations: {', '.join(sorted(command_set.commands))})")
        self.own = board.circuit(settings)
        groups = {name: board.circuit(settings, name) for name in sorted(set(named.values()))}
        self._by_operation: Mapping[str, Circuit] = {operation: groups[name] for operation, name in named.items()}

    def of(self, operation: str) -> Circuit:
        """The circuit ``operation``'s calls go through."""
        return self._by_operation.get(operation, self.own)


class CircuitBreakers:
    """The circuits of one process, by name: ``circuit(settings)`` creates one, the rest reads their states."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics
        self._lock = threading.Lock()
        self._circuits: dict[str, Circuit] = {}
        self._states: dict[str, tuple[str, float | None, float]] = {}  # circuit → (state, opened_at, reset seconds)

    def circuit(self, settings: GatewaySettings, name: str | None = None) -> Circuit:
        """The system's own circuit, or (``name``) that of a group of its operations, ``<system>.<name>``."""
        full = settings.system if name is None else f"{settings.system}.{name}"
        with self._lock:
            found = self._circuits.get(full)
            if found is not None:
                return found
            found = self._circuits[full] = Circuit(settings, self, full)
            self._states[full] = ("closed", None, settings.breaker_reset_seconds)
        if self.metrics is not None:
            self.metrics.track_circuit(settings.system, lambda: self.state(full), circuit=full)
        return found

    def circuits_of(self, settings: GatewaySettings, command_set: CommandSet | None = None) -> SystemCircuits:
        """Every circuit of ``settings.system`` (``ValueError`` for a ``circuits`` operation ``command_set`` lacks)."""
        return SystemCircuits(settings, self, command_set)

    def changed(self, circuit: str, state: str, opened_at: float | None, reset_seconds: float) -> None:
        """``circuit``'s breaker is now in ``state`` (the circuit calls this under its lock, in order)."""
        with self._lock:
            self._states[circuit] = (state, opened_at, reset_seconds)
        system = circuit.partition(".")[0]
        level = logging.WARNING if state == "open" else logging.INFO
        log.log(level, "circuit %s", state, extra={"system": system, "circuit": state, "circuit_name": circuit})

    def state(self, circuit: str) -> str:
        """``closed``, ``open`` or ``half-open`` (a trial call is out, or the circuit is open but its reset time
        is over: the next call is a trial). ``/readyz`` and the gauge both read this."""
        with self._lock:
            state, opened_at, reset = self._states.get(circuit, ("closed", None, 0.0))
        if state == "open" and opened_at is not None and time.time() >= opened_at + reset:
            return "half-open"
        return state

    def states(self) -> dict[str, str]:
        """Every known circuit's state, by name (``boss``, ``boss.hlr``), for ``/readyz`` and the CLI."""
        with self._lock:
            circuits = sorted(self._states)
        return {circuit: self.state(circuit) for circuit in circuits}

    def open_systems(self) -> list[str]:
        """The circuits open now (``/readyz`` names them; their operations' messages wait)."""
        return [circuit for circuit, state in self.states().items() if state == "open"]

    def readiness(self) -> dict[str, Any]:
        """For ``/readyz``: ``{"circuits": {circuit: state}, "open": [circuits]}``. An open circuit means the hub
        is degraded (the messages of its operations wait), not unready: other flows still work."""
        states = self.states()
        return {"circuits": states, "open": [circuit for circuit, state in states.items() if state == "open"]}
