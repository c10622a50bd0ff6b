"""Fault specifications: the JSON an integration tester sends, checked key by key, and the :class:`Fault` it makes.

Every key must mean something for the fault's kind (and, for latency, its distribution); anything else is refused
with :class:`FaultSpecError` naming the key, so a fault never silently does less than it says. See
:mod:`emulators.toolkit.faults` for what each kind does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from emulators.toolkit.instants import iso_instant
from emulators.toolkit.xmltext import xml_text_problem

__all__ = ["FAULT_KINDS", "MAX_SECONDS", "Fault", "FaultSpecError", "LatencyModel", "parse_fault"]

FaultKind = Literal["latency", "error", "reset", "hang", "outage"]
FAULT_KINDS: tuple[str, ...] = ("latency", "error", "reset", "hang", "outage")
MAX_SECONDS = 86_400.0  # no delay, hang or relative window longer than a day
_LATEST_INSTANT = 253_402_300_799.0  # 9999-12-31T23:59:59Z
_COMMON = ("kind", "operation", "probability", "times", "seed", "requests")
_WINDOW = ("start", "end", "start_in", "end_in", "duration")
_OWN_KEYS: dict[str, tuple[str, ...]] = {
    "latency": ("distribution", "seconds", "min", "max", "median", "sigma", "cap"),
    "error": ("status", "message"), "outage": ("status", "message"), "reset": (), "hang": ("max_seconds",),
}
_DISTRIBUTION_KEYS = {"fixed": ("seconds",), "uniform": ("min", "max"), "lognormal": ("median", "sigma", "cap")}


class FaultSpecError(ValueError):
    """A fault specification is invalid (answered as HTTP 400 by the admin API)."""


def _num(spec: Mapping[str, Any], key: str, default: float | None = None, *, minimum: float = 0.0,
         maximum: float = math.inf) -> float:
    value = spec.get(key, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultSpecError(f"'{key}' must be a number")
    if not math.isfinite(value) or not minimum <= value <= maximum:
        bound = f" and <= {maximum:g}" if math.isfinite(maximum) else ""
        raise FaultSpecError(f"'{key}' must be a finite number >= {minimum:g}{bound}")
    return float(value)


def _instant(value: Any, key: str) -> float:
    """Epoch seconds, or ISO 8601 with a UTC offset (a time without one would be read in the host's zone)."""
    if isinstance(value, str):
        try:
            return iso_instant(value, key)
        except ValueError as exc:
            raise FaultSpecError(str(exc)) from exc
    return _num({key: value}, key, maximum=_LATEST_INSTANT)


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """A delay distribution, in seconds."""

    distribution: Literal["fixed", "uniform", "lognormal"]
    params: tuple[float, ...]

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> LatencyModel:
        dist = spec.get("distribution", "fixed")
        if dist not in _DISTRIBUTION_KEYS:
            raise FaultSpecError("'distribution' must be fixed, uniform or lognormal")
        wrong = [k for k in _OWN_KEYS["latency"][1:] if k in spec and k not in _DISTRIBUTION_KEYS[dist]]
        if wrong:
            raise FaultSpecError(f"{', '.join(repr(k) for k in wrong)} do(es) not apply to a {dist} latency; it "
                                 f"takes {', '.join(_DISTRIBUTION_KEYS[dist])}")
        if dist == "fixed":
            return cls("fixed", (_num(spec, "seconds", maximum=MAX_SECONDS),))
        if dist == "uniform":
            low, high = _num(spec, "min", maximum=MAX_SECONDS), _num(spec, "max", maximum=MAX_SECONDS)
            if high < low:
                raise FaultSpecError("'max' must be >= 'min'")
            return cls("uniform", (low, high))
        median = _num(spec, "median", minimum=1e-9, maximum=MAX_SECONDS)
        sigma = _num(spec, "sigma")
        cap = _num(spec, "cap", min(10 * median, MAX_SECONDS), maximum=MAX_SECONDS)
        if cap <= 0:
            raise FaultSpecError("'cap' must be > 0 (the longest delay a lognormal latency gives)")
        return cls("lognormal", (median, sigma, cap))

    def sample(self, rng: random.Random) -> float:
        """One delay; never raises (a large sigma is clamped to the cap in log space, before ``exp``)."""
        if self.distribution == "fixed":
            return self.params[0]
        if self.distribution == "uniform":
            return rng.uniform(self.params[0], self.params[1])
        median, sigma, cap = self.params
        log_delay = rng.normalvariate(math.log(median), sigma)  # the draws of rng.lognormvariate, kept in log space
        return min(math.exp(min(log_delay, math.log(cap))), cap) if not math.isnan(log_delay) else cap

    def to_json(self) -> dict[str, Any]:
        names = _DISTRIBUTION_KEYS[self.distribution]
        return {"distribution": self.distribution, **dict(zip(names, self.params, strict=True))}


@dataclass(slots=True)
class Fault:
    """One installed fault and its counters. ``requests="all"`` lets an unscoped fault hit every request (WSDL,
    the emulator's own control routes), not only operation requests."""

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
    requests: Literal["operations", "all"] = "operations"
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - fault simulation, not cryptography

    def in_window(self, now: float) -> bool:
        return (self.start is None or now >= self.start) and (self.end is None or now < self.end)

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def applies_to(self, operation: str | None, operation_request: bool) -> bool:
        if self.operation is not None:
            return self.operation == operation
        return operation_request or self.requests == "all"

    def to_json(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "operation": self.operation, "probability": self.probability,
            "times": self.times, "seed": self.seed, "seen": self.seen, "fired": self.fired,
            "active": self.in_window(now) and not self.exhausted(), "start": self.start, "end": self.end,
        }
        if self.operation is None:
            out["requests"] = self.requests
        if self.latency is not None:
            out.update(self.latency.to_json())
        if self.kind in ("error", "outage"):
            out.update(status=self.status, message=self.message)
        if self.kind == "hang":
            out["max_seconds"] = self.max_seconds
        return out


def _check_keys(spec: Mapping[str, Any], kind: str) -> None:
    everything = set(_COMMON) | set(_WINDOW) | {k for keys in _OWN_KEYS.values() for k in keys}
    unknown = sorted(set(spec) - everything)
    if unknown:
        raise FaultSpecError(f"unknown keys: {unknown}")
    allowed = (*_COMMON, *_OWN_KEYS[kind], *_WINDOW)
    wrong = sorted(set(spec) - set(allowed))
    if wrong:
        raise FaultSpecError(f"{wrong} do(es) not apply to a {kind} fault; it takes: {', '.join(allowed)}")


def _operation(spec: Mapping[str, Any], operations: Collection[str] | None) -> str | None:
    operation = spec.get("operation")
    if operation is not None and (not isinstance(operation, str) or not operation):
        raise FaultSpecError("'operation' must be a non-empty string or null")
    if operation is not None and operations is not None and operation not in operations:
        raise FaultSpecError(f"unknown operation {operation!r}; known operations: {', '.join(sorted(operations))}")
    return operation


def _window(spec: Mapping[str, Any], now: float, *, always: bool) -> tuple[float | None, float | None]:
    """(start, end) from ``start``/``start_in`` and ``end``/``end_in``/``duration``; (None, None) when none is given
    (an outage then starts now)."""
    for keys in (("start", "start_in"), ("end", "end_in", "duration")):
        given = [k for k in keys if k in spec]
        if len(given) > 1:
            raise FaultSpecError(f"give only one of {', '.join(repr(k) for k in given)}")
    if not always and not any(k in spec for k in _WINDOW):
        return None, None
    if "start" in spec:
        start = _instant(spec["start"], "start")
    else:
        start = now + _num(spec, "start_in", 0.0, maximum=MAX_SECONDS * 366)
    end: float | None = None
    if "end" in spec:
        end = _instant(spec["end"], "end")
    elif "end_in" in spec:
        end = now + _num(spec, "end_in", maximum=MAX_SECONDS * 366)
    elif "duration" in spec:
        end = start + _num(spec, "duration", maximum=MAX_SECONDS * 366)
    if end is not None and end <= start:
        raise FaultSpecError("the fault's window must end after it starts")
    if end is not None and end <= now:
        raise FaultSpecError("the fault's window has already ended ('end' is in the past)")
    return start, end


def parse_fault(spec: Mapping[str, Any], *, fault_id: str, default_seed: int | str, now: float,
                operations: Collection[str] | None = None) -> Fault:
    """Validate a JSON fault specification; raises :class:`FaultSpecError`. ``operations``: the emulator's known
    operations (a fault scoped to another one is refused), or None to accept any name."""
    if not isinstance(spec, Mapping):
        raise FaultSpecError("a fault specification is a JSON object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"'kind' must be one of {list(FAULT_KINDS)}")
    _check_keys(spec, kind)
    operation = _operation(spec, operations)
    requests = spec.get("requests", "operations")
    if requests not in ("operations", "all"):
        raise FaultSpecError("'requests' must be \"operations\" (the default) or \"all\"")
    if operation is not None and "requests" in spec:
        raise FaultSpecError("'requests' is for faults without an 'operation' (a scoped fault hits that operation)")
    probability = _num(spec, "probability", 1.0, maximum=1.0)
    times = spec.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise FaultSpecError("'times' must be a positive integer or null")
    seed = spec.get("seed", f"{default_seed}:{fault_id}")
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise FaultSpecError("'seed' must be an integer or a string")
    fault = Fault(fault_id, cast(FaultKind, kind), operation, probability, times, seed, requests=requests)
    if kind == "latency":
        fault.latency = LatencyModel.parse(spec)
    elif kind in ("error", "outage"):
        status = spec.get("status", 500 if kind == "error" else 503)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultSpecError("'status' must be an HTTP error status (400-599)")
        message = spec.get("message")
        if message is not None and not isinstance(message, str):
            raise FaultSpecError("'message' must be a string")
        problem = xml_text_problem(message) if message else None
        if problem:  # BOSS and CRM answer it in a SOAP Fault: XML 1.0 must be able to carry it
            raise FaultSpecError(f"'message' holds {problem}: XML 1.0 cannot carry it (the fault would answer "
                                 "no SOAP Fault); leave control characters out")
        fault.status = status
        fault.message = message or ("injected error" if kind == "error" else "service unavailable: scheduled outage")
    elif kind == "hang":
        fault.max_seconds = _num(spec, "max_seconds", 30.0, minimum=0.001, maximum=MAX_SECONDS)
    fault.start, fault.end = _window(spec, now, always=kind == "outage")
    return fault
