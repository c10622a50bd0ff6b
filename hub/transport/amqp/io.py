"""The I/O thread: one pika ``SelectConnection``, driven from one thread, reconnected to the next node address
when its node goes (`NodeAddresses`). It reads 16 KiB per ``recv()`` (`LargeReadSelectConnection`).

pika objects are not thread-safe, so every other thread talks to the connection through ``call_soon`` and
``call`` (``IOCalls``, this thread's base: ``hub.transport.amqp.io_calls``). While the connection is down, calls
wait in the queue and run after the next successful (re)connect, once the listeners have reopened their channels.

Failed attempts to reconnect are WARNING lines, at most one every ``RETRY_LOG_INTERVAL`` seconds. A topology the
broker refuses as inequivalent (``TopologyMismatchError``: a queue re-declared with other arguments while the
process ran, found when it reconnects) is permanent: one ERROR naming the queue and the argument, no more
attempts, and ``failure`` says why (the broker is not ready again; a worker process exits on it). While RabbitMQ
blocks the connection (``connection.blocked``: a memory or disk alarm) ``blocked`` holds its reason.

``stop()`` ends the thread whatever a reconnect is doing: a connection still in its TCP connect or AMQP handshake is
closed (pika aborts the attempt and closes its socket), and once ``stop()`` began no new connection is made. A
declaration of the topology (``prepare``, before every connection) has the connection's own limits (pika's 15 s on a
hung node), so ``stop()`` does not wait it out: it joins the thread for ``DECLARATION_JOIN`` at most and returns; the
daemon thread ends by itself when the declaration does (its connection closed by the declaration, or by pika when
the handshake failed), making no connection after it. A ``start()`` still waiting for the first connection returns
as soon as ``stop()`` began (from another thread), raising ``TransportClosedError``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import pika

from hub.observability.quiet import QuietLog
from hub.transport.amqp.closing import close_connection
from hub.transport.amqp.io_calls import IOCalls
from hub.transport.amqp.nodes import ConnectionState, NodeAddresses, failure_reason, refused_by_broker
from hub.transport.amqp.reads import LargeReadSelectConnection
from hub.transport.errors import (
    BrokerRefusedError,
    BrokerUnreachableError,
    TopologyMismatchError,
    TransportClosedError,
    TransportError,
)

__all__ = ["ConnectionListener", "IOThread"]

log = logging.getLogger("onepoint.transport")
RETRY_LOG_INTERVAL = 30.0
DECLARATION_JOIN = 0.5  # seconds stop() waits for a thread in its declaration (it ends by itself, connecting no more)


class ConnectionListener(Protocol):
    def on_connected(self, connection: pika.SelectConnection) -> None: ...

    def on_disconnected(self) -> None: ...


class IOThread(IOCalls):
    def __init__(
        self, nodes: NodeAddresses, state: ConnectionState, prepare: Callable[[], None], name: str = "amqp-io"
    ) -> None:
        super().__init__()
        self._nodes = nodes
        self._state = state
        self._name = name
        self._prepare = prepare
        self._listeners: list[ConnectionListener] = []
        self._stopping = threading.Event()
        self._connecting = threading.Lock()  # ``stop()`` against a new connection (``_connect``)
        self._declaring = threading.Event()  # in ``prepare``: stop() does not wait it out
        self._first = threading.Event()
        self._first_error: BaseException | None = None
        self.connection: pika.SelectConnection | None = None
        self.connected = False
        self.blocked: str | None = None  # the broker's reason while it blocks the connection
        self.failure: TopologyMismatchError | None = None  # permanent: no more reconnects
        self._unblocked: list[Callable[[], None]] = []
        self._blocked_hooks: list[Callable[[str], None]] = []
        self._retries = QuietLog("broker connection attempt failed; trying again", RETRY_LOG_INTERVAL, logger=log)
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def add_listener(self, listener: ConnectionListener) -> None:
        """Register before ``start()`` (or from the I/O thread)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: ConnectionListener) -> None:
        """From the I/O thread."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def on_blocking(self, blocked: Callable[[str], None], unblocked: Callable[[], None]) -> None:
        """Call ``blocked(reason)`` on ``connection.blocked`` and ``unblocked()`` on ``connection.unblocked`` (on the
        I/O thread). Register before ``start()``."""
        self._blocked_hooks.append(blocked)
        self._unblocked.append(unblocked)

    def start(self, timeout: float = 30.0) -> None:
        """Wait for the first connection; ``TransportClosedError`` as soon as a ``stop()`` (from another thread)
        began."""
        self._thread.start()
        if not self._first.wait(timeout):
            self.stop()
            raise BrokerUnreachableError(f"could not connect to the broker within {timeout}s")
        if isinstance(self._first_error, TransportClosedError):
            raise self._first_error  # the stop() that set it ends the thread
        if isinstance(self._first_error, TopologyMismatchError):
            self.stop()
            raise self._first_error
        if self._first_error is not None:
            self.stop()
            first = self._first_error
            if isinstance(first, (BrokerUnreachableError, BrokerRefusedError)) and first.__cause__ is not None:
                first = first.__cause__  # the topology's connection (``open_blocking``): its reason, said once
            reason = failure_reason(first)
            # a connection that never opened is the broker unreachable, or refused by a node that answered; a
            # declaration's refusal is neither
            unreached = not isinstance(first, TransportError) or isinstance(first, BrokerUnreachableError)
            kind: type[TransportError] = (BrokerRefusedError if refused_by_broker(first)
                                          else BrokerUnreachableError if unreached else TransportError)
            raise kind(f"could not connect to the broker: {reason}") from self._first_error

    # -- cross-thread calls (the rest: ``IOCalls``) -------------------------------------------------------
    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """On the I/O thread only: run ``fn`` after ``delay`` seconds (dropped if the connection goes)."""
        if self.connection is not None:
            self.connection.ioloop.call_later(delay, fn)

    # -- connection lifecycle -----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._declare()
                conn = self._connect()
                if conn is None:
                    break  # stop() began during the declaration
                try:
                    conn.ioloop.start()
                finally:
                    conn.ioloop.close()
            except TopologyMismatchError as exc:
                self._failed(exc)
            except Exception as exc:
                self._open_failed(exc)
            self.blocked = None
            was_connected = self.connected
            self._hold_calls()
            self.connected = False
            self.connection = None
            if was_connected:
                for listener in self._listeners:
                    listener.on_disconnected()
            if self._stopping.is_set() or self._first_error is not None or self.failure is not None:
                break
            node = self._nodes.describe()
            delay = self._nodes.failed()
            log.debug("reconnecting", extra={"node": node, "next": self._nodes.describe(), "delay_s": round(delay, 2)})
            self._stopping.wait(delay)

    def _declare(self) -> None:
        """``prepare``, marked for ``stop()``; skipped once ``stop()`` began (set before the check: a ``stop()`` that
        did not see the mark sees the thread skip the declaration)."""
        self._declaring.set()
        try:
            if not self._stopping.is_set():
                self._prepare()
        finally:
            self._declaring.clear()

    def _connect(self) -> pika.SelectConnection | None:
        """A new connection to the current node, or None once ``stop()`` began: under the lock ``stop()`` takes,
        so a connection is either seen (and closed) by ``stop()`` or never made."""
        with self._connecting:
            if self._stopping.is_set():
                return None
            conn = LargeReadSelectConnection(
                self._nodes.current,
                on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_close,
            )
            conn.add_on_connection_blocked_callback(self._on_blocked)
            conn.add_on_connection_unblocked_callback(self._on_unblocked)
            self.connection = conn
            return conn

    def _open_failed(self, exc: BaseException) -> None:
        if self._stopping.is_set():  # an attempt stop() aborted, or what ended it once stop() began
            log.debug("broker connection attempt ended by close", extra={"node": self._nodes.describe(),
                                                                         "error": repr(exc)})
        elif self._first.is_set():  # at start, ``start()`` raises with the reason
            self._retries.warn(node=self._nodes.describe(), error=repr(exc))
        else:
            log.debug("broker connection failed", extra={"node": self._nodes.describe(), "error": repr(exc)})
        if not self._first.is_set() and self._nodes.tried_all():
            self._first_error = exc
            self._first.set()

    def _failed(self, exc: TopologyMismatchError) -> None:
        """A refusal no retry can cure: stop for good."""
        self.failure = exc
        if not self._first.is_set():
            self._first_error = exc
            self._first.set()
            return  # ``start()`` raises it: one line where the process starts
        log.error("the broker refused the topology: no more reconnects, nothing more is consumed or published "
                  "(what differs and what to do: detail)",
                  extra={"entity": exc.entity, "reason": exc.reason, "detail": str(exc),
                         "node": self._nodes.describe()})

    def _on_blocked(self, conn: pika.SelectConnection, frame: Any) -> None:
        if conn is not self.connection:
            return
        self.blocked = str(getattr(frame.method, "reason", "") or "no reason given")
        log.warning("broker blocks the connection's publishes",
                    extra={"reason": self.blocked, "connection": self._name})
        for hook in self._blocked_hooks:
            hook(self.blocked)

    def _on_unblocked(self, conn: pika.SelectConnection, _frame: Any) -> None:
        if conn is not self.connection or self.blocked is None:
            return
        log.warning("broker unblocked the connection", extra={"reason": self.blocked, "connection": self._name})
        self.blocked = None
        for hook in self._unblocked:
            hook()

    def _on_open(self, conn: pika.SelectConnection) -> None:
        if self._first.is_set():
            self.reconnects += 1
        self._nodes.connected()
        self.connected = True
        for listener in self._listeners:
            listener.on_connected(conn)
        self._serve_calls(conn.ioloop)
        self._first.set()
        self._state.back(self._name, self._nodes.describe())

    def _on_open_error(self, conn: pika.SelectConnection, exc: BaseException) -> None:
        self._open_failed(exc)
        conn.ioloop.stop()

    def _on_close(self, conn: pika.SelectConnection, reason: BaseException) -> None:
        if not self._stopping.is_set():
            self._state.lost(self._name, self._nodes.describe(), reason)
        conn.ioloop.stop()

    def stop(self, timeout: float = 10.0) -> None:
        with self._connecting:
            self._stopping.set()
            conn = self.connection
            if not self._first.is_set():  # ``start()`` waits for the first connection: it ends now
                self._first_error = TransportClosedError("broker closed while connecting")
                self._first.set()
        if conn is not None:
            loop = conn.ioloop

            def close() -> None:
                if conn.is_open:
                    close_connection(conn, self.blocked)  # a blocked one is dropped: no Close-Ok would come
                elif not (conn.is_closing or conn.is_closed):
                    conn.close()  # still opening: pika aborts the attempt, closes its socket and ends the loop
                elif conn.is_closed:
                    loop.stop()  # a closing one ends the loop itself once closed (``_on_close``)

            try:
                loop.add_callback_threadsafe(close)
            except Exception:
                log.debug("I/O loop already closed")
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            # a declaration ends by itself within its connection's limits and ``_connect()`` refuses after it
            self._thread.join(min(timeout, DECLARATION_JOIN) if self._declaring.is_set() else timeout)
        leftover = self._drop_calls()
        if leftover:
            log.info("dropping calls queued for a closed connection", extra={"count": leftover})

    def ensure_open(self) -> None:
        if self._stopping.is_set():
            raise TransportClosedError("broker closed")
