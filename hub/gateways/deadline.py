"""A whole call bounded: every socket wait of a call shares one deadline, not only each wait its own timeout.

httpx's read timeout bounds each wait for bytes: a system that sends its answer a byte at a time, each within the
timeout, holds the calling thread for as long as it likes (an audit measured 76 s for headers trickled every
0.3 s with a 1 s read timeout), and the circuit never sees a failure. ``DeadlineBackend`` wraps httpcore's network
backend so that every connect, read and write of the calling thread waits at most what is left of the deadline
``within(seconds)`` set for the call, and fails with httpcore's own timeout errors (httpx's ``ConnectTimeout``,
``ReadTimeout``, ``WriteTimeout``: transient, retried as any timeout) when nothing is left. The deadline is the
calling thread's (the gateways' connections are per thread, ``ThreadClients``).

Name resolution is a wait too: ``socket.getaddrinfo`` takes no timeout (a resolver that does not answer holds the
caller for the system's resolver timeout times its attempts). Inside ``within`` a host name is resolved on a
helper thread that the caller waits for at most what is left of the deadline (then ``ConnectTimeout``; the
helper ends when the resolver does), and the connection is made to the resolved addresses one after another, as
``socket.create_connection`` does. Outside ``within`` a connection is made as httpcore makes it. An
``address_check`` (the event listeners' destination policy) refuses resolved addresses with ``ConnectError``
naming the reason; the adapters give none.

An answer is read as its raw bytes (bounded by the caller's cap) and decoded of its ``Content-Encoding`` within
that cap (``hub.gateways.answer_codings``), never through httpx's decoders, which inflate each read whole.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import typing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from hub.gateways.answer_codings import AnswerTooLarge, UndecodableAnswer, content_codings, decoded_answer

__all__ = ["KEEPALIVE_EXPIRY", "AddressCheck", "AnswerTooLarge", "DeadlineBackend", "bounded_transport",
           "read_answer", "read_within", "within"]

# An idle pooled connection to a system is let go after this long: under the 5 s that Apache httpd, uvicorn and
# many SOAP stacks keep one (httpx's own default is 5 s too, so a call sent just then raced the server's close:
# "Server disconnected without sending a response", a retry each time).
KEEPALIVE_EXPIRY = 4.0

AddressCheck = Callable[[str], str | None]  # an IP address -> why it may not be connected to (None: it may)
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


def read_answer(response: httpx.Response, max_bytes: int) -> bytes:
    """A successful answer's body, at most ``max_bytes`` (the parser's cap: it would refuse more anyway): a larger
    ``Content-Length`` is refused before any byte is read, a body streamed or inflated past the cap once the cap
    is passed (``AnswerTooLarge``; close the response, its connection is not reused), a ``Content-Encoding`` the
    hub does not decode before any byte is read (``UndecodableAnswer``). Any other answer (an error status) over
    the cap, or undecodable, comes back empty: its status alone says what happened."""
    if not response.is_success:
        try:
            return read_within(response, max_bytes=max_bytes)
        except (AnswerTooLarge, UndecodableAnswer):
            return b""
    announced = (response.headers.get("content-length") or "").strip()
    if announced.isascii() and announced.isdigit() and int(announced) > max_bytes:  # "¹²" is no length
        raise AnswerTooLarge(int(announced), max_bytes)
    return read_within(response, max_bytes=max_bytes)


def read_within(response: httpx.Response, limit: int | None = None, *, max_bytes: int | None = None) -> bytes:
    """``response``'s whole body, checked against this thread's deadline after every chunk as well (the sockets
    are bounded by the backend; this bounds a body whatever carries it, a test double's stream too). With
    ``limit``: at most its first ``limit`` bytes as they came (not decoded), the rest left unread (close the
    response: its connection is closed, not reused). Otherwise the body as sent, decoded of its
    ``Content-Encoding`` (``hub.gateways.answer_codings``: never through httpx's decoders, which inflate each read
    whole); with ``max_bytes``: `AnswerTooLarge` as soon as more than that has come or been inflated, nothing
    more read."""
    codings = [] if limit is not None else content_codings(response.headers.get_list("content-encoding"))
    chunks, size = [], 0
    for chunk in response.iter_raw():
        if limit is not None and size + len(chunk) >= limit:
            chunks.append(chunk[:limit - size])
            break
        chunks.append(chunk)
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise AnswerTooLarge(None, max_bytes)
        at: float | None = getattr(_current, "at", None)
        if at is not None and time.monotonic() > at:
            raise httpx.ReadTimeout("the call's deadline passed before the answer was read: timed out",
                                    request=response.request)
    return decoded_answer(b"".join(chunks), codings, max_bytes)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """``host``'s addresses for a TCP connection, waited for at most ``timeout`` seconds (a helper thread asks the
    resolver: ``getaddrinfo`` has no timeout of its own)."""
    if _literal(host):
        return [host]
    found: list[list[str] | BaseException] = []

    def ask() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.append(list(dict.fromkeys(str(info[4][0]) for info in infos)))
        except BaseException as exc:  # handed to the caller
            found.append(exc)

    helper = threading.Thread(target=ask, name="resolve-host", daemon=True)
    helper.start()
    helper.join(timeout)
    if not found:
        raise httpcore.ConnectTimeout(f"name resolution of {host!r} did not end within the call's deadline")
    outcome = found[0]
    if isinstance(outcome, BaseException):
        raise httpcore.ConnectError(f"name resolution of {host!r} failed: {outcome}") from outcome
    if not outcome:
        raise httpcore.ConnectError(f"name resolution of {host!r} gave no address")
    return outcome


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
    """``backend`` (httpcore's synchronous sockets) with every wait cut to the calling thread's deadline, name
    resolution included; ``address_check`` refuses the addresses it names a reason for."""

    def __init__(self, backend: httpcore.NetworkBackend, address_check: AddressCheck | None = None) -> None:
        self._backend = backend
        self._check = address_check

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout, "connection was made")
        if getattr(_current, "at", None) is None and self._check is None:  # as httpcore connects
            return _BoundedStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))
        addresses = _resolve(host, port, timeout)
        if self._check is not None:
            refused = {address: self._check(address) for address in addresses}
            addresses = [address for address, reason in refused.items() if reason is None]
            if not addresses:
                reasons = "; ".join(f"{address}: {reason}" for address, reason in refused.items())
                raise httpcore.ConnectError(f"destination refused: {host!r} resolves to {reasons}")
        error: Exception | None = None
        for address in addresses:  # one after another, as socket.create_connection tries them
            try:
                left = _left(timeout, httpcore.ConnectTimeout, "connection was made")
                stream = self._backend.connect_tcp(address, port, left, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _BoundedStream(stream)
        assert error is not None  # _resolve gives at least one address
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout, "connection was made")
        return _BoundedStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bounded_transport(proxy: str | None, *, address_check: AddressCheck | None = None) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` whose connection pool dials through a ``DeadlineBackend``."""
    transport = httpx.HTTPTransport(proxy=proxy, limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY))
    pool = transport._pool  # httpx builds its pool itself and has no argument for the network backend
    pool._network_backend = DeadlineBackend(pool._network_backend, address_check)
    return transport
