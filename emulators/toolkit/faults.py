"""Fault injection: the seeded engine that decides, per request, which installed faults fire.

A fault (JSON in, JSON out; checked by :mod:`emulators.toolkit.faultspec`) is scoped to one operation
(``"operation": "QueryCustomerTier"``, which must be one the emulator knows: its command set or one of its own
routes) or to all operation requests (``null``/absent), fires with ``probability`` (default 1.0), at most ``times``
times (default unlimited), and is one of:

- ``latency``: ``{"distribution": "fixed", "seconds": s}`` | ``{"distribution": "uniform", "min": a, "max": b}``
  | ``{"distribution": "lognormal", "median": m, "sigma": s, "cap": c}`` (the delay never exceeds ``cap`` > 0);
  ``/__admin/reset`` cuts a delay short and resets the connection of the request it held;
- ``error``: HTTP ``status`` (default 500; 503 is typical): a SOAP 1.1 Fault (faultcode ``Server`` for 5xx,
  ``Client`` for 4xx) sent with that status by SOAP emulators, the system's error document or plain text by the
  others — ``probability`` makes it an error *rate*;
- ``reset``: the TCP connection is reset (RST) without an answer;
- ``hang``: no answer at all until the client gives up; the wait is bounded by ``max_seconds`` (default 30)
  and released by ``/__admin/reset`` and shutdown, after which the connection is reset;
- ``outage``: every request it covers fails (``status`` default 503) while its window is open; without a window
  it starts now and lasts until removed.

Every kind takes a time window: ``start``/``end`` (epoch seconds, or ISO 8601 *with* a UTC offset) or
``start_in``/``end_in``/``duration`` (seconds relative to when the fault is added). Keys that mean nothing for the
kind are refused. An unscoped fault hits *operation requests* only: the POSTs of the emulated interface, not
``GET ?wsdl``, feeds or lists, nor the emulator's own control routes (``/nsp/outages``...); add
``"requests": "all"`` to hit every request. The admin API (``/__admin/``) is never faulted.

Determinism: each fault owns a ``random.Random`` seeded with its ``seed`` or, by default, with the engine seed
and the fault's ordinal since the last reset/clear, and draws for every request it matches. The same seed and
the same sequence of matching requests therefore give the same faults; a fault never raises while deciding.
The faults an emulator starts with are installed again after every reset (:mod:`emulators.toolkit.startfaults`).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from emulators.toolkit.clock import Clock, SystemClock
from emulators.toolkit.faultspec import FAULT_KINDS, Fault, FaultSpecError, LatencyModel, parse_fault

__all__ = ["FAULT_KINDS", "Decision", "Fault", "FaultEngine", "FaultSpecError", "LatencyModel", "parse_fault"]

TERMINAL_KINDS = frozenset({"error", "reset", "hang", "outage"})


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one request."""

    delay: float = 0.0
    terminal: Fault | None = None
    applied: tuple[dict[str, Any], ...] = ()

    @property
    def action(self) -> str | None:
        return self.terminal.kind if self.terminal is not None else None


NO_FAULT = Decision()


class FaultEngine:
    """The installed faults of one emulator; thread-safe. ``operations``: the names a fault may be scoped to
    (None: any)."""

    def __init__(self, seed: int | str = 0, clock: Clock | None = None,
                 operations: Collection[str] | None = None) -> None:
        self.seed: int | str = seed
        self.clock: Clock = clock or SystemClock()
        self.operations = frozenset(operations) if operations else None
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._ordinal = 0

    def add(self, spec: Mapping[str, Any], *, now: float | None = None) -> Fault:
        """Install the fault ``spec`` describes; its relative window (``start_in``, ``duration``, an outage without
        a window) counts from ``now`` (default: the engine's clock), so a caller that reports on the fault can judge
        it at the very instant its window was parsed from."""
        with self._lock:
            fault = parse_fault(spec, fault_id=f"f{self._ordinal + 1}", default_seed=self.seed,
                                now=self.clock.now() if now is None else now, operations=self.operations)
            self._ordinal += 1
            self._faults[fault.id] = fault
            return fault

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults.values())

    def get(self, fault_id: str) -> Fault | None:
        with self._lock:
            return self._faults.get(fault_id)

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            return self._faults.pop(fault_id, None) is not None

    def clear(self, seed: int | str | None = None) -> None:
        """Remove every fault and restart fault numbering (and default seeds); optionally change the seed."""
        with self._lock:
            self._faults.clear()
            self._ordinal = 0
            if seed is not None:
                self.seed = seed

    def decide(self, operation: str | None, *, operation_request: bool = True) -> Decision:
        """The faults for one request of ``operation``; ``operation_request`` False for WSDL, feeds and the
        emulator's own routes, which only scoped faults and ``"requests": "all"`` ones hit."""
        with self._lock:
            if not self._faults:
                return NO_FAULT
            now = self.clock.now()
            delay, terminal, applied = 0.0, None, []
            for fault in self._faults.values():
                if not fault.applies_to(operation, operation_request):
                    continue
                fault.seen += 1
                roll = fault.rng.random()
                sample = fault.latency.sample(fault.rng) if fault.latency is not None else 0.0
                if roll >= fault.probability or fault.exhausted() or not fault.in_window(now):
                    continue
                if fault.kind == "latency":
                    delay += sample
                    applied.append({"id": fault.id, "kind": "latency", "delay": sample})
                elif terminal is None:
                    terminal = fault
                    applied.append({"id": fault.id, "kind": fault.kind, "status": fault.status})
                else:
                    continue
                fault.fired += 1
            return Decision(delay, terminal, tuple(applied))
