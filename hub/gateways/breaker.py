"""Circuit breakers: a system that keeps failing is left alone for a while instead of being called again and again.

One ``Circuit`` per backend system, built on purgatory (3.x). Why purgatory rather than pybreaker 1.4: our SOAP
calls are coroutines on the gateway's loop (purgatory guards them natively), and pybreaker's
``CircuitBreaker.call`` holds one lock for the whole call, which would make concurrent calls to a system wait
for each other. Both count consecutive failures, open at ``breaker_fail_max``, let a trial call through after
``breaker_reset_seconds`` and close again when it succeeds.

Only *transient* failures count (timeouts, resets, 5xx, Server faults): a refusal (``PermanentError``) proves
the system is up. While a circuit is open a call fails at once with ``CircuitOpenError`` (a ``TransientError``)
without reaching the system: the message goes to the next delay tier and waits there, the system is not called.

``CircuitBreakers`` is the board of one process: ``states()`` and ``open_systems()`` for ``/readyz``, and the
``onepoint_circuit_state{system}`` gauge (``Metrics.breaker_state``) is set on every change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from purgatory import AsyncCircuitBreakerFactory, SyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker
from purgatory.service._sync.circuitbreaker import SyncCircuitBreaker

from hub.gateways.failures import SystemUnavailable
from hub.gateways.settings import GatewaySettings
from hub.observability.metrics import Metrics
from hub.workers.errors import CallsHeldBack, PermanentError

__all__ = ["Circuit", "CircuitBreakers", "CircuitOpenError"]

log = logging.getLogger("onepoint.gateway")
T = TypeVar("T")
_STATES = {"closed": "closed", "opened": "open", "half-opened": "half-open"}  # purgatory's names → ours


class CircuitOpenError(SystemUnavailable, CallsHeldBack):
    """The system's circuit is open: not called; the message waits ``retry_in`` seconds (until a trial call)
    without counting an attempt (``CallsHeldBack``)."""

    def __init__(self, system: str, operation: str, retry_in: float) -> None:
        super().__init__(system, operation, f"circuit open (failing system; next trial call in {retry_in:.1f} s)")
        self.retry_in = retry_in


class Circuit:
    """One system's circuit breaker; ``call_async`` guards a coroutine (SOAP), ``call`` a plain call (XML)."""

    def __init__(self, settings: GatewaySettings, board: CircuitBreakers) -> None:
        self.system = settings.system
        self.fail_max = settings.breaker_fail_max
        self.reset_seconds = settings.breaker_reset_seconds
        self._board = board
        options: dict[str, Any] = {"default_threshold": self.fail_max, "default_ttl": self.reset_seconds,
                                   "exclude": [PermanentError]}
        self._async_factory = AsyncCircuitBreakerFactory(**options)
        self._async_factory.add_listener(self._on_event)
        self._sync_factory = SyncCircuitBreakerFactory(**options)
        self._sync_factory.add_listener(self._on_event)
        self._async_breaker: AsyncCircuitBreaker | None = None
        self._sync_breaker: SyncCircuitBreaker | None = None

    async def call_async(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        if self._async_breaker is None:
            self._async_breaker = await self._async_factory.get_breaker(self.system)
        try:
            async with self._async_breaker:
                return await call()
        except OpenedState as exc:
            raise self._refusal(operation, exc) from None

    def call(self, operation: str, call: Callable[[], T]) -> T:
        if self._sync_breaker is None:
            self._sync_breaker = self._sync_factory.get_breaker(self.system)
        try:
            with self._sync_breaker:
                return call()
        except OpenedState as exc:
            raise self._refusal(operation, exc) from None

    def _refusal(self, operation: str, opened: OpenedState) -> CircuitOpenError:
        return CircuitOpenError(self.system, operation, max(0.0, opened.opened_at + self.reset_seconds - time.time()))

    def _on_event(self, name: str, kind: str, event: Any) -> None:
        if kind == "state_changed":
            self._board.changed(self.system, _STATES.get(str(event.state), "closed"), event.opened_at,
                                self.reset_seconds)


class CircuitBreakers:
    """The circuits of one process, by system: ``circuit(settings)`` creates one, the rest reads their states."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics
        self._lock = threading.Lock()
        self._circuits: dict[str, Circuit] = {}
        self._states: dict[str, tuple[str, float | None, float]] = {}  # system → (state, opened_at, reset seconds)

    def circuit(self, settings: GatewaySettings) -> Circuit:
        with self._lock:
            found = self._circuits.get(settings.system)
            if found is None:
                found = self._circuits[settings.system] = Circuit(settings, self)
                self._states[settings.system] = ("closed", None, settings.breaker_reset_seconds)
        if self.metrics is not None:
            self.metrics.breaker_state(settings.system, self.state(settings.system))
        return found

    def changed(self, system: str, state: str, opened_at: float | None, reset_seconds: float) -> None:
        with self._lock:
            self._states[system] = (state, opened_at, reset_seconds)
        level = logging.WARNING if state == "open" else logging.INFO
        log.log(level, "circuit %s", state, extra={"system": system, "circuit": state})
        if self.metrics is not None:
            self.metrics.breaker_state(system, state)

    def state(self, system: str) -> str:
        """``closed``, ``open`` or ``half-open`` (open, but its reset time is over: the next call is a trial)."""
        with self._lock:
            state, opened_at, reset = self._states.get(system, ("closed", None, 0.0))
        if state == "open" and opened_at is not None and time.time() >= opened_at + reset:
            return "half-open"
        return state

    def states(self) -> dict[str, str]:
        """Every known system's circuit state, for ``/readyz`` and the CLI."""
        with self._lock:
            systems = sorted(self._states)
        return {system: self.state(system) for system in systems}

    def open_systems(self) -> list[str]:
        """The systems whose circuit is open now (``/readyz`` names them; their queues wait)."""
        return [system for system, state in self.states().items() if state == "open"]

    def readiness(self) -> dict[str, Any]:
        """For ``/readyz``: ``{"circuits": {system: state}, "open": [systems]}``. An open circuit means the hub
        is degraded (that system's messages wait), not unready: other flows still work."""
        states = self.states()
        return {"circuits": states, "open": [system for system, state in states.items() if state == "open"]}
