"""``onepoint worker --metrics-port`` serves its probes with the hub server's limits (``hub.http.background``): a
request head that stalls is answered 408 and closed, and over the connection cap the probes are still answered, so
stalled clients cannot hold the worker's threads and file descriptors for good (audit repro 4)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from prometheus_client import CollectorRegistry

from hub.http import DEFAULT_READ_TIMEOUT
from hub.http.background import BackgroundServer
from hub.system.worker_probes import WorkerProbes, serve_worker_probes

pytestmark = pytest.mark.unit


@contextmanager
def serve(*, read_timeout: float = DEFAULT_READ_TIMEOUT,
          max_connections: int | None = None) -> Iterator[BackgroundServer]:
    server = serve_worker_probes(0, CollectorRegistry(), WorkerProbes("boss", lambda: True),
                                 read_timeout=read_timeout, max_connections=max_connections)
    try:
        yield server
    finally:
        server.shutdown()


def stalled(port: int) -> socket.socket:
    """A connection whose request head never ends."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: worker\r\n")
    return sock


def everything(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_a_request_head_that_stalls_is_answered_408_and_closed() -> None:
    with serve(read_timeout=0.5) as server:
        with stalled(server.port) as sock:
            answer = everything(sock)  # the server closes it: recv returns b"" (a timeout would raise)
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert httpx.get(f"http://127.0.0.1:{server.port}/readyz").json()["ready"] is True


def test_over_the_connection_cap_the_probes_are_answered_and_nothing_else() -> None:
    with serve(max_connections=2) as server:
        held = [stalled(server.port) for _ in range(4)]
        try:
            url = f"http://127.0.0.1:{server.port}"
            assert httpx.get(f"{url}/readyz").status_code == 200
            assert httpx.get(f"{url}/healthz").json() == {"status": "alive", "consumer": "boss"}
            busy = httpx.get(f"{url}/metrics")
            assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        finally:
            for sock in held:
                sock.close()

