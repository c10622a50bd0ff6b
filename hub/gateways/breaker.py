"""Circuit breakers: a system that keeps failing is left alone for a while instead of being called again and again.

One ``Circuit`` per backend system, and one more per named group of its operations that fail on their own
(``[adapters.<system>] circuits``: BOSS's SyncHLR on ``boss.hlr`` by default; ``hub.gateways.circuit_board``), on
purgatory's (3.x) breaker state machine. Why purgatory rather than pybreaker 1.4: pybreaker's
``CircuitBreaker.call`` holds one lock for the whole call, which would make concurrent calls to a system wait for
each other. Both count consecutive failures, open at ``breaker_fail_max``, let a trial call through after
``breaker_reset_seconds`` and close again when it succeeds.

**What a failure streak counts.** pybreaker and purgatory count calls; a worker calls again for the same message
(its in-process retries, its trips through the delay tiers), so one message the system fails on would open the
circuit alone, and hold back every other message of the system for ``breaker_reset_seconds`` (one agent's SyncHLR
during an HLR link outage made every tier lookup fail). A circuit opens on evidence that the system fails for
everyone: a failure the system *answered* (``SystemAnsweredFailure``: a SOAP Server fault, an HTTP 500 with its
error document — it was reached and failed on this message) counts once per message in a streak (until a call
succeeds or the circuit opens), whatever the number of times that message is tried; a failure without an answer
(a refused or reset connection, a timeout, 502/503/504, a proxy's page) says the system cannot be reached by
anyone and counts every time, so a lone message still opens the circuit of a system that is down and waits for
it. A call made outside a handler (no message id: ``hub.workers.calling``) counts every time. The half-open
trial's failure always reopens the circuit.

purgatory's breaker is not thread-safe (its exit drains a shared list of events without a lock), and a worker's
handler threads share their system's circuit, so ``Circuit`` takes its own lock around the entry check and
around the exit and its drain, never around the call itself: concurrent calls still run side by side. Under the
same lock the circuit tells the board its state, read from the breaker (not from events that may cross on
their way), so ``/readyz`` and ``/metrics`` always show the state the breaker is in.

Half-open admits **one** trial call at a time: while it is out the other calls are held back as if the circuit
were open (``CircuitOpenError``, for at most the trial's deadline, connect plus read timeout), and only the trial's
outcome closes or reopens the circuit (a call that started earlier and ends meanwhile does not decide). A trial
still out twice its deadline is taken as lost: the next call is the trial.

Only *transient* failures count (timeouts, resets, 5xx, Server faults): a refusal (``PermanentError``) proves
the system is up. While a circuit is open a call fails at once with ``CircuitOpenError`` (a ``CallsHeldBack``)
without reaching the system: the message goes to the next delay tier and waits there, the system is not called.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from purgatory import SyncCircuitBreakerFactory
from purgatory.domain.model import CLOSED, HALF_OPENED, OpenedState
from purgatory.service._sync.circuitbreaker import SyncCircuitBreaker

from hub.gateways.failures import SystemUnavailable
from hub.gateways.settings import GatewaySettings
from hub.workers.calling import handling
from hub.workers.errors import CallsHeldBack, PermanentError, SystemAnsweredFailure

__all__ = ["Circuit", "CircuitOpenError"]

T = TypeVar("T")
CALLER_MEMORY = 3  # reset periods a caller of a failed or held-back call is remembered unseen
_STATES = {"closed": "closed", "opened": "open", "half-opened": "half-open"}  # purgatory's names → ours


class Board(Protocol):
    """Who is told of a circuit's state changes (``hub.gateways.circuit_board.CircuitBreakers``)."""

    def changed(self, circuit: str, state: str, opened_at: float | None, reset_seconds: float) -> None: ...


class CircuitOpenError(SystemUnavailable, CallsHeldBack):
    """The system's circuit is open (or half-open with its trial call out): not called; the message waits
    ``retry_in`` seconds without counting an attempt (``CallsHeldBack``)."""

    def __init__(self, system: str, operation: str, retry_in: float, *, trial: bool = False,
                 callers: tuple[str, ...] = (), circuit: str | None = None) -> None:
        own = circuit in (None, system)  # the system's own circuit, else that of a group of its operations
        which = "" if own else f"circuit {circuit}: "
        reason = (f"circuit half-open ({which}a trial call is out; next try in {retry_in:.1f} s)" if trial else
                  f"circuit open ({which}failing {'system' if own else 'operations'}; next trial call in "
                  f"{retry_in:.1f} s)")
        super().__init__(system, operation, reason)
        self.retry_in = retry_in
        self.circuit = circuit or system  # the circuit's name: the system's, or ``<system>.<name>``
        # whose calls failed or were held back since the circuit last closed, this one's included (two at most; ""
        # for a call made outside a handler): ``hub.workers.calling``
        self.callers = callers


class Circuit:
    """One circuit breaker of a system (``name``: the system's, or ``<system>.<name>`` for a group of its
    operations), shared by threads; ``call`` guards a plain call, ``call_async`` a coroutine."""

    def __init__(self, settings: GatewaySettings, board: Board, name: str | None = None) -> None:
        self.system = settings.system
        self.name = name or settings.system
        self.fail_max = settings.breaker_fail_max
        self.reset_seconds = settings.breaker_reset_seconds
        self.trial_seconds = settings.connect_timeout + settings.read_timeout  # a call's deadline
        self._board = board
        self._lock = threading.Lock()
        factory = SyncCircuitBreakerFactory(default_threshold=self.fail_max, default_ttl=self.reset_seconds,
                                            exclude=[PermanentError])
        self._sync_breaker: SyncCircuitBreaker = factory.get_breaker(self.name)
        self._streak: set[str] = set()  # messages whose answered failure counted since the last success or opening
        self._trial: object | None = None  # the half-open trial call that is out, if any
        self._trial_started = 0.0
        self._told: tuple[str, float | None] = ("closed", None)  # what the board was last told
        # whose calls failed or were held back since it last closed, when last (two at most; forgotten after
        # CALLER_MEMORY reset periods unseen: a message still waiting comes back at every reopening)
        self._callers: dict[str, float] = {}
        self._clock: Callable[[], float] = time.monotonic

    def call(self, operation: str, call: Callable[[], T]) -> T:
        trial = self._enter(operation)
        try:
            result = call()
        except BaseException as exc:
            self._exit(trial, exc)
            raise
        self._exit(trial, None)
        return result

    async def call_async(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        trial = self._enter(operation)  # the lock is held for bookkeeping only, never across an await
        try:
            result = await call()
        except BaseException as exc:
            self._exit(trial, exc)
            raise
        self._exit(trial, None)
        return result

    def _enter(self, operation: str) -> object | None:
        """Let the call through (returning its token if it is the half-open trial) or raise ``CircuitOpenError``."""
        with self._lock:
            if self._trial is not None:
                wait = self._trial_started + self.trial_seconds - time.monotonic()
                if wait > -self.trial_seconds:
                    raise CircuitOpenError(self.system, operation, max(0.0, wait), trial=True,
                                           callers=self._note_caller(), circuit=self.name)
                self._trial = None  # out twice its deadline: lost (it no longer decides), this call is the trial
            try:
                self._sync_breaker.__enter__()  # open, its reset time over: half-open, and this call the trial
            except OpenedState as opened:
                wait = max(0.0, opened.opened_at + self.reset_seconds - time.time())
                raise CircuitOpenError(self.system, operation, wait, callers=self._note_caller(),
                                       circuit=self.name) from None
            trial = object() if self._sync_breaker.context.state == HALF_OPENED else None
            if trial is not None:
                self._trial, self._trial_started = trial, time.monotonic()
            self._tell_board()
            return trial

    def _exit(self, trial: object | None, error: BaseException | None) -> None:
        """The call ended (``error`` if it raised): the breaker counts it (while half-open, the trial only)."""
        with self._lock:
            if trial is not None and trial is self._trial:
                self._trial = None
            elif self._sync_breaker.context.state == HALF_OPENED:
                return  # started before the trial: only the trial's outcome closes or reopens the circuit
            elif self._counted_before(error):
                self._note_caller()
                return  # this message's answered failure counted already in this streak
            self._sync_breaker.__exit__(type(error) if error is not None else None, error,
                                        error.__traceback__ if error is not None else None)
            if error is None:
                self._callers.clear()
                self._streak.clear()
            elif not isinstance(error, PermanentError):
                self._note_caller()
            if self._sync_breaker.context.state != CLOSED:
                self._streak.clear()
            self._tell_board()

    def _counted_before(self, error: BaseException | None) -> bool:
        """Under the lock, the circuit closed: whether ``error`` is an answered failure of a message whose answered
        failure counted already in this streak (noting it otherwise). One message's retries are one failure."""
        caller = handling.get()
        if not isinstance(error, SystemAnsweredFailure) or not caller:
            return False
        if caller in self._streak:
            return True
        self._streak.add(caller)
        return False

    def _note_caller(self) -> tuple[str, ...]:
        """Under the lock: whose call failed or is held back (two distinct callers are enough to tell one
        message's failures from everyone's); the callers seen lately. All are forgotten once a call succeeds, and
        each one unseen for ``CALLER_MEMORY`` reset periods (dead-lettered, refused, or done elsewhere): a message
        that really waits for the system is held back again at each reopening."""
        now = self._clock()
        horizon = now - CALLER_MEMORY * max(self.reset_seconds, 1.0)
        for gone in [caller for caller, seen in self._callers.items() if seen < horizon]:
            del self._callers[gone]
        caller = handling.get() or ""
        if caller in self._callers or len(self._callers) < 2:
            self._callers[caller] = now
        return tuple(self._callers)

    def _tell_board(self) -> None:
        """Under the lock: the board learns the breaker's state when it changed, in the order it changed."""
        context = self._sync_breaker.context
        now = (_STATES.get(context.state, "closed"), context.opened_at)
        if now != self._told:
            self._told = now
            self._board.changed(self.name, now[0], now[1], self.reset_seconds)
