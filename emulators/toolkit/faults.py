"""Fault injection: fault specifications (JSON in, JSON out) and the seeded engine that decides per request.

A fault is scoped to one operation (``"operation": "QueryCustomerTier"``) or to all (``null``/absent), fires
with ``probability`` (default 1.0), at most ``times`` times (default unlimited), and is one of:

- ``latency``: ``{"distribution": "fixed", "seconds": s}`` | ``{"distribution": "uniform", "min": a, "max": b}``
  | ``{"distribution": "lognormal", "median": m, "sigma": s, "cap": c}`` (the delay never exceeds ``cap``);
- ``error``: answered as a SOAP Fault (faultcode Server) by SOAP emulators, otherwise HTTP ``status``
  (default 500; 503 is typical) — ``probability`` makes it an error *rate*;
- ``reset``: the TCP connection is reset (RST) without an answer;
- ``hang``: no answer at all until the client gives up; the wait is bounded by ``max_seconds`` (default 30)
  and released by ``/__admin/reset`` and shutdown, after which the connection is reset;
- ``outage``: between ``start`` and ``end`` (epoch seconds or ISO 8601; or ``start_in``/``end_in``/``duration``
  in seconds relative to when the fault is added) every scoped request fails (``status`` default 503, or a
  SOAP Fault).

Determinism: each fault owns a ``random.Random`` seeded with its ``seed`` or, by default, with the engine seed
and the fault's ordinal since the last reset/clear, and draws the same number of values for every request it
matches. The same seed and the same sequence of matching requests therefore give the same faults.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from emulators.toolkit.clock import Clock, SystemClock

__all__ = ["FAULT_KINDS", "Decision", "Fault", "FaultEngine", "FaultSpecError", "LatencyModel", "parse_fault"]

FaultKind = Literal["latency", "error", "reset", "hang", "outage"]
FAULT_KINDS: tuple[str, ...] = ("latency", "error", "reset", "hang", "outage")
TERMINAL_KINDS = frozenset({"error", "reset", "hang", "outage"})
_KNOWN_KEYS = frozenset(
    {"kind", "operation", "probability", "times", "seed", "distribution", "seconds", "min", "max", "median",
     "sigma", "cap", "status", "message", "max_seconds", "start", "end", "start_in", "end_in", "duration"}
)


class FaultSpecError(ValueError):
    """A fault specification is invalid (answered as HTTP 400 by the admin API)."""


def _num(spec: Mapping[str, Any], key: str, default: float | None = None, *, minimum: float = 0.0) -> float:
    value = spec.get(key, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultSpecError(f"'{key}' must be a number")
    if not math.isfinite(value) or value < minimum:
        raise FaultSpecError(f"'{key}' must be a finite number >= {minimum}")
    return float(value)


def _instant(value: Any, key: str) -> float:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError as exc:
            raise FaultSpecError(f"'{key}' is not an ISO 8601 instant: {value!r}") from exc
    return _num({key: value}, key)


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """A delay distribution, in seconds."""

    distribution: Literal["fixed", "uniform", "lognormal"]
    params: tuple[float, ...]

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> LatencyModel:
        dist = spec.get("distribution", "fixed")
        if dist == "fixed":
            return cls("fixed", (_num(spec, "seconds"),))
        if dist == "uniform":
            low, high = _num(spec, "min"), _num(spec, "max")
            if high < low:
                raise FaultSpecError("'max' must be >= 'min'")
            return cls("uniform", (low, high))
        if dist == "lognormal":
            median, sigma = _num(spec, "median", minimum=1e-9), _num(spec, "sigma")
            return cls("lognormal", (median, sigma, _num(spec, "cap", 10 * median)))
        raise FaultSpecError("'distribution' must be fixed, uniform or lognormal")

    def sample(self, rng: random.Random) -> float:
        if self.distribution == "fixed":
            return self.params[0]
        if self.distribution == "uniform":
            return rng.uniform(self.params[0], self.params[1])
        median, sigma, cap = self.params
        return min(rng.lognormvariate(math.log(median), sigma), cap)

    def to_json(self) -> dict[str, Any]:
        names = {"fixed": ("seconds",), "uniform": ("min", "max"), "lognormal": ("median", "sigma", "cap")}
        return {"distribution": self.distribution, **dict(zip(names[self.distribution], self.params, strict=True))}


@dataclass(slots=True)
class Fault:
    """One installed fault and its counters."""

    id: str
    kind: FaultKind
    operation: str | None
    probability: float
    times: int | None
    seed: int | str
    latency: LatencyModel | None = None
    status: int | None = None
    message: str | None = None
    max_seconds: float = 30.0
    start: float | None = None
    end: float | None = None
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - fault simulation, not cryptography

    def in_window(self, now: float) -> bool:
        return (self.start is None or now >= self.start) and (self.end is None or now < self.end)

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def to_json(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "operation": self.operation, "probability": self.probability,
            "times": self.times, "seed": self.seed, "seen": self.seen, "fired": self.fired,
            "active": self.in_window(now) and not self.exhausted(),
        }
        if self.latency is not None:
            out.update(self.latency.to_json())
        if self.kind in ("error", "outage"):
            out.update(status=self.status, message=self.message)
        if self.kind == "hang":
            out["max_seconds"] = self.max_seconds
        if self.kind == "outage":
            out.update(start=self.start, end=self.end)
        return out


def parse_fault(spec: Mapping[str, Any], *, fault_id: str, default_seed: int | str, now: float) -> Fault:
    """Validate a JSON fault specification; raises :class:`FaultSpecError`."""
    if not isinstance(spec, Mapping):
        raise FaultSpecError("a fault specification is a JSON object")
    unknown = set(spec) - _KNOWN_KEYS
    if unknown:
        raise FaultSpecError(f"unknown keys: {sorted(unknown)}")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"'kind' must be one of {list(FAULT_KINDS)}")
    operation = spec.get("operation")
    if operation is not None and (not isinstance(operation, str) or not operation):
        raise FaultSpecError("'operation' must be a non-empty string or null")
    probability = _num(spec, "probability", 1.0)
    if probability > 1:
        raise FaultSpecError("'probability' must be within [0, 1]")
    times = spec.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise FaultSpecError("'times' must be a positive integer or null")
    seed = spec.get("seed", f"{default_seed}:{fault_id}")
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise FaultSpecError("'seed' must be an integer or a string")
    fault = Fault(fault_id, cast(FaultKind, kind), operation, probability, times, seed)
    if kind == "latency":
        fault.latency = LatencyModel.parse(spec)
    elif kind in ("error", "outage"):
        status = spec.get("status", 500 if kind == "error" else 503)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultSpecError("'status' must be an HTTP error status (400-599)")
        message = spec.get("message")
        if message is not None and not isinstance(message, str):
            raise FaultSpecError("'message' must be a string")
        fault.status = status
        fault.message = message or ("injected error" if kind == "error" else "service unavailable: scheduled outage")
    elif kind == "hang":
        fault.max_seconds = _num(spec, "max_seconds", 30.0, minimum=0.001)
    if kind == "outage":
        start = _instant(spec["start"], "start") if "start" in spec else now + _num(spec, "start_in", 0.0)
        if "end" in spec:
            end: float | None = _instant(spec["end"], "end")
        elif "end_in" in spec:
            end = now + _num(spec, "end_in")
        elif "duration" in spec:
            end = start + _num(spec, "duration")
        else:
            end = None
        if end is not None and end <= start:
            raise FaultSpecError("an outage must end after it starts")
        fault.start, fault.end = start, end
    return fault


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
    """The installed faults of one emulator; thread-safe."""

    def __init__(self, seed: int | str = 0, clock: Clock | None = None) -> None:
        self.seed: int | str = seed
        self.clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._ordinal = 0

    def add(self, spec: Mapping[str, Any]) -> Fault:
        with self._lock:
            fault = parse_fault(spec, fault_id=f"f{self._ordinal + 1}", default_seed=self.seed, now=self.clock.now())
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

    def decide(self, operation: str | None) -> Decision:
        with self._lock:
            if not self._faults:
                return NO_FAULT
            now = self.clock.now()
            delay, terminal, applied = 0.0, None, []
            for fault in self._faults.values():
                if fault.operation is not None and fault.operation != operation:
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
