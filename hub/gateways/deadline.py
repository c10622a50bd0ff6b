"""A whole call bounded: every socket wait of a call shares one deadline, not only each wait its own timeout.

httpx's read timeout bounds each wait for bytes: a system that sends its answer a byte at a time, each within the
timeout, holds the calling thread for as long as it likes (an audit measured 76 s for headers trickled every
0.3 s with a 1 s read timeout), and the circuit never sees a failure. ``DeadlineBackend`` wraps httpcore's network
backend so that every connect, read and write of the calling thread waits at most what is left of the deadline
``within(seconds)`` set for the call, and fails with httpcore's own timeout errors (httpx's ``ConnectTimeout``,
``ReadTimeout``, ``WriteTimeout``: transient, retried as any timeout) when nothing is left. The deadline is the
calling thread's (the gateways' connections are per thread, ``ThreadClients``).
"""

from __future__ import annotations

import threading
import time
import typing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

__all__ = ["DeadlineBackend", "bounded_transport", "read_within", "within"]

_current = threading.local()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every socket wait of this thread inside the block ends by ``seconds`` from now."""
    outer = getattr(_current, "at", None)
    at = time.monotonic() + seconds
    _current.at = at if outer is None else min(at, outer)
    try:
        yield
    finally:
        _current.at = outer


def _left(timeout: float | None, error: type[Exception], what: str) -> float | None:
    """``timeout`` cut to what is left of this thread's deadline; ``error`` when nothing is."""
    at: float | None = getattr(_current, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error(f"the call's deadline passed before the {what}")
    return left if timeout is None else min(timeout, left)


def read_within(response: httpx.Response) -> bytes:
    """``response``'s whole body, checked against this thread's deadline after every chunk as well (the sockets
    are bounded by the backend; this bounds a body whatever carries it, a test double's stream too)."""
    chunks = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        at: float | None = getattr(_current, "at", None)
        if at is not None and time.monotonic() > at:
            raise httpx.ReadTimeout("the call's deadline passed before the answer was read: timed out",
                                    request=response.request)
    return b"".join(chunks)


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout, "answer was read"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout, "request was sent"))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _BoundedStream(self._stream.start_tls(ssl_context, server_hostname,
                                                     _left(timeout, httpcore.ConnectTimeout, "TLS handshake")))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """``backend`` (httpcore's synchronous sockets) with every wait cut to the calling thread's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout, "connection was made")
        return _BoundedStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout, "connection was made")
        return _BoundedStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bounded_transport(proxy: str | None) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` whose connection pool dials through a ``DeadlineBackend``."""
    transport = httpx.HTTPTransport(proxy=proxy)
    pool = transport._pool  # httpx builds its pool itself and has no argument for the network backend
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport
