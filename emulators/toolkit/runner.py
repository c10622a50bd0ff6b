"""Serving emulators: in a background thread (fixtures, ``onepoint emulate all``) or in the foreground (CLI).

Why uvicorn (already a hub dependency) rather than a WSGI server:

- **Concurrency.** One asyncio loop (uvloop + httptools when installed) handles every connection with HTTP/1.1
  keep-alive; WSGI apps such as spyne's run in the emulator's own thread pool. Latency and hang faults are
  ``await``s, not blocked threads, so a hundred hung requests cost a hundred futures and never starve the other
  clients; a thread-per-request server (werkzeug) or a fixed pool (waitress) would be tied up by them.
- **Memory.** Nothing grows per request: connections and tasks are freed when done, the journal is a ring buffer.
- **Keep-alive.** werkzeug 3.1's server closes the connection after every response and then drains the socket
  for 10 ms, which makes 100,000-request runs a connection storm; waitress keeps connections alive but its
  environ gives no access to the socket, so it cannot reset one.
- **A real TCP reset.** uvicorn accepts an HTTP protocol class. :class:`AbortableHTTPProtocol` gives every request
  an ``onepoint.abort`` extension that sets ``SO_LINGER`` to zero and aborts the transport: the kernel sends an
  RST and the client sees "connection reset by peer".
- **The hub's server.** The configuration is the hub's (``hub.http.server``): a Java client's ``Upgrade: h2c``
  offer declined with its body kept, a request that stalls answered 408, connections capped; a tester's client
  meets the same server in the emulators as in the hub.

Shutdown releases pending hangs and latency waits (``EmulatorApp.close``), closes the listener and keep-alive
connections, and joins the server thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import uvicorn

from emulators.toolkit.hooks import ABORT_EXTENSION
from hub.http.protocol import ServerProtocol
from hub.http.server import server_config

__all__ = ["AbortableHTTPProtocol", "RunningServer", "bind_socket", "serve_all", "serve_forever", "start_server"]

LOOPBACK = "127.0.0.1"


class AbortableHTTPProtocol(ServerProtocol):  # type: ignore[misc]
    """The hub's HTTP protocol (``hub.http.protocol``), plus an ``onepoint.abort`` ASGI extension that resets the
    TCP connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner: Any = self.app  # type: ignore[has-type]

        async def app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
            extensions = scope.get("extensions")
            if extensions is None:
                extensions = scope["extensions"] = {}
            extensions[ABORT_EXTENSION] = self.abort_connection
            await inner(scope, receive, send)

        self.app = app

    def abort_connection(self) -> None:
        """Reset the connection; nothing to do when it is already closing (its client left, say). uvloop's
        pseudo-socket of a closed transport raises ValueError ("negative file descriptor"), not OSError."""
        transport: asyncio.Transport = self.transport
        if transport.is_closing():
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, ValueError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()


def bind_socket(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one (read it back with ``getsockname()``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _EmulatorServer(uvicorn.Server):
    """uvicorn's server, releasing the emulator's hangs first so a graceful shutdown does not wait for them."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        close = getattr(self.config.app, "close", None)
        if close is not None:
            close()
        await super().shutdown(sockets)


def _config(app: Any, *, log_level: str = "warning") -> uvicorn.Config:
    return server_config(
        app, http=AbortableHTTPProtocol, interface="asgi3", lifespan="off", log_level=log_level,
        timeout_graceful_shutdown=5, proxy_headers=False, server_header=False,
    )


class RunningServer:
    """An emulator served by uvicorn in a background thread; a context manager."""

    def __init__(self, app: Any, sock: socket.socket, *, name: str = "emulator") -> None:
        self.app = app
        self.name = name
        self._sock = sock
        self.host, self.port = sock.getsockname()[:2]
        self._server = _EmulatorServer(_config(app))
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"emulator-{name}-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # reported by start()
            self._error = exc

    def start(self, timeout: float = 10.0) -> RunningServer:
        reopen = getattr(self.app, "reopen", None)
        if reopen is not None:
            reopen()
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emulator {self.name} did not start on {self.url}") from self._error
            time.sleep(0.005)
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Release hangs, stop accepting, close connections, join the thread. Idempotent."""
        close = getattr(self.app, "close", None)
        if close is not None:
            close()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._sock.close()
        if self._thread.is_alive():
            raise RuntimeError(f"emulator {self.name} on {self.url} did not stop within {2 * timeout} s")

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_server(app: Any, *, host: str = LOOPBACK, port: int = 0, name: str | None = None) -> RunningServer:
    """Serve ``app`` (an :class:`~emulators.toolkit.app.EmulatorApp` or any ASGI app) in a background thread."""
    sock = bind_socket(host, port)
    try:
        server = RunningServer(app, sock, name=name or str(getattr(app, "name", "emulator")))
    except BaseException:
        sock.close()
        raise
    return server.start()


class _Stopped(Exception):
    """SIGTERM arrived (re-raised by uvicorn after its graceful shutdown)."""


def _raise_stopped(signum: int, frame: Any) -> None:
    raise _Stopped


def serve_forever(app: Any, *, host: str = LOOPBACK, port: int = 8100, log_level: str = "info") -> None:
    """Serve ``app`` in the foreground until SIGINT/SIGTERM (``onepoint emulate boss --port 8101``), then return.

    The app is (re)opened first, as :func:`start_server` does (an NSP notice script starts then); Ctrl-C and
    SIGTERM end it quietly, after uvicorn's graceful shutdown.
    """
    server = _EmulatorServer(_config(app, log_level=log_level))
    sock = bind_socket(host, port)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        reopen = getattr(app, "reopen", None)
        if reopen is not None:
            reopen()
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        close = getattr(app, "close", None)
        if close is not None:
            close()
        sock.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def serve_all(
    apps: Iterable[tuple[Any, int]], *, host: str = LOOPBACK, stop: threading.Event | None = None,
    on_started: Callable[[list[RunningServer]], None] | None = None,
) -> None:
    """Serve several emulators (``onepoint emulate all``) until ``stop`` is set or SIGINT/SIGTERM arrives.

    ``apps`` are ``(app, port)`` pairs; ``on_started`` gets the running servers (to print their URLs). Every server
    started is stopped on the way out, even when a later one fails to start.
    """
    stop = stop or threading.Event()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    servers: list[RunningServer] = []
    try:
        for app, port in apps:
            servers.append(start_server(app, host=host, port=port))
        if on_started is not None:
            on_started(servers)
        while not stop.wait(0.5):
            if not all(server.running for server in servers):
                raise RuntimeError("an emulator server stopped unexpectedly")
    finally:
        for server in reversed(servers):
            server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
