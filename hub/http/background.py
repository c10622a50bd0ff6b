"""A small server beside a process's real work: an ASGI app served in a daemon thread with `server_config`.

A separate ``onepoint worker`` answers ``/healthz``, ``/readyz`` and ``/metrics`` on ``--metrics-port``
(``hub.system.worker_probes``). Served by the project's one server configuration, it has the hub's limits: a
request that does not arrive whole within ``read_timeout`` seconds is answered 408 and closed, and connections
over ``max_connections`` are answered only if they are probes (``hub.http.protocol``). A threaded WSGI server with
neither would keep every stalled request head, a thread and a file descriptor each, until the process could open
no file: not its broker connection, not its database.

The socket is bound before the thread starts, so a port that cannot be bound is the caller's ``OSError``.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from hub.http.protocol import DEFAULT_READ_TIMEOUT
from hub.http.server import server_config

__all__ = ["BackgroundServer"]

START_TIMEOUT = 10.0  # seconds the server has to start serving its bound socket
STOP_TIMEOUT = 5.0  # seconds `shutdown` waits for it to finish


class BackgroundServer:
    """``app`` served on ``host``:``port`` (0: a free port) in a daemon thread, started by the constructor; the
    port bound is ``port`` (and ``server_address[1]``, as a ``socketserver`` server gives it)."""

    def __init__(self, app: Any, host: str, port: int, *, name: str, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 max_connections: int | None = None) -> None:
        self._socket = socket.create_server((host, port), backlog=128)
        self.server_address: tuple[str, int] = self._socket.getsockname()[:2]
        config = server_config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1,
                               read_timeout=read_timeout, max_connections=max_connections)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, name=name,
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.shutdown()
                raise OSError(f"the {name} server did not start on {host}:{self.port}")
            time.sleep(0.01)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def shutdown(self) -> None:
        """Stop serving (connections in flight get ``STOP_TIMEOUT`` seconds) and close the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT)
        self._socket.close()
