"""The broker's node addresses, tried in turn, and the one-line-per-change log of its connection state.

Every connection of a ``RabbitMQBroker`` (the I/O thread's, the event-loop publisher's, the short blocking ones)
connects to its current address and, when that fails or its node goes, moves on to the next: a cluster keeps
accepting while one node is down. Reconnects within the first round over the addresses are quick; later rounds
back off.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

import pika
import pika.exceptions

__all__ = ["ConnectionState", "NodeAddresses", "backoff", "blocked_reason", "failure_reason", "quiet_pika",
           "refused_by_broker"]

log = logging.getLogger("onepoint.transport")
STACK_AFTER_SOCKET = 5.0  # seconds the AMQP handshake gets after a URL's own TCP connect limit (`_parameters`)


def backoff(attempt: int, initial: float = 0.2, maximum: float = 5.0) -> float:
    """Exponential backoff with jitter (attempt 0 → ~initial)."""
    return float(min(maximum, initial * 2**attempt) * random.uniform(0.75, 1.25))  # noqa: S311


def blocked_reason(reason: str) -> str:
    """What ``/readyz`` and a refusal say while RabbitMQ blocks a publishing connection (``connection.blocked``
    with its reason, e.g. ``low on memory``)."""
    return f"publishing blocked by the broker: {reason} (a memory or disk alarm)"


def failure_reason(exc: BaseException) -> str:
    """Why a connection attempt failed, in one line: the error under pika's wrappers (``AMQPConnectionError``,
    ``AMQPConnectionWorkflowFailed``'s last exception, a bring-up phase's ``exception``), e.g.
    ``ConnectionRefusedError: [Errno 111] Connection refused``. pika's own ``str()`` of its wrappers is empty."""
    root = exc
    for _ in range(8):  # pika nests a few levels deep; a bound keeps a self-referring error from looping
        inner = _wrapped(root)
        if inner is None or inner is root:
            break
        root = inner
    text = str(root).strip()
    return f"{type(root).__name__}: {text}" if text else repr(root)


_REFUSALS = (pika.exceptions.ProbableAuthenticationError, pika.exceptions.ProbableAccessDeniedError,
             pika.exceptions.ConnectionClosedByBroker)


def refused_by_broker(exc: BaseException) -> bool:
    """Whether a node answered and refused the connection (the login, the vhost, permissions), at any level of
    pika's wrappers: the broker runs, its credentials are to check (``BrokerRefusedError``)."""
    root: BaseException | None = exc
    for _ in range(8):
        if root is None or isinstance(root, _REFUSALS):
            return root is not None
        inner = _wrapped(root)
        if inner is root:
            return False
        root = inner
    return False


def _wrapped(exc: BaseException) -> BaseException | None:
    exceptions = getattr(exc, "exceptions", None)  # AMQPConnectionWorkflowFailed: every attempt's, last one last
    if isinstance(exceptions, tuple) and exceptions and isinstance(exceptions[-1], BaseException):
        return exceptions[-1]
    phase = getattr(exc, "exception", None)  # AMQPConnectorPhaseErrorBase: the error of a bring-up phase
    if isinstance(phase, BaseException):
        return phase
    if isinstance(exc, pika.exceptions.AMQPError) and len(exc.args) == 1 and isinstance(exc.args[0], BaseException):
        return exc.args[0]
    return None


def quiet_pika() -> None:
    """pika logs an ERROR (with a traceback) for every failed connection attempt; the hub logs the outage once
    (`ConnectionState`). Leaves a level that the application configured alone."""
    pika_log = logging.getLogger("pika")
    if pika_log.level == logging.NOTSET:
        pika_log.setLevel(logging.CRITICAL)


def _parameters(url: str, defaults: Mapping[str, float]) -> pika.URLParameters:
    """``url``'s connection parameters, ``defaults`` for those its query (``?socket_timeout=10``) does not give. A
    URL that gives its own ``socket_timeout`` (the TCP connect's limit) but no ``stack_timeout`` (the whole
    handshake's, TCP connect included) gets a default ``stack_timeout`` at least ``STACK_AFTER_SOCKET`` longer: never
    shorter than its own connect limit."""
    params = pika.URLParameters(url)
    given = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for name, value in defaults.items():
        if name not in given:
            setattr(params, name, value)
    if "socket_timeout" in given and "stack_timeout" not in given and "stack_timeout" in defaults:
        params.stack_timeout = max(defaults["stack_timeout"], params.socket_timeout + STACK_AFTER_SOCKET)
    return params


class NodeAddresses:
    """Connection parameters of each node, and which one a connection tries now. One instance per connection."""

    def __init__(self, urls: Sequence[str], defaults: Mapping[str, float] | None = None) -> None:
        """``defaults``: connection parameters (``socket_timeout=3.0``) for the URLs that do not set them."""
        if not urls:
            raise ValueError("no broker node address")
        self.parameters = tuple(_parameters(url, defaults or {}) for url in urls)
        self._current = 0
        self._failures = 0  # consecutive failed attempts since the last successful connect

    @property
    def current(self) -> pika.URLParameters:
        return self.parameters[self._current]

    def describe(self) -> str:
        """``host:port`` of the current address (no credentials), for logs."""
        params = self.current
        return f"{params.host}:{params.port}"

    def in_turn(self) -> list[pika.URLParameters]:
        """Every address, the current one first (for a connection that tries them all itself)."""
        return [*self.parameters[self._current:], *self.parameters[:self._current]]

    def tried_all(self) -> bool:
        """True when the current address is the last one not yet tried since the last successful connect."""
        return self._failures + 1 >= len(self.parameters)

    def connected(self) -> None:
        self._failures = 0

    def failed(self) -> float:
        """The current address failed (or its connection was lost): move to the next one. Returns the delay
        before trying it: short within the first round over the addresses, then growing."""
        self._current = (self._current + 1) % len(self.parameters)
        rounds = self._failures // len(self.parameters)
        self._failures += 1
        return backoff(rounds, initial=0.1 if rounds == 0 else 0.2)


class ConnectionState:
    """Logs one warning when the broker becomes unreachable (any of its connections lost) and one when every
    connection is back, however many connections and attempts there are in between. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: set[str] = set()

    def lost(self, connection: str, node: str, reason: BaseException | str) -> None:
        with self._lock:
            first = not self._down
            self._down.add(connection)
        if first:
            log.warning("broker connection lost; reconnecting", extra={"node": node, "reason": str(reason)})

    def forget(self, connection: str) -> None:
        """``connection`` is closed for good: the outage, if any, no longer waits for it."""
        self.back(connection, "")

    def back(self, connection: str, node: str) -> None:
        with self._lock:
            if connection not in self._down:
                return
            self._down.discard(connection)
            last = not self._down
        if last and node:
            log.warning("broker connection re-established", extra={"node": node})
